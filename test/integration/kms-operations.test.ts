import {
  AlreadyExistsException,
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  DisabledException,
  DryRunOperationException,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  IncorrectKeyException,
  InvalidAliasNameException,
  InvalidCiphertextException,
  InvalidMarkerException,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  ListAliasesCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  MalformedPolicyDocumentException,
  NotFoundException,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

let cloud: TestCloud;
let kms: KMSClient;
let aliasCounter = 0;

beforeAll(async () => {
  cloud = await startTestCloud();
  kms = new KMSClient({ ...cloud.clientConfig, maxAttempts: 1 });
});

afterAll(async () => {
  kms.destroy();
  await cloud.stop();
});

async function createKey(overrides: { Description?: string } = {}) {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'integration test key', ...overrides }));
  return KeyMetadata!;
}

async function createAliasFor(keyId: string): Promise<string> {
  aliasCounter += 1;
  const aliasName = `alias/test-${aliasCounter}-${Date.now()}`;
  await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
  return aliasName;
}

async function encrypt(keyId: string, text: string, context?: Record<string, string>) {
  return kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(text), EncryptionContext: context }));
}

function decoded(bytes: Uint8Array | undefined): string {
  return Buffer.from(bytes ?? []).toString('utf8');
}

describe('CreateKey and DescribeKey', () => {
  it('creates a symmetric encryption key with full metadata', async () => {
    const metadata = await createKey({ Description: 'full metadata' });

    expect(metadata).toMatchObject({
      AWSAccountId: '000000000000',
      Arn: `arn:aws:kms:us-east-1:000000000000:key/${metadata.KeyId}`,
      Enabled: true,
      Description: 'full metadata',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    });
    expect(metadata.CreationDate).toBeInstanceOf(Date);
  });

  it('describes a key by all four reference forms', async () => {
    const key = await createKey();
    const aliasName = await createAliasFor(key.KeyId!);
    const references = [key.KeyId!, key.Arn!, aliasName, `arn:aws:kms:us-east-1:000000000000:${aliasName}`];

    for (const reference of references) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: reference }));
      expect(KeyMetadata?.KeyId, reference).toBe(key.KeyId);
    }
  });

  it('rejects an unknown key with AWS wording', async () => {
    const missing = '11111111-2222-3333-4444-555555555555';

    await expect(kms.send(new DescribeKeyCommand({ KeyId: missing }))).rejects.toThrow(
      `Key 'arn:aws:kms:us-east-1:000000000000:key/${missing}' does not exist`,
    );
  });

  it('rejects an unknown key as NotFoundException', async () => {
    await expect(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nothing-here' }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('rejects a sign-and-verify usage for a symmetric key', async () => {
    const error = await kms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY' })).catch((caught: unknown) => caught);

    expect((error as KMSServiceException).name).toBe('ValidationException');
  });

  it('rejects an unknown KeySpec', async () => {
    const error = await kms.send(new CreateKeyCommand({ KeySpec: 'AES_999' as never })).catch((caught: unknown) => caught);

    expect((error as KMSServiceException).message).toContain("Value 'AES_999' at 'keySpec' failed to satisfy constraint");
  });

  it('rejects an asymmetric key as unsupported', async () => {
    const error = await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })).catch((caught: unknown) => caught);

    expect((error as KMSServiceException).name).toBe('UnsupportedOperationException');
  });

  it('keeps tags given at creation', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'stage', TagValue: 'dev' }] }));
    const { Tags } = await kms.send(new ListResourceTagsCommand({ KeyId: KeyMetadata!.KeyId }));

    expect(Tags).toEqual([{ TagKey: 'stage', TagValue: 'dev' }]);
  });
});

describe('ListKeys', () => {
  it('pages through keys with Limit and Marker', async () => {
    await createKey();
    await createKey();

    const first = await kms.send(new ListKeysCommand({ Limit: 1 }));
    const second = await kms.send(new ListKeysCommand({ Limit: 1, Marker: first.NextMarker }));

    expect(first.Truncated).toBe(true);
    expect(second.Keys?.[0]?.KeyId).not.toBe(first.Keys?.[0]?.KeyId);
    expect(first.Keys?.[0]?.KeyArn).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\//);
  });

  it('rejects a marker it did not issue', async () => {
    await expect(kms.send(new ListKeysCommand({ Marker: 'bogus!' }))).rejects.toBeInstanceOf(InvalidMarkerException);
  });

  it('scopes keys to the request region', async () => {
    const key = await createKey();
    const other = new KMSClient({ ...cloud.clientConfig, region: 'eu-west-1', maxAttempts: 1 });

    const { Keys } = await other.send(new ListKeysCommand({}));
    const described = other.send(new DescribeKeyCommand({ KeyId: key.KeyId }));

    expect(Keys?.map((entry) => entry.KeyId)).not.toContain(key.KeyId);
    await expect(described).rejects.toBeInstanceOf(NotFoundException);
    other.destroy();
  });
});

