/**
 * One scenario per service, run with the AWS SDK against the local cloud and against moto
 * server, normalised (ids, ARNs' account, dates, secrets, ciphertexts) and compared step by step.
 *
 * Where moto departs from AWS's documentation, the step or field is left out of the comparison
 * and the local cloud's result is checked against the documentation instead. Departures seen
 * with moto 5.2:
 *
 * KMS
 * - DescribeKey/CreateKey `KeyMetadata` lacks `KeyUsage` (documented: ENCRYPT_DECRYPT for
 *   symmetric keys), `MultiRegion` and `CurrentKeyMaterialId`, and carries an empty
 *   `SigningAlgorithms`, which AWS returns only for signing keys.
 * - Encrypt and Decrypt responses lack `EncryptionAlgorithm`, and Decrypt lacks `KeyMaterialId`
 *   (documented output members).
 * - ListAliases entries lack `CreationDate` and `LastUpdatedDate` (documented members).
 * - Encrypt with a disabled key succeeds; AWS documents DisabledException.
 * - Encrypt with a key pending deletion succeeds; AWS documents KMSInvalidStateException.
 * - ScheduleKeyDeletion returns the bare key id instead of the key ARN and lacks `KeyState` and
 *   `PendingWindowInDays` (documented output members).
 * STS
 * - GetCallerIdentity reports a fixed IAM user (`user/moto`, `AKIA…` user id) for every key.
 *   The local cloud has no IAM users, so it reports the account root for ordinary keys.
 * - AssumeRole succeeds for a role that does not exist, where STS denies it (AccessDenied).
 *
 * Differences that the documentation leaves open are left out of the comparison too:
 * - CreateRole: moto adds an empty `RoleLastUsed`, which the local IAM returns from GetRole only.
 * - AssumeRole without session policies or tags: moto adds `PackedPolicySize`, which measures
 *   those, and the local STS leaves it out.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  KMSClient,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud, TEST_CREDENTIALS, TEST_REGION } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { motoAvailable, startMoto } from '../support/moto.js';
import type { MotoServer } from '../support/moto.js';

/** One step's result: a normalised output, or the error's code. */
type StepResult = { output: unknown } | { error: string };

interface Endpoints {
  kms: KMSClient;
  iam: IAMClient;
  sts: STSClient;
  account: string;
}

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const DECRYPT_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] });
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Replaces what differs between any two runs: ids, accounts, dates, secrets and ciphertexts. */
function normalise(value: unknown, account: string): unknown {
  if (value instanceof Date) return '<date>';
  if (value instanceof Uint8Array) return `<bytes ${Buffer.from(value).toString('utf8')}>`;
  if (Array.isArray(value)) return value.map((item) => normalise(item, account));
  if (typeof value === 'string') {
    return value
      .replaceAll(account, '<account>')
      .replace(UUID, '<uuid>')
      .replace(/\bAROA[A-Z0-9]{17}\b/g, '<role-id>')
      .replace(/\bASIA[A-Z0-9]{16}\b/g, '<access-key>');
  }
  if (typeof value !== 'object' || value === null) return value;

  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([key]) => key !== '$metadata')
    .map(([key, item]) => {
      if (key === 'CiphertextBlob') return [key, '<ciphertext>'];
      if (key === 'SecretAccessKey' || key === 'SessionToken') return [key, '<secret>'];
      return [key, normalise(item, account)];
    });
  return Object.fromEntries(entries);
}

async function step(account: string, call: () => Promise<unknown>): Promise<StepResult> {
  try {
    return { output: normalise(await call(), account) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** Deletes fields from a normalised output, at a dotted path, for the documented departures. */
function without(result: StepResult | undefined, ...paths: string[]): StepResult | undefined {
  if (!result || !('output' in result)) return result;
  const copy = structuredClone(result.output) as Record<string, unknown>;
  for (const path of paths) {
    const parts = path.split('.');
    let target: Record<string, unknown> | undefined = copy;
    for (const part of parts.slice(0, -1)) target = target?.[part] as Record<string, unknown> | undefined;
    if (target) delete target[parts.at(-1)!];
  }
  return { output: copy };
}

async function kmsScenario({ kms, account }: Endpoints): Promise<Record<string, StepResult>> {
  const results: Record<string, StepResult> = {};
  const created = await kms.send(new CreateKeyCommand({ Description: 'conformance', Tags: [{ TagKey: 'stage', TagValue: 'dev' }] }));
  const keyId = created.KeyMetadata!.KeyId!;
  results.CreateKey = { output: normalise(created, account) };

  results.CreateAlias = await step(account, () => kms.send(new CreateAliasCommand({ AliasName: 'alias/conformance', TargetKeyId: keyId })));
  results.DescribeKeyByAlias = await step(account, () => kms.send(new DescribeKeyCommand({ KeyId: 'alias/conformance' })));
  results.ListAliases = await step(account, () => kms.send(new ListAliasesCommand({ KeyId: keyId })));

  const context = { stage: 'dev', service: 'keystage' };
  const encrypted = await kms.send(new EncryptCommand({ KeyId: 'alias/conformance', Plaintext: Buffer.from('conformance'), EncryptionContext: context }));
  results.Encrypt = { output: normalise(encrypted, account) };
  results.DecryptReordered = await step(account, () =>
    kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { service: 'keystage', stage: 'dev' } })),
  );
  results.DecryptMissingPair = await step(account, () =>
    kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { stage: 'dev' } })),
  );

  results.DisableKey = await step(account, () => kms.send(new DisableKeyCommand({ KeyId: keyId })));
  results.EncryptDisabled = await step(account, () => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })));
  results.DescribeDisabled = await step(account, () => kms.send(new DescribeKeyCommand({ KeyId: keyId })));

  results.ScheduleKeyDeletion = await step(account, () => kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 })));
  results.DescribePendingDeletion = await step(account, () => kms.send(new DescribeKeyCommand({ KeyId: keyId })));
  results.EncryptPendingDeletion = await step(account, () => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })));
  results.DescribeUnknown = await step(account, () => kms.send(new DescribeKeyCommand({ KeyId: '11111111-2222-3333-4444-555555555555' })));
  return results;
}

