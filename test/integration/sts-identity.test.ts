import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }],
});
const ROLE_ARN = 'arn:aws:iam::000000000000:role/keystage-deployer';

async function errorOf(promise: Promise<unknown>): Promise<STSServiceException> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as STSServiceException,
  );
}

describe('STS identities', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-sts-'));
  let cloud: TestCloud;
  let sts: STSClient;

  beforeAll(async () => {
    cloud = await startTestCloud({ dataDir });
    sts = new STSClient({ ...cloud.clientConfig, maxAttempts: 1 });
    const iam = new IAMClient({ ...cloud.clientConfig, maxAttempts: 1 });
    await iam.send(new CreateRoleCommand({ RoleName: 'keystage-deployer', AssumeRolePolicyDocument: TRUST_POLICY, MaxSessionDuration: 7200 }));
    iam.destroy();
  });

  afterAll(async () => {
    sts.destroy();
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function clientWith(credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }, url = cloud.url): STSClient {
    return new STSClient({
      ...cloud.clientConfig,
      endpoint: url,
      maxAttempts: 1,
      credentials: { accessKeyId: credentials.AccessKeyId!, secretAccessKey: credentials.SecretAccessKey!, sessionToken: credentials.SessionToken },
    });
  }

  it('reports the account root for ordinary keys', async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity).toMatchObject({ Account: '000000000000', UserId: '000000000000', Arn: 'arn:aws:iam::000000000000:root' });
  });

  it('assumes an existing role', async () => {
    const before = Date.now();
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'deploy-1' }));

    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(assumed.Credentials?.SessionToken).toBeTruthy();
    expect(assumed.Credentials!.Expiration!.getTime()).toBeGreaterThanOrEqual(before + 3600_000 - 2000);
    expect(assumed.AssumedRoleUser?.Arn).toBe('arn:aws:sts::000000000000:assumed-role/keystage-deployer/deploy-1');
    expect(assumed.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:deploy-1$/);
  });

  it('reports the assumed role for issued keys', async () => {
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'deploy-2' }));
    const asRole = clientWith(assumed.Credentials!);

    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    asRole.destroy();

    expect(identity.Arn).toBe('arn:aws:sts::000000000000:assumed-role/keystage-deployer/deploy-2');
    expect(identity.UserId).toBe(assumed.AssumedRoleUser?.AssumedRoleId);
  });

  it('limits a chained role session to one hour', async () => {
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'outer' }));
    const asRole = clientWith(assumed.Credentials!);

    const chained = await asRole.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'inner', DurationSeconds: 3600 }));
    const error = await errorOf(asRole.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'inner', DurationSeconds: 3601 })));
    asRole.destroy();

    expect(chained.AssumedRoleUser?.Arn).toBe('arn:aws:sts::000000000000:assumed-role/keystage-deployer/inner');
    expect(error.name).toBe('ValidationError');
  });

  it('names the assumed-role caller when denying a missing role', async () => {
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'caller' }));
    const asRole = clientWith(assumed.Credentials!);

    const error = await errorOf(asRole.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/missing', RoleSessionName: 'x1' })));
    asRole.destroy();

    expect(error.message).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/keystage-deployer/caller is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/missing',
    );
  });

  it('grants up to the role maximum session duration', async () => {
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'long', DurationSeconds: 7200 }));

    expect(assumed.Credentials!.Expiration!.getTime()).toBeGreaterThan(Date.now() + 7000_000);
  });

  it('rejects a duration above the role maximum', async () => {
    const error = await errorOf(sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'long', DurationSeconds: 7201 })));

    expect(error.name).toBe('ValidationError');
  });

  it('rejects a duration under 900 seconds', async () => {
    const error = await errorOf(sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'short', DurationSeconds: 899 })));

    expect(error.name).toBe('ValidationError');
  });

  it('rejects an invalid session name', async () => {
    const error = await errorOf(sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'has space' })));

    expect(error.name).toBe('ValidationError');
  });

  it('denies a role that does not exist', async () => {
    const error = await errorOf(
      sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/missing', RoleSessionName: 'x1' })),
    );

    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it('reports the packed size of a session policy', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] });

    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'scoped', Policy: policy }));

    expect(assumed.PackedPolicySize).toBeGreaterThan(0);
    expect(assumed.PackedPolicySize).toBeLessThanOrEqual(100);
  });

  it('rejects a session policy over 2048 characters', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'x'.repeat(2100) }] });

    const error = await errorOf(sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'huge', Policy: policy })));

    expect(error.name).toBe('ValidationError');
  });

  it('rejects a malformed session policy', async () => {
    const error = await errorOf(sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'p1', Policy: '{oops' })));

    expect(error.name).toBe('MalformedPolicyDocumentException');
  });

  it('keeps issued keys across a restart', async () => {
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'restart' }));
    await cloud.close();
    cloud = await startTestCloud({ dataDir });

    const asRole = clientWith(assumed.Credentials!, cloud.url);
    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    asRole.destroy();

    expect(identity.Arn).toBe('arn:aws:sts::000000000000:assumed-role/keystage-deployer/restart');
  });
});
