import { randomBytes } from 'node:crypto';

import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  NodeDefaultCryptographicMaterialsManager,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';

import { decryptEnvelope, encryptEnvelope } from '../../../../../src/core/crypto/envelope.js';
import { parseHeader } from '../../../../../src/core/crypto/message/header.js';
import { COMMITTING_SIGNING_SUITE_ID, COMMITTING_SUITE_ID } from '../../../../../src/core/crypto/suites.js';
import { CiphertextInvalidError } from '../../../../../src/core/errors.js';
import { sdkDataKeys } from '../sdk-keys.js';

const keyring = new RawAesKeyringNode({
  keyName: 'codec-test-key',
  keyNamespace: 'keystage-tests',
  unencryptedMasterKey: randomBytes(32),
  wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
});
const manager = new NodeDefaultCryptographicMaterialsManager(keyring);
const keys = sdkDataKeys(manager, 'codec-test-key');
const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

const PLAIN_CONTEXT: Record<string, string> = { stage: 'dev', service: 'keystage' };
const RICH_CONTEXT: Record<string, string> = { stage: 'prod', service: 'keystage', tenant: 'acme', 'zz-last': 'ω', Émoji: '🎉' };
const CONTEXTS = [PLAIN_CONTEXT, RICH_CONTEXT];
/** Frame lengths: one byte, odd, a power of two, and a random one. */
const FRAME_LENGTHS = [1, 7, 16, 1 + Math.floor(Math.random() * 64)];

function sizesFor(frameLength: number): number[] {
  return Array.from({ length: 3 * frameLength + 2 }, (_, size) => size);
}

function acceptAll(): void {}

async function encryptWithCodec(plaintext: Buffer, context: Record<string, string>, frameLengthBytes: number) {
  const { ciphertext } = await encryptEnvelope({ keys, plaintext, context, suiteId: COMMITTING_SUITE_ID, keyId: 'codec-test-key', frameLengthBytes });
  return Buffer.from(ciphertext);
}

async function decryptWithCodec(ciphertext: Uint8Array) {
  return decryptEnvelope({ keys, ciphertext, maxPlaintextBytes: 1 << 20, checkContext: acceptAll });
}

describe.each(FRAME_LENGTHS)('message codec with %i-byte frames', (frameLength) => {
  it('writes messages the Encryption SDK reads, for every size', async () => {
    for (const context of CONTEXTS) {
      for (const size of sizesFor(frameLength)) {
        const plaintext = randomBytes(size);

        const ciphertext = await encryptWithCodec(plaintext, context, frameLength);
        const { plaintext: decrypted, messageHeader } = await sdk.decrypt(manager, ciphertext);

        expect(decrypted.equals(plaintext), `size ${size}`).toBe(true);
        expect(messageHeader.encryptionContext).toEqual(context);
        expect(messageHeader.frameLength).toBe(frameLength);
      }
    }
  });

  it('reads messages the Encryption SDK writes, for every size', async () => {
    for (const context of CONTEXTS) {
      for (const size of sizesFor(frameLength)) {
        const plaintext = randomBytes(size);
        const { result } = await sdk.encrypt(manager, plaintext, { encryptionContext: context, suiteId: COMMITTING_SUITE_ID, frameLength });

        const decrypted = await decryptWithCodec(result);

        expect(Buffer.from(decrypted.plaintext).equals(plaintext), `size ${size}`).toBe(true);
        expect(decrypted.context).toEqual(context);
      }
    }
  });

  it('writes the same layout as the Encryption SDK', async () => {
    const plaintext = randomBytes(2 * frameLength + 1);
    const { result } = await sdk.encrypt(manager, plaintext, { encryptionContext: RICH_CONTEXT, suiteId: COMMITTING_SUITE_ID, frameLength });

    const ours = await encryptWithCodec(plaintext, RICH_CONTEXT, frameLength);

    expect(ours.byteLength).toBe(result.byteLength);
  });
});

describe('signed messages', () => {
  it.each([0, 1, 100, 4096])('reads a %i-byte message of the signing suite through the SDK', async (size) => {
    const plaintext = randomBytes(size);
    const { result } = await sdk.encrypt(manager, plaintext, { encryptionContext: PLAIN_CONTEXT, suiteId: COMMITTING_SIGNING_SUITE_ID, frameLength: 64 });

    const decrypted = await decryptWithCodec(result);

    expect(Buffer.from(decrypted.plaintext).equals(plaintext)).toBe(true);
  });

  it('writes signed messages the SDK reads', async () => {
    const plaintext = randomBytes(300);
    const { ciphertext } = await encryptEnvelope({ keys, plaintext, context: PLAIN_CONTEXT, suiteId: COMMITTING_SIGNING_SUITE_ID, keyId: 'k', frameLengthBytes: 64 });

    const { plaintext: decrypted } = await sdk.decrypt(manager, ciphertext);

    expect(decrypted.equals(plaintext)).toBe(true);
  });

  it('parses the header of a signed message', async () => {
    const { result } = await sdk.encrypt(manager, Buffer.from('x'), { encryptionContext: RICH_CONTEXT, suiteId: COMMITTING_SIGNING_SUITE_ID });

    const { header } = parseHeader(result, 8);

    expect(header.suiteId).toBe(COMMITTING_SIGNING_SUITE_ID);
    expect(header.encryptionContext).toMatchObject(RICH_CONTEXT);
    expect(Object.keys(header.encryptionContext)).toContain('aws-crypto-public-key');
  });
});

describe('message reader', () => {
  const plaintext = randomBytes(100);

  async function message(): Promise<Buffer> {
    return encryptWithCodec(plaintext, PLAIN_CONTEXT, 32);
  }

  it('rejects every single flipped bit', async () => {
    const original = await message();

    for (let index = 0; index < original.byteLength; index += 1) {
      const tampered = Buffer.from(original);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;

      await expect(decryptWithCodec(tampered), `byte ${index}`).rejects.toThrow();
    }
  });

  it('rejects a truncated message', async () => {
    const original = await message();

    await expect(decryptWithCodec(original.subarray(0, original.byteLength - 1))).rejects.toBeInstanceOf(CiphertextInvalidError);
  });

  it('rejects bytes after the final frame', async () => {
    const original = await message();

    await expect(decryptWithCodec(Buffer.concat([original, Buffer.from([0])]))).rejects.toThrow(/follow its final frame/);
  });

  it('rejects a context before decrypting', async () => {
    const original = await message();
    const rejectContext = () => {
      throw new CiphertextInvalidError('wrong stage');
    };

    await expect(decryptEnvelope({ keys, ciphertext: original, maxPlaintextBytes: 1 << 20, checkContext: rejectContext })).rejects.toThrow('wrong stage');
  });

  it('rejects a non-committing version 1 message', async () => {
    const legacy = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
    const { result } = await legacy.encrypt(manager, Buffer.from('old'), { encryptionContext: PLAIN_CONTEXT, suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384 });

    await expect(decryptWithCodec(result)).rejects.toBeInstanceOf(CiphertextInvalidError);
  });

  it('rejects a plaintext over the limit', async () => {
    const original = await message();

    await expect(decryptEnvelope({ keys, ciphertext: original, maxPlaintextBytes: 99, checkContext: acceptAll })).rejects.toThrow(/more than the 99/);
  });
});
