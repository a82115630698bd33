import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';

import { renderPolicyFile } from '../../../src/cli/bootstrap/policies.js';
import { policyVariables } from '../../../src/cli/bootstrap/roles.js';
import { evaluatePolicies } from '../../../src/localcloud/iam/evaluation.js';
import { ACCOUNT_ID, simulate } from './simulator.js';
import type { SimulatedRequest } from './simulator.js';

const REGION = 'us-east-1';
const STAGES = ['dev', 'staging', 'prod'];
const installation = { prefix: 'keystage', accountId: ACCOUNT_ID, region: REGION };
const variables = policyVariables({ installation, options: { ...installation, stages: STAGES, zips: {} } });

const CONFIG_BUCKET = `keystage-config-${ACCOUNT_ID}-${REGION}`;
const ARTIFACT_BUCKET = `keystage-artifacts-${ACCOUNT_ID}-${REGION}`;
const STAGE_KEY_IDS: Record<string, string> = {
  dev: '11111111-1111-4111-8111-111111111111',
  staging: '22222222-2222-4222-8222-222222222222',
  prod: '33333333-3333-4333-8333-333333333333',
};
const FOREIGN_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/44444444-4444-4444-8444-444444444444`;

type Service = 'encryption' | 'decryption' | 'deploy';

interface Call extends SimulatedRequest {
  title: string;
}

function keyArn(stage: string): string {
  return `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${STAGE_KEY_IDS[stage]}`;
}

function objectArn(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}

function functionArn(name: string, qualifier?: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
}

/** Builds the condition keys that KMS sets for a call on a stage key with keystage's encryption context. */
function keystageContext(stage: string, overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    'kms:EncryptionContext:service': 'keystage',
    'kms:EncryptionContext:stage': stage,
    'kms:EncryptionContextKeys': ['service', 'stage'],
    'kms:ResourceAliases': [`alias/keystage-${stage}`],
    ...overrides,
  };
}

/**
 * Lists the calls that the Lambda service makes with a function's role to store its output.
 * The CloudWatch Logs API reference (LogGroup.arn) says IAM policies should name a log group
 * with a trailing `:*` for most actions, CreateLogGroup included.
 * NOTE: the exact ARN checked for CreateLogGroup is not documented. The `:log-stream:` form
 * used here is the one CloudTrail shows for Lambda's own CreateLogGroup calls, per user reports.
 */
function logCalls(service: Service): Call[] {
  const group = `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/aws/lambda/keystage-${service}`;
  const stream = `${group}:log-stream:2026/12/04/[$LATEST]0123456789abcdef`;
  return [
    { title: 'logs:CreateLogGroup on its log group', action: 'logs:CreateLogGroup', resource: `${group}:log-stream:` },
    { title: 'logs:CreateLogStream in its log group', action: 'logs:CreateLogStream', resource: stream },
    { title: 'logs:PutLogEvents to its log stream', action: 'logs:PutLogEvents', resource: stream },
  ];
}

/** Lists the config reads, one per stage (GetObject, also when revalidated with If-None-Match). */
function configReads(): Call[] {
  return STAGES.map((stage) => ({ title: `s3:GetObject on ${stage}/config.json`, action: 's3:GetObject', resource: objectArn(CONFIG_BUCKET, `${stage}/config.json`) }));
}

const ALLOWED: Record<Service, Call[]> = {
  encryption: [
    ...configReads(),
    ...STAGES.flatMap((stage) => [
      { title: `kms:GenerateDataKey on the ${stage} key (envelope format)`, action: 'kms:GenerateDataKey', resource: keyArn(stage), context: keystageContext(stage) },
      { title: `kms:Encrypt on the ${stage} key (kms format)`, action: 'kms:Encrypt', resource: keyArn(stage), context: keystageContext(stage) },
    ]),
    {
      title: 'kms:Encrypt with a caller context entry',
      action: 'kms:Encrypt',
      resource: keyArn('dev'),
      context: keystageContext('dev', { 'kms:EncryptionContext:tenant': 'acme', 'kms:EncryptionContextKeys': ['tenant', 'service', 'stage'] }),
    },
    ...logCalls('encryption'),
  ],
  decryption: [
    ...configReads(),
    ...STAGES.map((stage) => ({ title: `kms:Decrypt on the ${stage} key`, action: 'kms:Decrypt', resource: keyArn(stage), context: keystageContext(stage) })),
    ...logCalls('decryption'),
  ],
  deploy: [
    ...STAGES.flatMap((stage) => [
      { title: `s3:GetObject on ${stage}/keystage-encryption.zip`, action: 's3:GetObject', resource: objectArn(ARTIFACT_BUCKET, `${stage}/keystage-encryption.zip`) },
      { title: `s3:GetObjectVersion on ${stage}/keystage-decryption.zip`, action: 's3:GetObjectVersion', resource: objectArn(ARTIFACT_BUCKET, `${stage}/keystage-decryption.zip`) },
    ]),
    { title: 's3:ListBucket on the artifact bucket (NoSuchKey for a missing ledger)', action: 's3:ListBucket', resource: `arn:aws:s3:::${ARTIFACT_BUCKET}` },
    ...['ledger', 'leases', 'progress'].flatMap((kind) => [
      { title: `s3:GetObject on the ${kind} document`, action: 's3:GetObject', resource: objectArn(ARTIFACT_BUCKET, `.keystage/${kind}/keystage-encryption/dev.json`) },
      { title: `s3:PutObject on the ${kind} document`, action: 's3:PutObject', resource: objectArn(ARTIFACT_BUCKET, `.keystage/${kind}/keystage-encryption/dev.json`) },
    ]),
    { title: 's3:GetObject on the smoke event', action: 's3:GetObject', resource: objectArn(ARTIFACT_BUCKET, '.keystage/smoke/keystage-encryption.json') },
    ...['keystage-encryption', 'keystage-decryption', 'keystage-deploy'].flatMap((name) => [
      { title: `lambda:GetFunction on ${name}`, action: 'lambda:GetFunction', resource: functionArn(name) },
      { title: `lambda:GetFunctionConfiguration on ${name}`, action: 'lambda:GetFunctionConfiguration', resource: functionArn(name) },
      { title: `lambda:GetFunctionConfiguration on ${name}:7`, action: 'lambda:GetFunctionConfiguration', resource: functionArn(name, '7') },
      { title: `lambda:UpdateFunctionCode on ${name}`, action: 'lambda:UpdateFunctionCode', resource: functionArn(name) },
      { title: `lambda:UpdateFunctionConfiguration on ${name}`, action: 'lambda:UpdateFunctionConfiguration', resource: functionArn(name) },
      { title: `lambda:PublishVersion on ${name}`, action: 'lambda:PublishVersion', resource: functionArn(name) },
      { title: `lambda:GetAlias on ${name}:dev`, action: 'lambda:GetAlias', resource: functionArn(name, 'dev') },
      { title: `lambda:UpdateAlias on ${name}:staging`, action: 'lambda:UpdateAlias', resource: functionArn(name, 'staging') },
      { title: `lambda:CreateAlias on ${name}:prod (first release to a stage)`, action: 'lambda:CreateAlias', resource: functionArn(name, 'prod') },
      { title: `lambda:DeleteAlias on ${name}:prod (rollback of a created alias)`, action: 'lambda:DeleteAlias', resource: functionArn(name, 'prod') },
      { title: `lambda:InvokeFunction on ${name}:7 (verification)`, action: 'lambda:InvokeFunction', resource: functionArn(name, '7') },
    ]),
    { title: 'lambda:InvokeFunction on itself (continuation)', action: 'lambda:InvokeFunction', resource: functionArn('keystage-deploy') },
    ...logCalls('deploy'),
  ],
};

const DENIED: Record<Service, Call[]> = {
  encryption: [
    { title: 'kms:Decrypt on a stage key', action: 'kms:Decrypt', resource: keyArn('dev'), context: keystageContext('dev') },
    { title: 'kms:Encrypt on a key without a keystage alias', action: 'kms:Encrypt', resource: FOREIGN_KEY_ARN, context: keystageContext('dev', { 'kms:ResourceAliases': ['alias/payments'] }) },
    { title: 'kms:Encrypt on a key with no alias', action: 'kms:Encrypt', resource: FOREIGN_KEY_ARN, context: keystageContext('dev', { 'kms:ResourceAliases': [] }) },
    {
      title: 'kms:GenerateDataKey without the service context',
      action: 'kms:GenerateDataKey',
      resource: keyArn('dev'),
      context: { 'kms:EncryptionContext:stage': 'dev', 'kms:EncryptionContextKeys': ['stage'], 'kms:ResourceAliases': ['alias/keystage-dev'] },
    },
    { title: 'kms:Encrypt with another service context', action: 'kms:Encrypt', resource: keyArn('dev'), context: keystageContext('dev', { 'kms:EncryptionContext:service': 'billing' }) },
    { title: 'kms:ReEncryptFrom on a stage key', action: 'kms:ReEncryptFrom', resource: keyArn('dev'), context: keystageContext('dev') },
    { title: 's3:GetObject on dev/other.json', action: 's3:GetObject', resource: objectArn(CONFIG_BUCKET, 'dev/other.json') },
    { title: 's3:GetObject on a config of an unknown stage', action: 's3:GetObject', resource: objectArn(CONFIG_BUCKET, 'qa/config.json') },
    { title: 's3:PutObject on dev/config.json', action: 's3:PutObject', resource: objectArn(CONFIG_BUCKET, 'dev/config.json') },
    { title: 's3:GetObject on an artifact', action: 's3:GetObject', resource: objectArn(ARTIFACT_BUCKET, 'dev/keystage-encryption.zip') },
    { title: 'logs:PutLogEvents to another function', action: 'logs:PutLogEvents', resource: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/aws/lambda/keystage-decryption:log-stream:s` },
  ],
  decryption: [
    { title: 'kms:Encrypt on a stage key', action: 'kms:Encrypt', resource: keyArn('dev'), context: keystageContext('dev') },
    { title: 'kms:GenerateDataKey on a stage key', action: 'kms:GenerateDataKey', resource: keyArn('dev'), context: keystageContext('dev') },
    { title: 'kms:Decrypt on a key without a keystage alias', action: 'kms:Decrypt', resource: FOREIGN_KEY_ARN, context: keystageContext('dev', { 'kms:ResourceAliases': ['alias/payments'] }) },
    {
      title: 'kms:Decrypt without the service context',
      action: 'kms:Decrypt',
      resource: keyArn('prod'),
      context: { 'kms:EncryptionContext:stage': 'prod', 'kms:EncryptionContextKeys': ['stage'], 'kms:ResourceAliases': ['alias/keystage-prod'] },
    },
    { title: 's3:GetObject on dev/other.json', action: 's3:GetObject', resource: objectArn(CONFIG_BUCKET, 'dev/other.json') },
    { title: 's3:PutObject on dev/config.json', action: 's3:PutObject', resource: objectArn(CONFIG_BUCKET, 'dev/config.json') },
  ],
  deploy: [
    { title: 's3:PutObject on dev/keystage-encryption.zip', action: 's3:PutObject', resource: objectArn(ARTIFACT_BUCKET, 'dev/keystage-encryption.zip') },
    { title: 's3:DeleteObject on an artifact', action: 's3:DeleteObject', resource: objectArn(ARTIFACT_BUCKET, 'dev/keystage-encryption.zip') },
    { title: 's3:GetObject on the config bucket', action: 's3:GetObject', resource: objectArn(CONFIG_BUCKET, 'dev/config.json') },
    { title: 's3:GetObject on another bucket', action: 's3:GetObject', resource: objectArn('other-bucket', 'dev/keystage-encryption.zip') },
    { title: 'lambda:UpdateFunctionCode on a function off the allow-list', action: 'lambda:UpdateFunctionCode', resource: functionArn('payments-api') },
    { title: 'lambda:UpdateAlias on a function off the allow-list', action: 'lambda:UpdateAlias', resource: functionArn('keystage-other', 'dev') },
    { title: 'lambda:InvokeFunction on a function off the allow-list', action: 'lambda:InvokeFunction', resource: functionArn('payments-api') },
    { title: 'lambda:CreateFunction', action: 'lambda:CreateFunction', resource: functionArn('keystage-encryption') },
    { title: 'lambda:DeleteFunction on an allow-listed function', action: 'lambda:DeleteFunction', resource: functionArn('keystage-encryption') },
    { title: 'lambda:AddPermission on an allow-listed function', action: 'lambda:AddPermission', resource: functionArn('keystage-encryption') },
    { title: 'iam:PassRole on a keystage role', action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT_ID}:role/keystage-encryption` },
    { title: 'kms:Decrypt on a stage key', action: 'kms:Decrypt', resource: keyArn('dev'), context: keystageContext('dev') },
  ],
};

const SERVICES: Service[] = ['encryption', 'decryption', 'deploy'];

function renderedPolicy(service: Service): object {
  return renderPolicyFile(service, 'policy', variables);
}

function tableOf(calls: Record<Service, Call[]>): [Service, Call][] {
  return SERVICES.flatMap((service) => calls[service].map((call): [Service, Call] => [service, call]));
}

describe('least-privilege role policies', () => {
  describe.each(SERVICES)('%s', (service) => {
    const policy = renderedPolicy(service);

    it.each(ALLOWED[service])('allows $title', async (call) => {
      expect(await simulate([policy], call, `keystage-${service}`)).toBe('Allowed');
    });

    it.each(DENIED[service])('denies $title', async (call) => {
      expect(await simulate([policy], call, `keystage-${service}`)).not.toBe('Allowed');
    });
  });

  it('uses no Deny statements, so every denial above is implicit', () => {
    const effects = SERVICES.flatMap((service) => (renderedPolicy(service) as { Statement: { Effect: string }[] }).Statement.map((statement) => statement.Effect));

    expect(new Set(effects)).toEqual(new Set(['Allow']));
  });
});

describe('the local cloud evaluator on the rendered policies', () => {
  it.each([...tableOf(ALLOWED), ...tableOf(DENIED)])('decides like iam-simulate for %s: $title', async (service, call) => {
    const policy = renderedPolicy(service);
    const expected = await simulate([policy], call, `keystage-${service}`);

    const actual = evaluatePolicies([policy], { action: call.action, resource: call.resource, context: call.context ?? {} });

    expect(actual).toBe(expected);
  });
});

const ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** Returns the decision on `principal` assuming the role of `service` under its rendered trust policy. */
async function assumeRoleDecision(service: Service, principal: string, context: Record<string, string>): Promise<string> {
  const response = await runSimulation(
    {
      request: {
        principal,
        action: 'sts:AssumeRole',
        resource: { resource: `arn:aws:iam::${ACCOUNT_ID}:role/keystage-${service}`, accountId: ACCOUNT_ID },
        contextVariables: context,
      },
      identityPolicies: principal.startsWith('arn:') ? [{ name: 'admin', policy: ADMIN_POLICY }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: renderPolicyFile(service, 'trust', variables),
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate rejected the AssumeRole simulation: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

describe.each(SERVICES)('%s trust policy', (service) => {
  it('lets Lambda assume the role for this account', async () => {
    expect(await assumeRoleDecision(service, 'lambda.amazonaws.com', { 'aws:SourceAccount': ACCOUNT_ID })).toBe('Allowed');
  });

  it('rejects Lambda acting for another account', async () => {
    expect(await assumeRoleDecision(service, 'lambda.amazonaws.com', { 'aws:SourceAccount': '111111111111' })).not.toBe('Allowed');
  });

  it('rejects another service principal', async () => {
    expect(await assumeRoleDecision(service, 'ec2.amazonaws.com', { 'aws:SourceAccount': ACCOUNT_ID })).not.toBe('Allowed');
  });

  it('rejects an administrator of the account', async () => {
    expect(await assumeRoleDecision(service, `arn:aws:iam::${ACCOUNT_ID}:user/admin`, {})).not.toBe('Allowed');
  });
});