describe('aliases', () => {
  it('lists an alias with its target key', async () => {
    const key = await createKey();
    const aliasName = await createAliasFor(key.KeyId!);

    const { Aliases } = await kms.send(new ListAliasesCommand({ KeyId: key.KeyId }));

    expect(Aliases).toEqual([
      expect.objectContaining({
        AliasName: aliasName,
        AliasArn: `arn:aws:kms:us-east-1:000000000000:${aliasName}`,
        TargetKeyId: key.KeyId,
      }),
    ]);
  });

  it('rejects a second alias of the same name', async () => {
    const key = await createKey();
    const aliasName = await createAliasFor(key.KeyId!);

    await expect(kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: key.KeyId }))).rejects.toBeInstanceOf(
      AlreadyExistsException,
    );
  });

  it.each([
    ['the reserved alias/aws/ prefix', 'alias/aws/mine'],
    ['a name without the alias/ prefix', 'mine'],
  ])('rejects %s', async (_case, aliasName) => {
    const key = await createKey();

    await expect(kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: key.KeyId }))).rejects.toBeInstanceOf(
      InvalidAliasNameException,
    );
  });

  it('rejects an alias name with a space', async () => {
    const key = await createKey();
    const error = await kms.send(new CreateAliasCommand({ AliasName: 'alias/has space', TargetKeyId: key.KeyId })).catch((e: unknown) => e);

    expect((error as KMSServiceException).name).toBe('ValidationException');
  });

  it('rejects an alias as the target of an alias', async () => {
    const key = await createKey();
    const aliasName = await createAliasFor(key.KeyId!);

    await expect(kms.send(new CreateAliasCommand({ AliasName: `${aliasName}-2`, TargetKeyId: aliasName }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it('moves an alias to another key', async () => {
    const first = await createKey();
    const second = await createKey();
    const aliasName = await createAliasFor(first.KeyId!);

    await kms.send(new UpdateAliasCommand({ AliasName: aliasName, TargetKeyId: second.Arn }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: aliasName }));

    expect(KeyMetadata?.KeyId).toBe(second.KeyId);
  });

  it('rejects updating an alias that does not exist', async () => {
    const key = await createKey();

    await expect(kms.send(new UpdateAliasCommand({ AliasName: 'alias/never-made', TargetKeyId: key.KeyId }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it('deletes an alias and leaves its key', async () => {
    const key = await createKey();
    const aliasName = await createAliasFor(key.KeyId!);

    await kms.send(new DeleteAliasCommand({ AliasName: aliasName }));

    await expect(kms.send(new DescribeKeyCommand({ KeyId: aliasName }))).rejects.toBeInstanceOf(NotFoundException);
    await expect(kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).resolves.toBeDefined();
  });

  it('rejects deleting an alias that does not exist', async () => {
    await expect(kms.send(new DeleteAliasCommand({ AliasName: 'alias/never-made' }))).rejects.toThrow(
      'Alias arn:aws:kms:us-east-1:000000000000:alias/never-made is not found.',
    );
  });
});

describe('Encrypt and Decrypt', () => {
  it('round-trips with an encryption context in any order', async () => {
    const key = await createKey();
    const encrypted = await encrypt(key.KeyId!, 'secret', { stage: 'dev', service: 'keystage' });

    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { service: 'keystage', stage: 'dev' } }),
    );

    expect(decoded(decrypted.Plaintext)).toBe('secret');
    expect(decrypted.KeyId).toBe(key.Arn);
    expect(decrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
  });

  it('returns the key ARN and algorithm from Encrypt', async () => {
    const key = await createKey();
    const aliasName = await createAliasFor(key.KeyId!);

    const encrypted = await encrypt(aliasName, 'secret');

    expect(encrypted.KeyId).toBe(key.Arn);
    expect(encrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
  });

  it('decrypts with a KeyId in each of the four forms', async () => {
    const key = await createKey();
    const aliasName = await createAliasFor(key.KeyId!);
    const { CiphertextBlob } = await encrypt(key.KeyId!, 'four forms');
    const references = [key.KeyId!, key.Arn!, aliasName, `arn:aws:kms:us-east-1:000000000000:${aliasName}`];

    for (const reference of references) {
      const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob, KeyId: reference }));
      expect(decoded(decrypted.Plaintext), reference).toBe('four forms');
    }
  });

  it('rejects a KeyId that did not encrypt the ciphertext', async () => {
    const key = await createKey();
    const other = await createKey();
    const { CiphertextBlob } = await encrypt(key.KeyId!, 'secret');

    await expect(kms.send(new DecryptCommand({ CiphertextBlob, KeyId: other.KeyId }))).rejects.toBeInstanceOf(IncorrectKeyException);
  });

  it('rejects a missing context pair', async () => {
    const key = await createKey();
    const { CiphertextBlob } = await encrypt(key.KeyId!, 'secret', { stage: 'dev', service: 'keystage' });

    await expect(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { stage: 'dev' } }))).rejects.toBeInstanceOf(
      InvalidCiphertextException,
    );
  });

  it('rejects a tampered ciphertext', async () => {
    const key = await createKey();
    const { CiphertextBlob } = await encrypt(key.KeyId!, 'secret');
    const tampered = Buffer.from(CiphertextBlob!);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0xff;

    await expect(kms.send(new DecryptCommand({ CiphertextBlob: tampered }))).rejects.toBeInstanceOf(InvalidCiphertextException);
  });

  it('rejects more than 4096 bytes of plaintext with AWS wording', async () => {
    const key = await createKey();
    const error = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.alloc(4097) })).catch((e: unknown) => e);

    expect((error as KMSServiceException).name).toBe('ValidationException');
    expect((error as KMSServiceException).message).toBe(
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
  });

  it('checks but does not run a DryRun Encrypt', async () => {
    const key = await createKey();

    const error = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x'), DryRun: true })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DryRunOperationException);
    expect((error as KMSServiceException).$metadata.httpStatusCode).toBe(412);
  });

  it('reports the key state before DryRun', async () => {
    const key = await createKey();
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));

    await expect(
      kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x'), DryRun: true })),
    ).rejects.toBeInstanceOf(DisabledException);
  });

  it('accepts exactly 4096 bytes of plaintext', async () => {
    const key = await createKey();

    await expect(kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.alloc(4096, 7) }))).resolves.toBeDefined();
  });
});

