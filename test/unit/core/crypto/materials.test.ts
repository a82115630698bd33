import { buildClient, CommitmentPolicy, getLocalCryptographicMaterialsCache, KmsKeyringNode, NodeCachingMaterialsManager } from '@aws-crypto/client-node';
import { GenerateDataKeyCommand, KMS, KMSClient } from '@aws-sdk/client-kms';
import { beforeEach, describe, expect, it } from 'vitest';

import { buildEncryptionContext } from '../../../../src/core/crypto/context.js';
import { encryptEnvelope } from '../../../../src/core/crypto/envelope.js';
import { MaterialsManagers } from '../../../../src/core/crypto/materials.js';
import type { DataKeyCacheSettings } from '../../../../src/core/crypto/materials.js';
import { COMMITTING_SUITE_ID } from '../../../../src/core/crypto/suites.js';
import { mockKms } from '../fakes.js';

const KEY_ALIAS = 'alias/keystage-dev';
const SETTINGS: DataKeyCacheSettings = { enabled: true, maxAgeSeconds: 300, maxMessages: 1000, maxBytes: 100 * 1024 * 1024 };
const CONTEXT = buildEncryptionContext('dev', {});

let kms: ReturnType<typeof mockKms>;

function encryptWith(materials: MaterialsManagers, settings: DataKeyCacheSettings, plaintext = Buffer.from('payload'), context = CONTEXT) {
  return encryptEnvelope({ manager: materials.forEncryption(KEY_ALIAS, settings), plaintext, context, suiteId: COMMITTING_SUITE_ID, keyId: KEY_ALIAS });
}

function generateDataKeyCalls(): number {
  return kms.kmsMock.commandCalls(GenerateDataKeyCommand).length;
}

beforeEach(() => {
  kms = mockKms();
});

describe('MaterialsManagers.forEncryption', () => {
  it('makes one GenerateDataKey call for 16 parallel first requests', async () => {
    const materials = new MaterialsManagers(new KMSClient({ region: 'us-east-1' }));

    await Promise.all(Array.from({ length: 16 }, () => encryptWith(materials, SETTINGS)));

    expect(generateDataKeyCalls()).toBe(1);
  });

  it('bounds 1,000 sequential encryptions to one call', async () => {
    const materials = new MaterialsManagers(new KMSClient({ region: 'us-east-1' }));

    for (let index = 0; index < 1000; index += 1) await encryptWith(materials, SETTINGS);

    expect(generateDataKeyCalls()).toBe(1);
  });

  it('generates a new data key after maxMessages', async () => {
    const materials = new MaterialsManagers(new KMSClient({ region: 'us-east-1' }));
    const settings = { ...SETTINGS, maxMessages: 3 };

    for (let index = 0; index < 7; index += 1) await encryptWith(materials, settings);

    expect(generateDataKeyCalls()).toBe(3);
  });

  it('generates a new data key after maxBytes', async () => {
    const materials = new MaterialsManagers(new KMSClient({ region: 'us-east-1' }));
    const settings = { ...SETTINGS, maxBytes: 100 };

    for (let index = 0; index < 4; index += 1) await encryptWith(materials, settings, Buffer.alloc(40));

    expect(generateDataKeyCalls()).toBe(2);
  });

  it('generates a new data key after maxAgeSeconds', async () => {
    const materials = new MaterialsManagers(new KMSClient({ region: 'us-east-1' }));
    const settings = { ...SETTINGS, maxAgeSeconds: 0.05 };
    await encryptWith(materials, settings);

    await new Promise((resolve) => setTimeout(resolve, 80));
    await encryptWith(materials, settings);

    expect(generateDataKeyCalls()).toBe(2);
  });

  it('uses one data key per encryption context', async () => {
    const materials = new MaterialsManagers(new KMSClient({ region: 'us-east-1' }));

    await encryptWith(materials, SETTINGS, Buffer.from('a'), buildEncryptionContext('dev', { tenant: 'a' }));
    await encryptWith(materials, SETTINGS, Buffer.from('b'), buildEncryptionContext('dev', { tenant: 'b' }));

    expect(generateDataKeyCalls()).toBe(2);
  });

  it('calls KMS for every message when caching is off', async () => {
    const materials = new MaterialsManagers(new KMSClient({ region: 'us-east-1' }));

    for (let index = 0; index < 3; index += 1) await encryptWith(materials, { ...SETTINGS, enabled: false });

    expect(generateDataKeyCalls()).toBe(3);
  });

  it('lets a follower retry on its own when the first miss fails', async () => {
    const materials = new MaterialsManagers(new KMSClient({ region: 'us-east-1' }));
    kms.kmsMock
      .on(GenerateDataKeyCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }))
      .callsFake(kms.generateDataKey);

    const results = await Promise.allSettled([encryptWith(materials, SETTINGS), encryptWith(materials, SETTINGS)]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
  });
});

describe('the Encryption SDK caching manager alone', () => {
  it('makes a call per parallel first request, which the single-flight gate prevents', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: KEY_ALIAS, clientProvider: () => new KMS({ region: 'us-east-1' }) });
    const manager = new NodeCachingMaterialsManager({ backingMaterials: keyring, cache: getLocalCryptographicMaterialsCache(10), maxAge: 300_000 });
    const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

    await Promise.all(Array.from({ length: 16 }, () => encrypt(manager, Buffer.from('x'), { encryptionContext: CONTEXT, suiteId: COMMITTING_SUITE_ID })));

    expect(generateDataKeyCalls()).toBe(16);
  });
});
