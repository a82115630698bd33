import { buildClient, CommitmentPolicy, getLocalCryptographicMaterialsCache, KmsKeyringNode, NodeCachingMaterialsManager } from '@aws-crypto/client-node';
import { DecryptCommand, GenerateDataKeyCommand, KMS, KMSClient } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildEncryptionContext } from '../../../../src/core/crypto/context.js';
import { DataKeys } from '../../../../src/core/crypto/data-keys.js';
import type { DataKeyCacheSettings } from '../../../../src/core/crypto/data-keys.js';
import { decryptEnvelope, encryptEnvelope } from '../../../../src/core/crypto/envelope.js';
import { COMMITTING_SIGNING_SUITE_ID, COMMITTING_SUITE_ID } from '../../../../src/core/crypto/suites.js';
import { CiphertextInvalidError, KeyUnavailableError } from '../../../../src/core/errors.js';
import { ACCOUNT_ID, keyArn, mockKms } from '../fakes.js';

const KEY_ALIAS = 'alias/keystage-dev';
const KEY_ARN = keyArn('11111111-1111-1111-1111-111111111111');
const SETTINGS: DataKeyCacheSettings = { enabled: true, maxAgeSeconds: 300, maxMessages: 1000, maxBytes: 100 * 1024 * 1024 };
const CONTEXT = buildEncryptionContext('dev', {});
const FILTER = { accountIDs: [ACCOUNT_ID], partition: 'aws' };

let kms: ReturnType<typeof mockKms>;

function newDataKeys(): DataKeys {
  return new DataKeys(new KMSClient({ region: 'us-east-1' }));
}

function encryptWith(dataKeys: DataKeys, settings: DataKeyCacheSettings, plaintext = Buffer.from('payload'), context = CONTEXT) {
  return encryptEnvelope({ keys: dataKeys.forEncryption(KEY_ALIAS, settings), plaintext, context, suiteId: COMMITTING_SUITE_ID, keyId: KEY_ALIAS });
}

function decryptWith(dataKeys: DataKeys, ciphertext: Uint8Array, settings = SETTINGS, filter = FILTER) {
  return decryptEnvelope({ keys: dataKeys.forDecryption(filter, settings), ciphertext, maxPlaintextBytes: 1 << 20, checkContext: () => undefined });
}

function generateDataKeyCalls(): number {
  return kms.kmsMock.commandCalls(GenerateDataKeyCommand).length;
}

function decryptCalls(): number {
  return kms.kmsMock.commandCalls(DecryptCommand).length;
}