describe('data keys and ReEncrypt', () => {
  it('generates an AES_256 data key that Decrypt returns', async () => {
    const key = await createKey();
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { a: '1' } }));

    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { a: '1' } }));

    expect(dataKey.Plaintext).toHaveLength(32);
    expect(dataKey.KeyId).toBe(key.Arn);
    expect(Buffer.from(decrypted.Plaintext!).equals(Buffer.from(dataKey.Plaintext!))).toBe(true);
  });

  it('rejects a Nitro Enclaves recipient', async () => {
    const key = await createKey();
    const recipient = { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' as const, AttestationDocument: Buffer.from('attestation') };

    const error = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256', Recipient: recipient })).catch((e: unknown) => e);

    expect((error as KMSServiceException).name).toBe('ValidationException');
  });

  it('generates NumberOfBytes of data key', async () => {
    const key = await createKey();

    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, NumberOfBytes: 64 }));

    expect(dataKey.Plaintext).toHaveLength(64);
  });

  it.each([
    ['both KeySpec and NumberOfBytes', { KeySpec: 'AES_128' as const, NumberOfBytes: 16 }],
    ['neither KeySpec nor NumberOfBytes', {}],
    ['NumberOfBytes above 1024', { NumberOfBytes: 1025 }],
  ])('rejects %s', async (_case, spec) => {
    const key = await createKey();
    const error = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, ...spec })).catch((e: unknown) => e);

    expect((error as KMSServiceException).name).toBe('ValidationException');
  });

  it('generates a data key without plaintext', async () => {
    const key = await createKey();
    const dataKey = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key.KeyId, KeySpec: 'AES_128' }));

    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));

    expect(dataKey).not.toHaveProperty('Plaintext');
    expect(decrypted.Plaintext).toHaveLength(16);
  });

  it('re-encrypts under another key and context', async () => {
    const source = await createKey();
    const destination = await createKey();
    const { CiphertextBlob } = await encrypt(source.KeyId!, 'moving', { from: 'a' });

    const reEncrypted = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob,
        SourceEncryptionContext: { from: 'a' },
        DestinationKeyId: destination.KeyId,
        DestinationEncryptionContext: { to: 'b' },
      }),
    );
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: reEncrypted.CiphertextBlob, EncryptionContext: { to: 'b' } }));

    expect(reEncrypted.SourceKeyId).toBe(source.Arn);
    expect(reEncrypted.KeyId).toBe(destination.Arn);
    expect(decrypted.KeyId).toBe(destination.Arn);
    expect(decoded(decrypted.Plaintext)).toBe('moving');
  });

  it('rejects ReEncrypt with the wrong source key', async () => {
    const source = await createKey();
    const other = await createKey();
    const { CiphertextBlob } = await encrypt(source.KeyId!, 'moving');

    await expect(
      kms.send(new ReEncryptCommand({ CiphertextBlob, SourceKeyId: other.KeyId, DestinationKeyId: other.KeyId })),
    ).rejects.toBeInstanceOf(IncorrectKeyException);
  });
});

