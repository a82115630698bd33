import { describe, expect, it } from 'vitest';

import type { RoleDescription, RoleDirectory } from '../../../src/localcloud/contracts.js';
import { AccessDeniedError } from '../../../src/localcloud/errors.js';
import { createIamAuthorizer } from '../../../src/localcloud/iam/authorizer.js';
import { evaluatePolicies, matchesWildcard } from '../../../src/localcloud/iam/evaluation.js';
import type { EvaluationRequest } from '../../../src/localcloud/iam/evaluation.js';
import type { ServiceName } from '../../../src/localcloud/request.js';

const BUCKET_OBJECT = 'arn:aws:s3:::config-bucket/dev/config.json';
const request: EvaluationRequest = { action: 's3:GetObject', resource: BUCKET_OBJECT, context: {} };

function withCondition(condition: object, effect = 'Allow'): object {
  return { Version: '2012-10-17', Statement: { Effect: effect, Action: 's3:GetObject', Resource: '*', Condition: condition } };
}

describe('matchesWildcard', () => {
  it('matches * across : and /', () => {
    expect(matchesWildcard('arn:aws:s3:::*', BUCKET_OBJECT)).toBe(true);
  });

  it('matches ? with exactly one character', () => {
    expect(matchesWildcard('stage-?', 'stage-1')).toBe(true);
    expect(matchesWildcard('stage-?', 'stage-12')).toBe(false);
  });

  it('treats regular expression characters literally', () => {
    expect(matchesWildcard('a.b+(c)', 'a.b+(c)')).toBe(true);
    expect(matchesWildcard('a.b', 'axb')).toBe(false);
  });

  it('compares case-sensitively unless asked not to', () => {
    expect(matchesWildcard('s3:Get*', 'S3:GETOBJECT')).toBe(false);
    expect(matchesWildcard('s3:Get*', 'S3:GETOBJECT', true)).toBe(true);
  });
});

