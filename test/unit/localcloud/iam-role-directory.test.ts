import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';

import type { ProviderContext } from '../../../src/localcloud/context.js';
import type { RoleDirectory } from '../../../src/localcloud/contracts.js';
import { createIamProvider } from '../../../src/localcloud/iam/provider.js';
import { createLogger } from '../../../src/localcloud/log.js';
import type { LocalRequest, Provider } from '../../../src/localcloud/request.js';

const TRUST_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const INLINE_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }] };
const BASIC_EXECUTION = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

function iamRequest(params: Record<string, string>): LocalRequest {
  const body = new URLSearchParams({ Version: '2010-05-08', ...params }).toString();
  return {
    method: 'POST',
    rawPath: '/',
    query: new URLSearchParams(),
    headers: {},
    hostname: '127.0.0.1',
    service: 'iam',
    region: 'us-east-1',
    accessKeyId: 'AKIAKEYSTAGETEST0001',
    accountId: '000000000000',
    requestId: 'request-1',
    authorize: () => undefined,
    readBody: async () => Buffer.from(body),
    stream: undefined as never,
  };
}

describe('IAM role directory', () => {
  let iam: Provider & RoleDirectory;

  beforeAll(async () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    iam = createIamProvider({ db, accountId: '000000000000', logger: createLogger('silent') } as unknown as ProviderContext);

    const requests: Record<string, string>[] = [
      { Action: 'CreateRole', RoleName: 'keystage-decryption', Path: '/keystage/', AssumeRolePolicyDocument: JSON.stringify(TRUST_POLICY) },
      { Action: 'PutRolePolicy', RoleName: 'keystage-decryption', PolicyName: 'kms', PolicyDocument: JSON.stringify(INLINE_POLICY) },
      { Action: 'AttachRolePolicy', RoleName: 'keystage-decryption', PolicyArn: BASIC_EXECUTION },
    ];
    for (const params of requests) {
      const response = await iam.handle(iamRequest(params));
      expect(response.status, params.Action).toBe(200);
    }
  });

  it('describes a role by ARN with its policies', () => {
    const role = iam.getRole('arn:aws:iam::000000000000:role/keystage/keystage-decryption');

    expect(role).toMatchObject({
      arn: 'arn:aws:iam::000000000000:role/keystage/keystage-decryption',
      name: 'keystage-decryption',
      trustPolicy: TRUST_POLICY,
      inlinePolicies: { kms: INLINE_POLICY },
      attachedPolicyArns: [BASIC_EXECUTION],
      maxSessionDurationSeconds: 3600,
    });
  });

  it('finds a role by name in any case', () => {
    expect(iam.getRole('KEYSTAGE-DECRYPTION')?.name).toBe('keystage-decryption');
  });

  it('does not find a role under another path', () => {
    expect(iam.getRole('arn:aws:iam::000000000000:role/other/keystage-decryption')).toBeUndefined();
  });

  it('returns undefined for an unknown role', () => {
    expect(iam.getRole('missing')).toBeUndefined();
  });

  it('returns the document of a known managed policy', () => {
    expect(iam.getManagedPolicyDocument(BASIC_EXECUTION)).toMatchObject({ Statement: [{ Action: expect.arrayContaining(['logs:PutLogEvents']) }] });
  });
});
