import { describe, expect, it } from 'vitest';

import { evaluatePolicies } from '../../../src/localcloud/iam/evaluation.js';
import { simulate } from '../policies/simulator.js';
import type { SimulatedRequest } from '../policies/simulator.js';

const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/9999abcd-12ab-34cd-56ef-1234567890ab';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:keystage-encryption';

function policy(...statements: object[]): object {
  return { Version: '2012-10-17', Statement: statements };
}

const readBucket = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::config-bucket/*/config.json' });
const readBucketDenyProd = policy(
  { Effect: 'Allow', Action: ['s3:Get*', 's3:ListBucket'], Resource: ['arn:aws:s3:::config-bucket', 'arn:aws:s3:::config-bucket/*'] },
  { Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::config-bucket/prod/*' },
);
const notActionPolicy = policy({ Effect: 'Allow', NotAction: ['s3:DeleteObject', 's3:PutObject'], Resource: 'arn:aws:s3:::config-bucket/*' });
const notResourcePolicy = policy({ Effect: 'Allow', Action: 's3:PutObject', NotResource: 'arn:aws:s3:::artifacts/dev/*' });
const singleCharacterWildcard = policy({ Effect: 'Allow', Action: 'lambda:GetFunction', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:keystage-??????????' });
const kmsContext = policy({
  Effect: 'Allow',
  Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
  Resource: 'arn:aws:kms:us-east-1:000000000000:key/*',
  Condition: {
    StringEquals: { 'kms:EncryptionContext:service': 'keystage' },
    'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/keystage-*' },
  },
});
const kmsNegated = policy(
  { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
  { Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:EncryptionContext:stage': ['dev', 'staging'] } } },
);
const kmsIfExists = policy({
  Effect: 'Allow',
  Action: 'kms:Decrypt',
  Resource: '*',
  Condition: { StringLikeIfExists: { 'kms:EncryptionContext:service': 'keys*' } },
});
const forAllValues = policy({
  Effect: 'Allow',
  Action: 'kms:Encrypt',
  Resource: '*',
  Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['stage', 'service'] } },
});
const principalConditions = policy(
  { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::000000000000:role/keystage-*' } } },
  { Effect: 'Deny', Action: 'lambda:InvokeFunction', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': '000000000000' } } },
);
const boolAndNull = policy(
  { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { Null: { 'aws:SourceIp': 'false' } } },
);
const listLimits = policy(
  { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::config-bucket', Condition: { NumericLessThanEquals: { 's3:max-keys': '100' } } },
  { Effect: 'Deny', Action: 's3:ListBucket', Resource: '*', Condition: { StringNotLike: { 's3:prefix': ['dev/*', 'staging/*'] } } },
);
const ignoreCase = policy({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEqualsIgnoreCase: { 'kms:EncryptionContext:service': 'KeyStage' } } });
const forAnyValueLike = policy({
  Effect: 'Allow',
  Action: 'kms:Decrypt',
  Resource: '*',
  Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': ['alias/keystage-*', 'alias/shared-?'] } },
});
const arnNotLike = policy(
  { Effect: 'Allow', Action: 'lambda:*', Resource: '*' },
  { Effect: 'Deny', Action: 'lambda:Update*', Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/keystage-deploy' } } },
);

interface Case {
  title: string;
  policies: object[];
  request: SimulatedRequest;
}

const CASES: Case[] = [
  { title: 'object matched by a mid-ARN wildcard', policies: [readBucket], request: { action: 's3:GetObject', resource: 'arn:aws:s3:::config-bucket/dev/config.json' } },
  { title: 'object outside the pattern', policies: [readBucket], request: { action: 's3:GetObject', resource: 'arn:aws:s3:::config-bucket/dev/other.json' } },
  { title: 'action with other case', policies: [readBucket], request: { action: 'S3:getobject', resource: 'arn:aws:s3:::config-bucket/dev/config.json' } },
  { title: 'resource with other case', policies: [readBucket], request: { action: 's3:GetObject', resource: 'arn:aws:s3:::Config-Bucket/dev/config.json' } },
  { title: 'action not listed', policies: [readBucket], request: { action: 's3:PutObject', resource: 'arn:aws:s3:::config-bucket/dev/config.json' } },
  { title: 'action wildcard on a bucket', policies: [readBucketDenyProd], request: { action: 's3:ListBucket', resource: 'arn:aws:s3:::config-bucket' } },
  { title: 'explicit deny over an allow', policies: [readBucketDenyProd], request: { action: 's3:GetObject', resource: 'arn:aws:s3:::config-bucket/prod/config.json' } },
  { title: 'allow beside a deny elsewhere', policies: [readBucketDenyProd], request: { action: 's3:GetObjectVersion', resource: 'arn:aws:s3:::config-bucket/dev/config.json' } },
  { title: 'NotAction covering an action', policies: [notActionPolicy], request: { action: 's3:GetObject', resource: 'arn:aws:s3:::config-bucket/a' } },
  { title: 'NotAction excluding an action', policies: [notActionPolicy], request: { action: 's3:PutObject', resource: 'arn:aws:s3:::config-bucket/a' } },
  { title: 'NotResource covering a resource', policies: [notResourcePolicy], request: { action: 's3:PutObject', resource: 'arn:aws:s3:::artifacts/.keystage/ledger.json' } },
  { title: 'NotResource excluding a resource', policies: [notResourcePolicy], request: { action: 's3:PutObject', resource: 'arn:aws:s3:::artifacts/dev/keystage-encryption.zip' } },
  { title: '? matching one character each', policies: [singleCharacterWildcard], request: { action: 'lambda:GetFunction', resource: FUNCTION_ARN } },
  { title: '? with one character too many', policies: [singleCharacterWildcard], request: { action: 'lambda:GetFunction', resource: `${FUNCTION_ARN}x` } },
  {
    title: 'KMS with the service context',
    policies: [kmsContext],
    request: { action: 'kms:Encrypt', resource: KEY_ARN, context: { 'kms:EncryptionContext:service': 'keystage', 'kms:ResourceAliases': ['alias/keystage-dev'] } },
  },
  {
    title: 'KMS with another service context',
    policies: [kmsContext],
    request: { action: 'kms:GenerateDataKey', resource: KEY_ARN, context: { 'kms:EncryptionContext:service': 'other', 'kms:ResourceAliases': ['alias/keystage-dev'] } },
  },
  {
    title: 'KMS with the context key in other case',
    policies: [kmsContext],
    request: { action: 'kms:Encrypt', resource: KEY_ARN, context: { 'KMS:ENCRYPTIONCONTEXT:SERVICE': 'keystage', 'kms:ResourceAliases': ['alias/keystage-dev'] } },
  },
  { title: 'KMS without any context', policies: [kmsContext], request: { action: 'kms:Encrypt', resource: KEY_ARN, context: { 'kms:ResourceAliases': ['alias/keystage-dev'] } } },
  {
    title: 'KMS on a key without keystage alias',
    policies: [kmsContext],
    request: { action: 'kms:Encrypt', resource: OTHER_KEY_ARN, context: { 'kms:EncryptionContext:service': 'keystage', 'kms:ResourceAliases': ['alias/other'] } },
  },
  {
    title: 'KMS on a key without aliases',
    policies: [kmsContext],
    request: { action: 'kms:Encrypt', resource: OTHER_KEY_ARN, context: { 'kms:EncryptionContext:service': 'keystage' } },
  },
  { title: 'StringNotEquals deny not met', policies: [kmsNegated], request: { action: 'kms:Decrypt', resource: KEY_ARN, context: { 'kms:EncryptionContext:stage': 'dev' } } },
  { title: 'StringNotEquals deny met', policies: [kmsNegated], request: { action: 'kms:Decrypt', resource: KEY_ARN, context: { 'kms:EncryptionContext:stage': 'prod' } } },
  { title: 'StringNotEquals deny on a missing key', policies: [kmsNegated], request: { action: 'kms:Decrypt', resource: KEY_ARN } },
  { title: 'IfExists with a missing key', policies: [kmsIfExists], request: { action: 'kms:Decrypt', resource: KEY_ARN } },
  { title: 'IfExists with a matching key', policies: [kmsIfExists], request: { action: 'kms:Decrypt', resource: KEY_ARN, context: { 'kms:EncryptionContext:service': 'keystage' } } },
  { title: 'IfExists with another value', policies: [kmsIfExists], request: { action: 'kms:Decrypt', resource: KEY_ARN, context: { 'kms:EncryptionContext:service': 'other' } } },
  { title: 'ForAllValues within the set', policies: [forAllValues], request: { action: 'kms:Encrypt', resource: KEY_ARN, context: { 'kms:EncryptionContextKeys': ['stage', 'service'] } } },
  { title: 'ForAllValues outside the set', policies: [forAllValues], request: { action: 'kms:Encrypt', resource: KEY_ARN, context: { 'kms:EncryptionContextKeys': ['stage', 'tenant'] } } },
  { title: 'ForAllValues on a missing key', policies: [forAllValues], request: { action: 'kms:Encrypt', resource: KEY_ARN } },
  {
    title: 'ArnLike on the principal ARN',
    policies: [principalConditions],
    request: { action: 'lambda:InvokeFunction', resource: FUNCTION_ARN, context: { 'aws:PrincipalArn': 'arn:aws:iam::000000000000:role/keystage-deploy', 'aws:PrincipalAccount': '000000000000' } },
  },
  {
    title: 'ArnLike on another principal',
    policies: [principalConditions],
    request: { action: 'lambda:InvokeFunction', resource: FUNCTION_ARN, context: { 'aws:PrincipalArn': 'arn:aws:iam::000000000000:role/other', 'aws:PrincipalAccount': '000000000000' } },
  },
  { title: 'Bool matching', policies: [boolAndNull], request: { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'aws:SecureTransport': 'false' } } },
  { title: 'Bool not matching', policies: [boolAndNull], request: { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'aws:SecureTransport': 'true' } } },
  { title: 'Null deny on a present key', policies: [boolAndNull], request: { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'aws:SecureTransport': 'false', 'aws:SourceIp': '127.0.0.1' } } },
  { title: 'no policies at all', policies: [], request: { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' } },
  { title: 'NumericLessThanEquals within the limit', policies: [listLimits], request: { action: 's3:ListBucket', resource: 'arn:aws:s3:::config-bucket', context: { 's3:max-keys': '50', 's3:prefix': 'dev/' } } },
  { title: 'NumericLessThanEquals over the limit', policies: [listLimits], request: { action: 's3:ListBucket', resource: 'arn:aws:s3:::config-bucket', context: { 's3:max-keys': '500', 's3:prefix': 'dev/' } } },
  { title: 'StringNotLike deny on another prefix', policies: [listLimits], request: { action: 's3:ListBucket', resource: 'arn:aws:s3:::config-bucket', context: { 's3:max-keys': '50', 's3:prefix': 'prod/' } } },
  { title: 'StringNotLike deny on a missing prefix', policies: [listLimits], request: { action: 's3:ListBucket', resource: 'arn:aws:s3:::config-bucket', context: { 's3:max-keys': '50' } } },
  { title: 'StringEqualsIgnoreCase with other case', policies: [ignoreCase], request: { action: 'kms:Decrypt', resource: KEY_ARN, context: { 'kms:EncryptionContext:service': 'KEYSTAGE' } } },
  { title: 'ForAnyValue with one matching alias', policies: [forAnyValueLike], request: { action: 'kms:Decrypt', resource: KEY_ARN, context: { 'kms:ResourceAliases': ['alias/other', 'alias/shared-1'] } } },
  { title: 'ForAnyValue with no matching alias', policies: [forAnyValueLike], request: { action: 'kms:Decrypt', resource: KEY_ARN, context: { 'kms:ResourceAliases': ['alias/other', 'alias/shared-10'] } } },
  { title: 'ForAnyValue with an empty set', policies: [forAnyValueLike], request: { action: 'kms:Decrypt', resource: KEY_ARN, context: { 'kms:ResourceAliases': [] } } },
  {
    title: 'ArnNotLike deny for another role',
    policies: [arnNotLike],
    request: { action: 'lambda:UpdateAlias', resource: `${FUNCTION_ARN}:dev`, context: { 'aws:PrincipalArn': 'arn:aws:iam::000000000000:role/keystage-encryption' } },
  },
  {
    title: 'ArnNotLike deny not met for the deploy role',
    policies: [arnNotLike],
    request: { action: 'lambda:UpdateAlias', resource: `${FUNCTION_ARN}:dev`, context: { 'aws:PrincipalArn': 'arn:aws:iam::000000000000:role/keystage-deploy' } },
  },
];

describe('evaluatePolicies against iam-simulate', () => {
  it.each(CASES)('decides like iam-simulate: $title', async ({ policies, request }) => {
    const expected = await simulate(policies, request, 'keystage-deploy');

    const actual = evaluatePolicies(policies, { action: request.action, resource: request.resource, context: request.context ?? {} });

    expect(actual).toBe(expected);
  });

  it('covers allowed and denied outcomes', async () => {
    const decisions = await Promise.all(CASES.map(({ policies, request }) => simulate(policies, request, 'keystage-deploy')));

    expect(new Set(decisions)).toEqual(new Set(['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied']));
  });
});