describe('key states', () => {
  it('rejects Encrypt with a disabled key', async () => {
    const key = await createKey();
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));

    await expect(encrypt(key.KeyId!, 'secret')).rejects.toBeInstanceOf(DisabledException);
  });

  it('rejects Decrypt with a disabled key', async () => {
    const key = await createKey();
    const { CiphertextBlob } = await encrypt(key.KeyId!, 'secret');
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));

    await expect(kms.send(new DecryptCommand({ CiphertextBlob }))).rejects.toBeInstanceOf(DisabledException);
  });

  it('reports a disabled key in its metadata and works again once enabled', async () => {
    const key = await createKey();
    await kms.send(new DisableKeyCommand({ KeyId: key.Arn }));
    const disabled = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));

    await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));

    expect(disabled.KeyMetadata).toMatchObject({ Enabled: false, KeyState: 'Disabled' });
    await expect(encrypt(key.KeyId!, 'secret')).resolves.toBeDefined();
  });

  it('rejects DisableKey given an alias', async () => {
    const key = await createKey();
    const aliasName = await createAliasFor(key.KeyId!);

    await expect(kms.send(new DisableKeyCommand({ KeyId: aliasName }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('schedules deletion with the default 30-day window', async () => {
    const key = await createKey();
    const before = Date.now();

    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));

    expect(scheduled).toMatchObject({ KeyId: key.Arn, KeyState: 'PendingDeletion', PendingWindowInDays: 30 });
    expect(scheduled.DeletionDate!.getTime()).toBeGreaterThanOrEqual(before + 30 * 86_400_000 - 1000);
    expect(KeyMetadata).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false });
    expect(KeyMetadata).not.toHaveProperty('PendingDeletionWindowInDays');
    expect(KeyMetadata?.DeletionDate).toEqual(scheduled.DeletionDate);
  });

  it.each([6, 31])('rejects a pending window of %i days', async (days) => {
    const key = await createKey();
    const error = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: days })).catch((e: unknown) => e);

    expect((error as KMSServiceException).name).toBe('ValidationException');
  });

  it('rejects using a key pending deletion', async () => {
    const key = await createKey();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));

    await expect(encrypt(key.KeyId!, 'secret')).rejects.toBeInstanceOf(KMSInvalidStateException);
    await expect(kms.send(new EnableKeyCommand({ KeyId: key.KeyId }))).rejects.toBeInstanceOf(KMSInvalidStateException);
  });

  it('cancels deletion and leaves the key disabled', async () => {
    const key = await createKey();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));

    const cancelled = await kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));

    expect(cancelled.KeyId).toBe(key.Arn);
    expect(KeyMetadata?.KeyState).toBe('Disabled');
    expect(KeyMetadata).not.toHaveProperty('DeletionDate');
  });

  it('rejects cancelling deletion of a key not pending deletion', async () => {
    const key = await createKey();

    await expect(kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }))).rejects.toBeInstanceOf(KMSInvalidStateException);
  });
});

