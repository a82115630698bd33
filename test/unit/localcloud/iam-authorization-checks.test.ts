import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';

import type { ProviderContext } from '../../../src/localcloud/context.js';
import { AccessDeniedError } from '../../../src/localcloud/errors.js';
import { createIamProvider } from '../../../src/localcloud/iam/provider.js';
import { createKmsProvider } from '../../../src/localcloud/kms/provider.js';
import { createLogger } from '../../../src/localcloud/log.js';
import type { Authorize, LocalRequest, Provider, ServiceName } from '../../../src/localcloud/request.js';
import { createStsProvider } from '../../../src/localcloud/sts/provider.js';

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

type Check = [action: string, resources: string | string[], conditions?: Record<string, string | string[]>];

function request(service: ServiceName, body: string, authorize: Authorize, headers: Record<string, string> = {}): LocalRequest {
  return {
    method: 'POST',
    rawPath: '/',
    query: new URLSearchParams(),
    headers,
    hostname: '127.0.0.1',
    service,
    region: 'us-east-1',
    accessKeyId: 'AKIAKEYSTAGETEST0001',
    accountId: '000000000000',
    requestId: 'request-1',
    authorize,
    readBody: async () => Buffer.from(body),
    stream: undefined as never,
  };
}

describe('authorization checks of the providers', () => {
  let kms: Provider;
  let iam: Provider;
  let sts: Provider;
  let checks: Check[];
  const recordChecks: Authorize = (...check) => {
    checks.push(check);
  };
  const denyAll = (code: string): Authorize => (action, resources) => {
    throw new AccessDeniedError('arn:aws:iam::000000000000:root', action, String(resources), code);
  };

  beforeEach(() => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const context = { db, accountId: '000000000000', logger: createLogger('silent') } as unknown as ProviderContext;
    const iamProvider = createIamProvider(context);
    iam = iamProvider;
    sts = createStsProvider(context, { roles: iamProvider });
    kms = createKmsProvider(context);
    checks = [];
  });

  async function kmsCall(operation: string, input: object, authorize: Authorize) {
    const response = await kms.handle(request('kms', JSON.stringify(input), authorize, { 'x-amz-target': `TrentService.${operation}` }));
    return { status: response.status, body: JSON.parse(String(response.body)) as Record<string, unknown> };
  }

  async function queryCall(provider: Provider, params: Record<string, string>, authorize: Authorize) {
    const version = provider.service === 'iam' ? '2010-05-08' : '2011-06-15';
    const body = new URLSearchParams({ Version: version, ...params }).toString();
    const response = await provider.handle(request(provider.service, body, authorize));
    return { status: response.status, body: String(response.body) };
  }

  it('checks kms:Encrypt on the key ARN with the context as conditions', async () => {
    const created = await kmsCall('CreateKey', {}, recordChecks);
    const arn = (created.body.KeyMetadata as { Arn: string }).Arn;

    await kmsCall('Encrypt', { KeyId: arn, Plaintext: 'aGk=', EncryptionContext: { stage: 'dev' } }, recordChecks);

    expect(checks).toEqual([
      ['kms:CreateKey', '*'],
      ['kms:Encrypt', arn, { 'kms:ResourceAliases': [], 'kms:EncryptionContextKeys': ['stage'], 'kms:EncryptionContext:stage': 'dev' }],
    ]);
  });

  it('checks kms:Decrypt on the key named by the ciphertext', async () => {
    const created = await kmsCall('CreateKey', {}, recordChecks);
    const arn = (created.body.KeyMetadata as { Arn: string }).Arn;
    const encrypted = await kmsCall('Encrypt', { KeyId: arn, Plaintext: 'aGk=' }, recordChecks);
    checks = [];

    await kmsCall('Decrypt', { CiphertextBlob: encrypted.body.CiphertextBlob }, recordChecks);

    expect(checks).toEqual([['kms:Decrypt', arn, { 'kms:ResourceAliases': [], 'kms:EncryptionContextKeys': [] }]]);
  });

  it('returns a denied KMS call as AccessDeniedException', async () => {
    const response = await kmsCall('CreateKey', {}, denyAll('AccessDeniedException'));

    expect(response.status).toBe(403);
    expect(response.body.__type).toBe('AccessDeniedException');
  });

  it('checks iam:GetRole on the role ARN with its path', async () => {
    await queryCall(iam, { Action: 'CreateRole', RoleName: 'app', Path: '/keystage/', AssumeRolePolicyDocument: TRUST_POLICY }, recordChecks);

    await queryCall(iam, { Action: 'GetRole', RoleName: 'app' }, recordChecks);

    expect(checks).toEqual([
      ['iam:CreateRole', 'arn:aws:iam::000000000000:role/keystage/app'],
      ['iam:GetRole', 'arn:aws:iam::000000000000:role/keystage/app'],
    ]);
  });

  it('denies before revealing that a role is missing', async () => {
    const response = await queryCall(iam, { Action: 'GetRole', RoleName: 'absent' }, denyAll('AccessDenied'));

    expect(response.status).toBe(403);
    expect(response.body).toContain('<Code>AccessDenied</Code>');
  });

  it('checks sts:AssumeRole on the role ARN', async () => {
    await queryCall(iam, { Action: 'CreateRole', RoleName: 'app', AssumeRolePolicyDocument: TRUST_POLICY }, recordChecks);
    checks = [];

    await queryCall(sts, { Action: 'AssumeRole', RoleArn: 'arn:aws:iam::000000000000:role/app', RoleSessionName: 's1' }, recordChecks);

    expect(checks).toEqual([['sts:AssumeRole', 'arn:aws:iam::000000000000:role/app']]);
  });
});