beforeEach(() => {
  kms = mockKms();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('DataKeys.forEncryption', () => {
  it('makes one GenerateDataKey call for 16 parallel first requests', async () => {
    const dataKeys = newDataKeys();

    await Promise.all(Array.from({ length: 16 }, () => encryptWith(dataKeys, SETTINGS)));

    expect(generateDataKeyCalls()).toBe(1);
  });

  it('bounds 16 parallel requests by maxMessages', async () => {
    const dataKeys = newDataKeys();

    await Promise.all(Array.from({ length: 16 }, () => encryptWith(dataKeys, { ...SETTINGS, maxMessages: 4 })));

    expect(generateDataKeyCalls()).toBe(4);
  });

  it('bounds 1,000 sequential encryptions to one call', async () => {
    const dataKeys = newDataKeys();

    for (let index = 0; index < 1000; index += 1) await encryptWith(dataKeys, SETTINGS);

    expect(generateDataKeyCalls()).toBe(1);
  });

  it('generates a new data key after maxMessages', async () => {
    const dataKeys = newDataKeys();
    const settings = { ...SETTINGS, maxMessages: 3 };

    for (let index = 0; index < 7; index += 1) await encryptWith(dataKeys, settings);

    expect(generateDataKeyCalls()).toBe(3);
  });

  it('generates a new data key after maxBytes', async () => {
    const dataKeys = newDataKeys();
    const settings = { ...SETTINGS, maxBytes: 100 };

    for (let index = 0; index < 4; index += 1) await encryptWith(dataKeys, settings, Buffer.alloc(40));

    expect(generateDataKeyCalls()).toBe(2);
  });

  it('never caches the key of a message over maxBytes', async () => {
    const dataKeys = newDataKeys();
    const settings = { ...SETTINGS, maxBytes: 10 };

    for (let index = 0; index < 3; index += 1) await encryptWith(dataKeys, settings, Buffer.alloc(11));

    expect(generateDataKeyCalls()).toBe(3);
  });

  it('generates a new data key after maxAgeSeconds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const dataKeys = newDataKeys();
    const settings = { ...SETTINGS, maxAgeSeconds: 60 };
    await encryptWith(dataKeys, settings);
    vi.advanceTimersByTime(59_000);
    await encryptWith(dataKeys, settings);

    vi.advanceTimersByTime(1_000);
    await encryptWith(dataKeys, settings);

    expect(generateDataKeyCalls()).toBe(2);
  });

  it('uses one data key per encryption context', async () => {
    const dataKeys = newDataKeys();

    await encryptWith(dataKeys, SETTINGS, Buffer.from('a'), buildEncryptionContext('dev', { tenant: 'a' }));
    await encryptWith(dataKeys, SETTINGS, Buffer.from('b'), buildEncryptionContext('dev', { tenant: 'b' }));

    expect(generateDataKeyCalls()).toBe(2);
  });

  it('calls KMS for every message when caching is off', async () => {
    const dataKeys = newDataKeys();

    for (let index = 0; index < 3; index += 1) await encryptWith(dataKeys, { ...SETTINGS, enabled: false });

    expect(generateDataKeyCalls()).toBe(3);
  });

  it('lets a follower retry on its own when the first miss fails', async () => {
    const dataKeys = newDataKeys();
    kms.kmsMock
      .on(GenerateDataKeyCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }))
      .callsFake(kms.generateDataKey);

    const results = await Promise.allSettled([encryptWith(dataKeys, SETTINGS), encryptWith(dataKeys, SETTINGS)]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
  });

  it('reports the key ARN that KMS returned', async () => {
    const { keyId } = await encryptWith(newDataKeys(), SETTINGS);

    expect(keyId).toBe(KEY_ARN);
  });

  it('translates a disabled key', async () => {
    kms.disable('11111111-1111-1111-1111-111111111111');

    await expect(encryptWith(newDataKeys(), SETTINGS)).rejects.toBeInstanceOf(KeyUnavailableError);
  });
});

describe('DataKeys.forDecryption', () => {
  it('makes one Decrypt call for 16 parallel first requests of one message', async () => {
    const { ciphertext } = await encryptWith(newDataKeys(), SETTINGS);
    const dataKeys = newDataKeys();

    await Promise.all(Array.from({ length: 16 }, () => decryptWith(dataKeys, ciphertext)));

    expect(decryptCalls()).toBe(1);
  });

  it('decrypts again after maxAgeSeconds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { ciphertext } = await encryptWith(newDataKeys(), SETTINGS);
    const dataKeys = newDataKeys();
    await decryptWith(dataKeys, ciphertext);

    vi.advanceTimersByTime(300_000);
    await decryptWith(dataKeys, ciphertext);

    expect(decryptCalls()).toBe(2);
  });

  it('calls KMS for every message when caching is off', async () => {
    const { ciphertext } = await encryptWith(newDataKeys(), SETTINGS);
    const dataKeys = newDataKeys();

    for (let index = 0; index < 3; index += 1) await decryptWith(dataKeys, ciphertext, { ...SETTINGS, enabled: false });

    expect(decryptCalls()).toBe(3);
  });

  it('names the key ARN of the data key in Decrypt', async () => {
    const { ciphertext } = await encryptWith(newDataKeys(), SETTINGS);

    await decryptWith(newDataKeys(), ciphertext);

    expect(kms.kmsMock.commandCalls(DecryptCommand)[0]?.args[0].input.KeyId).toBe(KEY_ARN);
  });

  it('rejects a data key of an account outside the discovery filter', async () => {
    const { ciphertext } = await encryptWith(newDataKeys(), SETTINGS);

    const decryption = decryptWith(newDataKeys(), ciphertext, SETTINGS, { accountIDs: ['111122223333'], partition: 'aws' });

    await expect(decryption).rejects.toBeInstanceOf(CiphertextInvalidError);
    expect(decryptCalls()).toBe(0);
  });

  it('decrypts a signed message through the Encryption SDK', async () => {
    const plaintext = Buffer.from('signed payload');
    const { ciphertext } = await encryptEnvelope({ keys: newDataKeys().forEncryption(KEY_ALIAS, SETTINGS), plaintext, context: CONTEXT, suiteId: COMMITTING_SIGNING_SUITE_ID, keyId: KEY_ALIAS });

    const decrypted = await decryptWith(newDataKeys(), ciphertext);

    expect(Buffer.from(decrypted.plaintext).equals(plaintext)).toBe(true);
  });
});

