import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ProviderContext } from '../../../src/localcloud/context.js';
import { createIamProvider } from '../../../src/localcloud/iam/provider.js';
import { createLogger } from '../../../src/localcloud/log.js';
import type { LocalRequest } from '../../../src/localcloud/request.js';
import { createStsProvider } from '../../../src/localcloud/sts/provider.js';
import type { StsProvider } from '../../../src/localcloud/sts/provider.js';

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

function queryRequest(service: 'iam' | 'sts', body: string, accessKeyId = 'AKIAKEYSTAGETEST0001'): LocalRequest {
  return {
    method: 'POST',
    rawPath: '/',
    query: new URLSearchParams(),
    headers: {},
    hostname: '127.0.0.1',
    service,
    region: 'us-east-1',
    accessKeyId,
    accountId: '000000000000',
    requestId: 'request-1',
    authorize: () => undefined,
    readBody: async () => Buffer.from(body),
    stream: undefined as never,
  };
}

describe('STS credentials for execution roles', () => {
  let sts: StsProvider;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const context = { db, accountId: '000000000000', logger: createLogger('silent') } as unknown as ProviderContext;
    const iam = createIamProvider(context);
    sts = createStsProvider(context, { roles: iam });

    const body = new URLSearchParams({
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName: 'keystage-encryption',
      Path: '/keystage/',
      AssumeRolePolicyDocument: TRUST_POLICY,
    });
    await iam.handle(queryRequest('iam', body.toString()));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('issues ASIA keys that last 12 hours', () => {
    const credentials = sts.issueRoleCredentials('arn:aws:iam::000000000000:role/keystage/keystage-encryption', 'keystage-encryption');

    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(credentials.expiration.toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });

  it('maps an issued key to its assumed-role principal', () => {
    const roleArn = 'arn:aws:iam::000000000000:role/keystage/keystage-encryption';
    const credentials = sts.issueRoleCredentials(roleArn, 'env-1');

    expect(sts.principalFor(credentials.accessKeyId)).toMatchObject({
      arn: 'arn:aws:sts::000000000000:assumed-role/keystage-encryption/env-1',
      roleArn,
    });
  });

  it('maps any other key to the account root', () => {
    expect(sts.principalFor('AKIAANYTHING')).toEqual({ arn: 'arn:aws:iam::000000000000:root', userId: '000000000000' });
  });

  it('issues credentials for a role IAM does not know', () => {
    const credentials = sts.issueRoleCredentials('arn:aws:iam::000000000000:role/unknown', 'env-2');

    expect(sts.principalFor(credentials.accessKeyId).arn).toBe('arn:aws:sts::000000000000:assumed-role/unknown/env-2');
  });

  it('rejects a role ARN that is malformed', () => {
    expect(() => sts.issueRoleCredentials('keystage-encryption', 'env-3')).toThrow('is not a valid role ARN');
  });

  it('reports ExpiredToken once issued keys expire', async () => {
    const credentials = sts.issueRoleCredentials('arn:aws:iam::000000000000:role/keystage/keystage-encryption', 'env-4');
    vi.setSystemTime(new Date('2026-03-02T00:00:01Z'));

    const response = await sts.handle(queryRequest('sts', 'Action=GetCallerIdentity&Version=2011-06-15', credentials.accessKeyId));

    expect(String(response.body)).toContain('<Code>ExpiredToken</Code>');
  });
});
