import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  MIN_CIPHERTEXT_BYTES,
  encodeEncryptionContext,
  openCiphertext,
  parseCiphertext,
  sealCiphertext,
} from '../../../src/localcloud/kms/ciphertext.js';
import { InvalidCiphertextException } from '../../../src/localcloud/kms/errors.js';

const backingKey = randomBytes(32);
const header = { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', materialVersion: 3 };
const plaintext = Buffer.from('attack at dawn');
const context = { stage: 'dev', service: 'keystage' };

function seal(overrides: { context?: Record<string, string>; key?: Buffer } = {}): Buffer {
  return sealCiphertext(header, overrides.key ?? backingKey, plaintext, overrides.context ?? context);
}

function open(blob: Buffer, openContext: Record<string, string> = context, key: Buffer = backingKey): Buffer {
  return openCiphertext(parseCiphertext(blob), key, openContext);
}

describe('kms ciphertext blob', () => {
  it('decrypts with the same encryption context', () => {
    expect(open(seal())).toEqual(plaintext);
  });

  it('carries the key id and backing-key version in its header', () => {
    const parsed = parseCiphertext(seal());

    expect(parsed.keyId).toBe(header.keyId);
    expect(parsed.materialVersion).toBe(3);
  });

  it('ignores the order of context pairs', () => {
    const reordered = { service: 'keystage', stage: 'dev' };

    expect(open(seal(), reordered)).toEqual(plaintext);
  });

  it('rejects a context with a missing pair', () => {
    expect(() => open(seal(), { stage: 'dev' })).toThrow(InvalidCiphertextException);
  });

  it('rejects a context with an extra pair', () => {
    expect(() => open(seal(), { ...context, tenant: 'a' })).toThrow(InvalidCiphertextException);
  });

  it('rejects a context with a changed value', () => {
    expect(() => open(seal(), { ...context, stage: 'prod' })).toThrow(InvalidCiphertextException);
  });

  it('rejects a context when the blob had none', () => {
    expect(() => open(seal({ context: {} }), context)).toThrow(InvalidCiphertextException);
  });

  it('rejects a different backing key', () => {
    expect(() => open(seal(), context, randomBytes(32))).toThrow(InvalidCiphertextException);
  });

  it('rejects every single tampered byte', () => {
    const blob = seal();
    const positionsAccepted: number[] = [];

    for (let position = 0; position < blob.length; position++) {
      const tampered = Buffer.from(blob);
      tampered[position] = tampered[position]! ^ 0x01;
      try {
        open(tampered);
        positionsAccepted.push(position);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidCiphertextException);
      }
    }

    expect(positionsAccepted).toEqual([]);
  });

  it('rejects a truncated blob', () => {
    const blob = seal();

    expect(() => open(blob.subarray(0, blob.length - 1))).toThrow(InvalidCiphertextException);
    expect(() => parseCiphertext(blob.subarray(0, MIN_CIPHERTEXT_BYTES - 1))).toThrow(InvalidCiphertextException);
  });

  it('rejects bytes of an unknown format version', () => {
    const blob = seal();
    blob[0] = 2;

    expect(() => parseCiphertext(blob)).toThrow(InvalidCiphertextException);
  });

  it('gives each encryption a fresh IV', () => {
    expect(seal().equals(seal())).toBe(false);
  });
});

describe('encodeEncryptionContext', () => {
  it('encodes equal maps in any order to equal bytes', () => {
    const first = encodeEncryptionContext({ a: '1', b: '2', c: '3' });
    const second = encodeEncryptionContext({ c: '3', a: '1', b: '2' });

    expect(first.equals(second)).toBe(true);
  });

  it('keeps key and value boundaries apart', () => {
    const first = encodeEncryptionContext({ ab: 'c' });
    const second = encodeEncryptionContext({ a: 'bc' });

    expect(first.equals(second)).toBe(false);
  });

  it('orders keys by their UTF-8 bytes', () => {
    const first = encodeEncryptionContext({ é: '1', z: '2' });
    const second = encodeEncryptionContext({ z: '2', é: '1' });

    expect(first.equals(second)).toBe(true);
  });

  it('encodes an empty context as a zero pair count', () => {
    expect(encodeEncryptionContext({})).toEqual(Buffer.from([0, 0, 0, 0]));
  });
});