describe('signed messages through DataKeys', () => {
  function encryptSigned(dataKeys: DataKeys, settings: DataKeyCacheSettings) {
    return encryptEnvelope({ keys: dataKeys.forEncryption(KEY_ALIAS, settings), plaintext: Buffer.from('signed'), context: CONTEXT, suiteId: COMMITTING_SIGNING_SUITE_ID, keyId: KEY_ALIAS });
  }

  it('makes one GenerateDataKey call for 16 parallel first requests', async () => {
    const dataKeys = newDataKeys();

    await Promise.all(Array.from({ length: 16 }, () => encryptSigned(dataKeys, SETTINGS)));

    expect(generateDataKeyCalls()).toBe(1);
  });

  it('generates a new data key after maxMessages', async () => {
    const dataKeys = newDataKeys();

    for (let index = 0; index < 7; index += 1) await encryptSigned(dataKeys, { ...SETTINGS, maxMessages: 3 });

    expect(generateDataKeyCalls()).toBe(3);
  });
});

describe('messages read by the Encryption SDK', () => {
  it('decrypts with a KMS discovery keyring', async () => {
    const plaintext = Buffer.from('payload for the SDK');
    const { ciphertext } = await encryptWith(newDataKeys(), SETTINGS, plaintext);
    const keyring = new KmsKeyringNode({ discovery: true, clientProvider: () => new KMS({ region: 'us-east-1' }) });
    const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

    const { plaintext: decrypted, messageHeader } = await decrypt(keyring, ciphertext);

    expect(decrypted.equals(plaintext)).toBe(true);
    expect(messageHeader.encryptedDataKeys[0]?.providerInfo).toBe(KEY_ARN);
  });

  it('are made by the SDK and decrypted here', async () => {
    const plaintext = Buffer.from('payload from the SDK');
    const keyring = new KmsKeyringNode({ generatorKeyId: KEY_ALIAS, clientProvider: () => new KMS({ region: 'us-east-1' }) });
    const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const { result } = await encrypt(keyring, plaintext, { encryptionContext: CONTEXT, suiteId: COMMITTING_SUITE_ID });

    const decrypted = await decryptWith(newDataKeys(), result);

    expect(Buffer.from(decrypted.plaintext).equals(plaintext)).toBe(true);
  });
});

describe('the Encryption SDK caching manager alone', () => {
  it('makes a call per parallel first request, which the single-flight cache prevents', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: KEY_ALIAS, clientProvider: () => new KMS({ region: 'us-east-1' }) });
    const manager = new NodeCachingMaterialsManager({ backingMaterials: keyring, cache: getLocalCryptographicMaterialsCache(10), maxAge: 300_000 });
    const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

    await Promise.all(Array.from({ length: 16 }, () => encrypt(manager, Buffer.from('x'), { encryptionContext: CONTEXT, suiteId: COMMITTING_SUITE_ID })));

    expect(generateDataKeyCalls()).toBe(16);
  });
});