async function iamScenario({ iam, account }: Endpoints): Promise<Record<string, StepResult>> {
  const results: Record<string, StepResult> = {};
  const role = { RoleName: 'conformance-role' };
  results.CreateRole = await step(account, () => iam.send(new CreateRoleCommand({ ...role, AssumeRolePolicyDocument: TRUST_POLICY, Description: 'conformance' })));
  results.CreateRoleAgain = await step(account, () => iam.send(new CreateRoleCommand({ ...role, AssumeRolePolicyDocument: TRUST_POLICY })));
  results.GetRole = await step(account, () => iam.send(new GetRoleCommand(role)));
  results.PutRolePolicy = await step(account, () => iam.send(new PutRolePolicyCommand({ ...role, PolicyName: 'decrypt', PolicyDocument: DECRYPT_POLICY })));
  results.GetRolePolicy = await step(account, () => iam.send(new GetRolePolicyCommand({ ...role, PolicyName: 'decrypt' })));
  results.ListRolePolicies = await step(account, () => iam.send(new ListRolePoliciesCommand(role)));
  results.GetMissingRolePolicy = await step(account, () => iam.send(new GetRolePolicyCommand({ ...role, PolicyName: 'absent' })));
  results.DeleteRoleWithPolicy = await step(account, () => iam.send(new DeleteRoleCommand(role)));
  results.DeleteRolePolicy = await step(account, () => iam.send(new DeleteRolePolicyCommand({ ...role, PolicyName: 'decrypt' })));
  results.DeleteRole = await step(account, () => iam.send(new DeleteRoleCommand(role)));
  results.GetDeletedRole = await step(account, () => iam.send(new GetRoleCommand(role)));
  return results;
}

async function stsScenario({ iam, sts, account }: Endpoints): Promise<Record<string, StepResult>> {
  const results: Record<string, StepResult> = {};
  await iam.send(new CreateRoleCommand({ RoleName: 'conformance-assumed', AssumeRolePolicyDocument: TRUST_POLICY }));
  results.GetCallerIdentity = await step(account, () => sts.send(new GetCallerIdentityCommand({})));
  results.AssumeRole = await step(account, () =>
    sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/conformance-assumed`, RoleSessionName: 'conformance' })),
  );
  results.AssumeMissingRole = await step(account, () =>
    sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/conformance-missing`, RoleSessionName: 'conformance' })),
  );
  return results;
}