describe('evaluatePolicies', () => {
  it('accepts a single statement object and string values', () => {
    const policy = { Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: BUCKET_OBJECT } };

    expect(evaluatePolicies([policy], request)).toBe('Allowed');
  });

  it('denies implicitly when no policy applies', () => {
    expect(evaluatePolicies([], request)).toBe('ImplicitlyDenied');
  });

  it('lets a Deny in one policy override an Allow in another', () => {
    const allow = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    const deny = { Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::config-bucket/*' }] };

    expect(evaluatePolicies([allow, deny], request)).toBe('ExplicitlyDenied');
  });

  it('grants nothing from a statement without a resource', () => {
    const policy = { Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] };

    expect(evaluatePolicies([policy], request)).toBe('ImplicitlyDenied');
  });

  it('ignores documents and statements that are not objects', () => {
    expect(evaluatePolicies([null, 'text', { Statement: ['x', 3] }], request)).toBe('ImplicitlyDenied');
  });

  it('never matches an operator it does not know', () => {
    expect(evaluatePolicies([withCondition({ DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } })], request)).toBe('ImplicitlyDenied');
    expect(evaluatePolicies([withCondition({}), withCondition({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, 'Deny')], request)).toBe('Allowed');
  });

  it('compares condition key names case-insensitively', () => {
    const policy = withCondition({ StringEquals: { 'KMS:EncryptionContext:Stage': 'dev' } });

    expect(evaluatePolicies([policy], { ...request, context: { 'kms:encryptioncontext:stage': 'dev' } })).toBe('Allowed');
  });

  it('compares condition values case-sensitively for StringEquals', () => {
    const policy = withCondition({ StringEquals: { 'kms:EncryptionContext:stage': 'dev' } });

    expect(evaluatePolicies([policy], { ...request, context: { 'kms:EncryptionContext:stage': 'DEV' } })).toBe('ImplicitlyDenied');
  });

  it('requires every operator and every key of a condition', () => {
    const policy = withCondition({ StringEquals: { 'aws:PrincipalAccount': '000000000000', 'kms:EncryptionContext:stage': 'dev' } });

    expect(evaluatePolicies([policy], { ...request, context: { 'aws:PrincipalAccount': '000000000000' } })).toBe('ImplicitlyDenied');
  });

  it('tests presence with Null', () => {
    const absent = withCondition({ Null: { 'kms:EncryptionContext:tenant': 'true' } });
    const present = withCondition({ Null: { 'kms:EncryptionContext:tenant': false } });
    const withTenant = { ...request, context: { 'kms:EncryptionContext:tenant': 'acme' } };

    expect(evaluatePolicies([absent], request)).toBe('Allowed');
    expect(evaluatePolicies([absent], withTenant)).toBe('ImplicitlyDenied');
    expect(evaluatePolicies([present], withTenant)).toBe('Allowed');
  });

  it('fails ForAnyValue on a missing key unless IfExists is given', () => {
    expect(evaluatePolicies([withCondition({ 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/keystage-*' } })], request)).toBe('ImplicitlyDenied');
    expect(evaluatePolicies([withCondition({ 'ForAnyValue:StringLikeIfExists': { 'kms:ResourceAliases': 'alias/keystage-*' } })], request)).toBe('Allowed');
  });

  it('applies ForAnyValue with a negated operator to each value', () => {
    const policy = withCondition({ 'ForAnyValue:StringNotEquals': { 'kms:EncryptionContextKeys': ['stage', 'service'] } });

    expect(evaluatePolicies([policy], { ...request, context: { 'kms:EncryptionContextKeys': ['stage', 'tenant'] } })).toBe('Allowed');
    expect(evaluatePolicies([policy], { ...request, context: { 'kms:EncryptionContextKeys': ['stage', 'service'] } })).toBe('ImplicitlyDenied');
  });

  it('matches ArnLike segment by segment', () => {
    const policy = withCondition({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/keystage-*' } });

    expect(evaluatePolicies([policy], { ...request, context: { 'aws:PrincipalArn': 'arn:aws:iam::000000000000:role/keystage-deploy' } })).toBe('Allowed');
    expect(evaluatePolicies([policy], { ...request, context: { 'aws:PrincipalArn': 'not-an-arn' } })).toBe('ImplicitlyDenied');
  });

  it('compares numbers with the Numeric operators', () => {
    const policy = withCondition({ NumericLessThanEquals: { 's3:max-keys': '100' } });

    expect(evaluatePolicies([policy], { ...request, context: { 's3:max-keys': '10' } })).toBe('Allowed');
    expect(evaluatePolicies([policy], { ...request, context: { 's3:max-keys': '1000' } })).toBe('ImplicitlyDenied');
    expect(evaluatePolicies([policy], { ...request, context: { 's3:max-keys': 'many' } })).toBe('ImplicitlyDenied');
  });

  it('accepts JSON booleans for Bool', () => {
    const policy = withCondition({ Bool: { 'aws:SecureTransport': true } });

    expect(evaluatePolicies([policy], { ...request, context: { 'aws:SecureTransport': 'true' } })).toBe('Allowed');
  });
});

const ROLE_ARN = 'arn:aws:iam::000000000000:role/reader';
const SESSION_ARN = 'arn:aws:sts::000000000000:assumed-role/reader/session';
const ROLE_KEY = 'ASIAROLESESSIONKEY01';

const readerRole: RoleDescription = {
  arn: ROLE_ARN,
  name: 'reader',
  roleId: 'AROAREADER',
  trustPolicy: {},
  inlinePolicies: {
    read: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::config-bucket/*' }] },
    denyProd: { Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::config-bucket/prod/*' }] },
    ownSessions: {
      Statement: [{ Effect: 'Allow', Action: 'lambda:ListFunctions', Resource: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': ROLE_ARN } } }],
    },
  },
  attachedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaRole', 'arn:aws:iam::000000000000:policy/unknown'],
  maxSessionDurationSeconds: 3600,
};

/** Creates an authorizer whose directory contains `role`; null stands for a role that was deleted. */
function authorizerWith(role: RoleDescription | null = readerRole, lookups: string[] = []) {
  const roles: RoleDirectory = {
    getRole: (arn) => {
      lookups.push(arn);
      return role ?? undefined;
    },
    getManagedPolicyDocument: (arn) =>
      arn === 'arn:aws:iam::aws:policy/service-role/AWSLambdaRole'
        ? { Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }] }
        : undefined,
  };
  return createIamAuthorizer({
    accountId: '000000000000',
    roles,
    principalFor: (key) =>
      key === ROLE_KEY ? { arn: SESSION_ARN, userId: 'AROAREADER:session', roleArn: ROLE_ARN } : { arn: 'arn:aws:iam::000000000000:root', userId: '000000000000' },
  });
}

function denialOf(check: () => void): AccessDeniedError {
  try {
    check();
  } catch (error) {
    if (error instanceof AccessDeniedError) return error;
    throw error;
  }
  throw new Error('expected the check to deny');
}

describe('createIamAuthorizer', () => {
  it('allows every call with keys that STS did not issue', () => {
    const authorize = authorizerWith()('AKIAKEYSTAGETEST0001', 's3', 'us-east-1');

    expect(() => authorize('s3:DeleteBucket', 'arn:aws:s3:::config-bucket')).not.toThrow();
  });

  it('allows what an inline policy grants', () => {
    expect(() => authorizerWith()(ROLE_KEY, 's3', 'us-east-1')('s3:GetObject', 'arn:aws:s3:::config-bucket/dev/config.json')).not.toThrow();
  });

  it('allows what an attached managed policy grants', () => {
    expect(() => authorizerWith()(ROLE_KEY, 'lambda', 'us-east-1')('lambda:InvokeFunction', 'arn:aws:lambda:us-east-1:000000000000:function:f')).not.toThrow();
  });

  it('sets aws:PrincipalArn to the role ARN for conditions', () => {
    expect(() => authorizerWith()(ROLE_KEY, 'lambda', 'us-east-1')('lambda:ListFunctions', '*')).not.toThrow();
  });

  it('sets aws:RequestedRegion to the region of the request', () => {
    const regional: RoleDescription = {
      ...readerRole,
      inlinePolicies: {
        east: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } }] },
      },
    };

    expect(() => authorizerWith(regional)(ROLE_KEY, 's3', 'us-east-1')('s3:GetObject', 'arn:aws:s3:::b/k')).not.toThrow();
    expect(() => authorizerWith(regional)(ROLE_KEY, 's3', 'eu-west-1')('s3:GetObject', 'arn:aws:s3:::b/k')).toThrow(AccessDeniedError);
  });

  it.each<[ServiceName, string, string, number]>([
    ['s3', 's3:PutObject', 'AccessDenied', 403],
    ['kms', 'kms:Encrypt', 'AccessDeniedException', 400],
    ['lambda', 'lambda:GetFunction', 'AccessDeniedException', 403],
    ['iam', 'iam:GetRole', 'AccessDenied', 403],
    ['sts', 'sts:AssumeRole', 'AccessDenied', 403],
    ['logs', 'logs:CreateLogGroup', 'AccessDeniedException', 400],
  ])('denies %s calls with its code and status', (service, action, code, statusCode) => {
    const denial = denialOf(() => authorizerWith()(ROLE_KEY, service, 'us-east-1')(action, 'arn:aws:s3:::config-bucket/dev/x'));

    expect(denial.code).toBe(code);
    expect(denial.statusCode).toBe(statusCode);
  });

  it('words an implicit denial as AWS does', () => {
    const denial = denialOf(() => authorizerWith()(ROLE_KEY, 'kms', 'us-east-1')('kms:Decrypt', 'arn:aws:kms:us-east-1:000000000000:key/k'));

    expect(denial.message).toBe(
      `User: ${SESSION_ARN} is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:000000000000:key/k ` +
        'because no identity-based policy allows the kms:Decrypt action',
    );
  });

  it('words an explicit denial as AWS does', () => {
    const denial = denialOf(() => authorizerWith()(ROLE_KEY, 's3', 'us-east-1')('s3:GetObject', 'arn:aws:s3:::config-bucket/prod/config.json'));

    expect(denial.message).toBe(
      `User: ${SESSION_ARN} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::config-bucket/prod/config.json ` +
        'with an explicit deny in an identity-based policy',
    );
  });

  it('denies when any one of several resources is denied, naming it', () => {
    const resources = ['arn:aws:s3:::config-bucket/dev/a', 'arn:aws:s3:::other-bucket/b'];

    const denial = denialOf(() => authorizerWith()(ROLE_KEY, 's3', 'us-east-1')('s3:GetObject', resources));

    expect(denial.resource).toBe('arn:aws:s3:::other-bucket/b');
  });

  it('denies everything to sessions of a deleted role', () => {
    const denial = denialOf(() => authorizerWith(null)(ROLE_KEY, 's3', 'us-east-1')('s3:GetObject', 'arn:aws:s3:::config-bucket/dev/a'));

    expect(denial.action).toBe('s3:GetObject');
  });

  it('reads the role once per request', () => {
    const lookups: string[] = [];
    const authorize = authorizerWith(readerRole, lookups)(ROLE_KEY, 's3', 'us-east-1');

    authorize('s3:GetObject', 'arn:aws:s3:::config-bucket/dev/a');
    authorize('s3:GetObject', 'arn:aws:s3:::config-bucket/dev/b');

    expect(lookups).toEqual([ROLE_ARN]);
  });
});