describe('rotation', () => {
  it('enables and disables automatic rotation', async () => {
    const key = await createKey();

    await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 180 }));
    const enabled = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }));
    await kms.send(new DisableKeyRotationCommand({ KeyId: key.KeyId }));
    const disabled = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }));

    expect(enabled).toMatchObject({ KeyRotationEnabled: true, KeyId: key.Arn, RotationPeriodInDays: 180 });
    expect(enabled.NextRotationDate).toBeInstanceOf(Date);
    expect(disabled.KeyRotationEnabled).toBe(false);
  });

  it('rejects a rotation period under 90 days', async () => {
    const key = await createKey();
    const error = await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 30 })).catch((e: unknown) => e);

    expect((error as KMSServiceException).name).toBe('ValidationException');
  });

  it('rejects enabling rotation of a disabled key', async () => {
    const key = await createKey();
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));

    await expect(kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId }))).rejects.toBeInstanceOf(DisabledException);
  });

  it('lists on-demand rotations page by page', async () => {
    const key = await createKey();
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));

    const first = await kms.send(new ListKeyRotationsCommand({ KeyId: key.KeyId, Limit: 1 }));
    const second = await kms.send(new ListKeyRotationsCommand({ KeyId: key.Arn, Limit: 1, Marker: first.NextMarker }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));

    expect(first.Truncated).toBe(true);
    expect(first.Rotations?.[0]).toMatchObject({ KeyId: key.Arn, RotationType: 'ON_DEMAND' });
    expect(first.Rotations?.[0]?.RotationDate).toBeInstanceOf(Date);
    expect(second.Truncated).toBe(false);
    expect(second.Rotations?.[0]?.KeyMaterialId).toBe(KeyMetadata?.CurrentKeyMaterialId);
  });

  it('lists no rotations for a new key', async () => {
    const key = await createKey();

    const { Rotations } = await kms.send(new ListKeyRotationsCommand({ KeyId: key.KeyId }));

    expect(Rotations).toEqual([]);
  });

  it('rotates on demand and keeps old ciphertexts decrypting', async () => {
    const key = await createKey();
    const before = await encrypt(key.KeyId!, 'before rotation');

    const rotated = await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
    const after = await encrypt(key.KeyId!, 'after rotation');
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    const oldDecrypted = await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
    const newDecrypted = await kms.send(new DecryptCommand({ CiphertextBlob: after.CiphertextBlob }));

    expect(rotated.KeyId).toBe(key.Arn);
    expect(KeyMetadata?.CurrentKeyMaterialId).not.toBe(key.CurrentKeyMaterialId);
    expect(decoded(oldDecrypted.Plaintext)).toBe('before rotation');
    expect(decoded(newDecrypted.Plaintext)).toBe('after rotation');
    expect(oldDecrypted.KeyMaterialId).not.toBe(newDecrypted.KeyMaterialId);
  });
});

describe('key policies', () => {
  it('gives a new key the default policy', async () => {
    const key = await createKey();

    const { Policy, PolicyName } = await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }));

    expect(PolicyName).toBe('default');
    expect(JSON.parse(Policy!)).toMatchObject({ Statement: [{ Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*' }] });
  });

  it('replaces the policy and lists its one name', async () => {
    const key = await createKey();
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] });

    await kms.send(new PutKeyPolicyCommand({ KeyId: key.Arn, Policy: policy }));
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default' }));
    const { PolicyNames } = await kms.send(new ListKeyPoliciesCommand({ KeyId: key.KeyId }));

    expect(Policy).toBe(policy);
    expect(PolicyNames).toEqual(['default']);
  });

  it('rejects a policy that is not JSON', async () => {
    const key = await createKey();

    await expect(kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: '{"Statement": [' }))).rejects.toBeInstanceOf(
      MalformedPolicyDocumentException,
    );
  });

  it('rejects a policy name other than default', async () => {
    const key = await createKey();

    await expect(kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'custom' }))).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('tags', () => {
  it('adds, replaces and removes tags', async () => {
    const key = await createKey();

    await kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'team', TagValue: 'a' }, { TagKey: 'stage', TagValue: 'dev' }] }));
    await kms.send(new TagResourceCommand({ KeyId: key.Arn, Tags: [{ TagKey: 'team', TagValue: 'b' }] }));
    await kms.send(new UntagResourceCommand({ KeyId: key.KeyId, TagKeys: ['stage', 'absent'] }));
    const { Tags, Truncated } = await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }));

    expect(Tags).toEqual([{ TagKey: 'team', TagValue: 'b' }]);
    expect(Truncated).toBe(false);
  });

  it('rejects a tag key with the aws: prefix', async () => {
    const key = await createKey();

    await expect(
      kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'aws:owner', TagValue: 'x' }] })),
    ).rejects.toBeInstanceOf(TagException);
  });

  it('rejects tagging through an alias', async () => {
    const key = await createKey();
    const aliasName = await createAliasFor(key.KeyId!);

    await expect(
      kms.send(new TagResourceCommand({ KeyId: aliasName, Tags: [{ TagKey: 'a', TagValue: 'b' }] })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});