function clientsFor(endpoint: string, account: string): Endpoints {
  const config = { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  return { kms: new KMSClient(config), iam: new IAMClient(config), sts: new STSClient(config), account };
}

describe.skipIf(!motoAvailable())('KMS, IAM and STS against moto', () => {
  let cloud: TestCloud;
  let moto: MotoServer;
  let local: Endpoints;
  let reference: Endpoints;

  beforeAll(async () => {
    [cloud, moto] = await Promise.all([startTestCloud(), startMoto()]);
    local = clientsFor(cloud.url, cloud.accountId);
    reference = clientsFor(moto.url, '123456789012');
  });

  afterAll(async () => {
    for (const endpoints of [local, reference]) {
      endpoints?.kms.destroy();
      endpoints?.iam.destroy();
      endpoints?.sts.destroy();
    }
    await Promise.all([cloud?.stop(), moto?.stop()]);
  });

  describe('KMS scenario', () => {
    let ours: Record<string, StepResult>;
    let theirs: Record<string, StepResult>;
    const metadataDepartures = ['KeyMetadata.KeyUsage', 'KeyMetadata.SigningAlgorithms', 'KeyMetadata.MultiRegion', 'KeyMetadata.CurrentKeyMaterialId'];

    beforeAll(async () => {
      ours = await kmsScenario(local);
      theirs = await kmsScenario(reference);
    });

    it.each(['CreateKey', 'DescribeKeyByAlias', 'DescribeDisabled'])('%s matches moto', (name) => {
      expect(without(ours[name], ...metadataDepartures)).toEqual(without(theirs[name], ...metadataDepartures));
    });

    it('ListAliases matches moto apart from the alias dates', () => {
      const departures = ['Aliases.0.CreationDate', 'Aliases.0.LastUpdatedDate'];

      expect(without(ours.ListAliases, ...departures)).toEqual(without(theirs.ListAliases, ...departures));
      expect(ours.ListAliases).toMatchObject({ output: { Aliases: [{ CreationDate: '<date>', LastUpdatedDate: '<date>' }] } });
    });

    it.each(['CreateAlias', 'DecryptMissingPair', 'DisableKey', 'DescribeUnknown'])('%s matches moto', (name) => {
      expect(ours[name]).toEqual(theirs[name]);
    });

    it('Encrypt matches moto apart from EncryptionAlgorithm', () => {
      expect(without(ours.Encrypt, 'EncryptionAlgorithm')).toEqual(without(theirs.Encrypt, 'EncryptionAlgorithm'));
      expect(ours.Encrypt).toMatchObject({ output: { EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' } });
    });

    it('Decrypt matches moto apart from EncryptionAlgorithm and KeyMaterialId', () => {
      const departures = ['EncryptionAlgorithm', 'KeyMaterialId'];

      expect(without(ours.DecryptReordered, ...departures)).toEqual(without(theirs.DecryptReordered, ...departures));
      expect(ours.DecryptReordered).toMatchObject({ output: { EncryptionAlgorithm: 'SYMMETRIC_DEFAULT', KeyMaterialId: expect.stringMatching(/^[a-f0-9]{64}$/) } });
    });

    it('DescribePendingDeletion matches moto', () => {
      expect(without(ours.DescribePendingDeletion, ...metadataDepartures)).toEqual(without(theirs.DescribePendingDeletion, ...metadataDepartures));
    });

    it('reports KeyUsage and MultiRegion as documented', () => {
      expect(ours.CreateKey).toMatchObject({ output: { KeyMetadata: { KeyUsage: 'ENCRYPT_DECRYPT', MultiRegion: false } } });
      expect(ours.CreateKey).not.toHaveProperty('output.KeyMetadata.SigningAlgorithms');
    });

    it('rejects a disabled key as documented', () => {
      expect(ours.EncryptDisabled).toEqual({ error: 'DisabledException' });
    });

    it('rejects a key pending deletion as documented', () => {
      expect(ours.EncryptPendingDeletion).toEqual({ error: 'KMSInvalidStateException' });
    });

    it('returns the documented ScheduleKeyDeletion members', () => {
      expect(ours.ScheduleKeyDeletion).toEqual({
        output: { KeyId: 'arn:aws:kms:us-east-1:<account>:key/<uuid>', DeletionDate: '<date>', KeyState: 'PendingDeletion', PendingWindowInDays: 7 },
      });
      expect(theirs.ScheduleKeyDeletion).toMatchObject({ output: { DeletionDate: '<date>' } });
    });
  });

  describe('IAM scenario', () => {
    let ours: Record<string, StepResult>;
    let theirs: Record<string, StepResult>;

    beforeAll(async () => {
      ours = await iamScenario(local);
      theirs = await iamScenario(reference);
    });

    it('CreateRole matches moto apart from RoleLastUsed', () => {
      expect(without(ours.CreateRole, 'Role.RoleLastUsed')).toEqual(without(theirs.CreateRole, 'Role.RoleLastUsed'));
      expect(ours.CreateRole).not.toHaveProperty('output.Role.RoleLastUsed');
    });

    it.each([
      'CreateRoleAgain',
      'GetRole',
      'PutRolePolicy',
      'GetRolePolicy',
      'ListRolePolicies',
      'GetMissingRolePolicy',
      'DeleteRoleWithPolicy',
      'DeleteRolePolicy',
      'DeleteRole',
      'GetDeletedRole',
    ])('%s matches moto', (name) => {
      expect(ours[name]).toEqual(theirs[name]);
    });
  });

  describe('STS scenario', () => {
    let ours: Record<string, StepResult>;
    let theirs: Record<string, StepResult>;

    beforeAll(async () => {
      ours = await stsScenario(local);
      theirs = await stsScenario(reference);
    });

    it('GetCallerIdentity reports the account root as documented', () => {
      expect(ours.GetCallerIdentity).toEqual({ output: { UserId: '<account>', Account: '<account>', Arn: 'arn:aws:iam::<account>:root' } });
      expect(theirs.GetCallerIdentity).toMatchObject({ output: { Account: '<account>' } });
    });

    it('AssumeRole matches moto apart from PackedPolicySize', () => {
      expect(without(ours.AssumeRole, 'PackedPolicySize')).toEqual(without(theirs.AssumeRole, 'PackedPolicySize'));
      expect(ours.AssumeRole).not.toHaveProperty('output.PackedPolicySize');
    });

    it('denies a missing role as documented', () => {
      expect(ours.AssumeMissingRole).toEqual({ error: 'AccessDenied' });
    });
  });
});
