import { CommitmentPolicy, KmsKeyringNode, buildClient } from '@aws-crypto/client-node';
import { CreateAliasCommand, CreateKeyCommand, KMS, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

describe('AWS Encryption SDK against the local KMS', () => {
  let cloud: TestCloud;
  let keyArn: string;
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

  beforeAll(async () => {
    cloud = await startTestCloud();
    const kms = new KMSClient({ ...cloud.clientConfig, maxAttempts: 1 });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'encryption sdk' }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/keystage-esdk', TargetKeyId: KeyMetadata!.KeyId }));
    keyArn = KeyMetadata!.Arn!;
    kms.destroy();
  });

  afterAll(async () => {
    await cloud.stop();
  });

  // The keyring calls methods such as `generateDataKey`, so it needs the aggregated `KMS`
  // client, which extends `KMSClient`.
  function keyring(generatorKeyId: string): KmsKeyringNode {
    return new KmsKeyringNode({
      generatorKeyId,
      clientProvider: (region: string) => new KMS({ ...cloud.clientConfig, region, maxAttempts: 1 }),
    });
  }

  it('encrypts and decrypts a message with the KMS keyring', async () => {
    const context = { stage: 'dev', service: 'keystage' };
    const plaintext = Buffer.alloc(10_000, 'envelope ');

    const { result } = await encrypt(keyring(keyArn), plaintext, { encryptionContext: context });
    const decrypted = await decrypt(keyring(keyArn), result);

    expect(decrypted.plaintext.equals(plaintext)).toBe(true);
    expect(decrypted.messageHeader.encryptionContext).toMatchObject(context);
  });

  it('records the key ARN in the message when encrypting through an alias', async () => {
    const aliasArn = keyArn.replace(/key\/.*$/, 'alias/keystage-esdk');

    const { result } = await encrypt(keyring(aliasArn), Buffer.from('through an alias'));
    const decrypted = await decrypt(keyring(keyArn), result);

    expect(decrypted.messageHeader.encryptedDataKeys[0]?.providerInfo).toBe(keyArn);
    expect(decrypted.plaintext.toString()).toBe('through an alias');
  });
});
