import Database from 'better-sqlite3';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';

import type { ProviderContext } from '../../src/localcloud/context.js';
import { createIamProvider } from '../../src/localcloud/iam/provider.js';
import { createKmsProvider } from '../../src/localcloud/kms/provider.js';
import { createLogger } from '../../src/localcloud/log.js';
import type { LocalRequest, Provider, ServiceName } from '../../src/localcloud/request.js';
import { createStsProvider } from '../../src/localcloud/sts/provider.js';
import { loadServiceModel } from '../support/botocore.js';
import type { ServiceModel } from '../support/botocore.js';

/**
 * Runs every implemented KMS, IAM and STS operation, with successes and failures, and checks
 * the responses against botocore's service models. Each success body must fit the operation's
 * output shape: no member the model lacks, every required member present, values of the
 * modeled type. Each error code must be one the model lists for the operation, or a common
 * error, and carry the model's HTTP status where the model gives one.
 */

/**
 * Errors that no operation lists: AWS's common errors, documented for all actions, and the
 * json protocol's framing errors (SerializationException, UnknownOperationException).
 */
const COMMON_ERRORS = new Set([
  'AccessDenied',
  'ExpiredToken',
  'InternalFailure',
  'InvalidAction',
  'MissingAction',
  'MissingAuthenticationToken',
  'SerializationException',
  'UnknownOperationException',
  'ValidationError',
  'ValidationException',
]);

const KMS_OPERATIONS = [
  'CreateKey', 'DescribeKey', 'ListKeys', 'EnableKey', 'DisableKey', 'ScheduleKeyDeletion', 'CancelKeyDeletion',
  'EnableKeyRotation', 'DisableKeyRotation', 'GetKeyRotationStatus', 'RotateKeyOnDemand', 'CreateAlias', 'UpdateAlias',
  'DeleteAlias', 'ListAliases', 'Encrypt', 'Decrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncrypt',
  'TagResource', 'UntagResource', 'ListResourceTags', 'GetKeyPolicy', 'PutKeyPolicy', 'ListKeyPolicies',
  'ListKeyRotations',
];
const IAM_OPERATIONS = [
  'CreateRole', 'GetRole', 'UpdateRole', 'UpdateAssumeRolePolicy', 'DeleteRole', 'ListRoles', 'TagRole', 'UntagRole', 'ListRoleTags', 'PutRolePolicy', 'GetRolePolicy',
  'DeleteRolePolicy', 'ListRolePolicies', 'AttachRolePolicy', 'DetachRolePolicy', 'ListAttachedRolePolicies',
];
const STS_OPERATIONS = ['GetCallerIdentity', 'AssumeRole'];

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const PERMISSIONS_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] });
const BASIC_EXECUTION = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const MISSING_KEY = '11111111-2222-3333-4444-555555555555';

interface Recorded {
  service: 'kms' | 'iam' | 'sts';
  operation: string;
  status: number;
  body: string;
}

const recorded: Recorded[] = [];
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false });

function request(service: ServiceName, body: string, headers: Record<string, string>, accessKeyId = 'AKIAKEYSTAGETEST0001'): LocalRequest {
  return {
    method: 'POST',
    rawPath: '/',
    query: new URLSearchParams(),
    headers,
    hostname: '127.0.0.1',
    service,
    region: 'us-east-1',
    accessKeyId,
    accountId: '000000000000',
    requestId: 'model-check',
    authorize: () => undefined,
    readBody: async () => Buffer.from(body),
    stream: undefined as never,
  };
}

async function kmsCall(kms: Provider, operation: string, input: object): Promise<Record<string, unknown>> {
  const response = await kms.handle(request('kms', JSON.stringify(input), { 'x-amz-target': `TrentService.${operation}` }));
  recorded.push({ service: 'kms', operation, status: response.status, body: String(response.body) });
  return JSON.parse(String(response.body)) as Record<string, unknown>;
}

async function queryCall(provider: Provider, operation: string, params: Record<string, string>, accessKeyId?: string): Promise<string> {
  const service = provider.service as 'iam' | 'sts';
  const version = service === 'iam' ? '2010-05-08' : '2011-06-15';
  const body = new URLSearchParams({ Action: operation, Version: version, ...params }).toString();
  const response = await provider.handle(request(service, body, {}, accessKeyId));
  recorded.push({ service, operation, status: response.status, body: String(response.body) });
  return String(response.body);
}

async function runKmsScenario(kms: Provider): Promise<void> {
  const created = await kmsCall(kms, 'CreateKey', { Description: 'model', Tags: [{ TagKey: 'a', TagValue: 'b' }] });
  const keyId = String((created.KeyMetadata as Record<string, unknown>).KeyId);
  const other = String(((await kmsCall(kms, 'CreateKey', {})).KeyMetadata as Record<string, unknown>).KeyId);
  await kmsCall(kms, 'CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
  await kmsCall(kms, 'CreateKey', { KeyUsage: 'NOPE' });
  await kmsCall(kms, 'CreateKey', { Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] });
  await kmsCall(kms, 'CreateKey', { Policy: '{nope' });

  await kmsCall(kms, 'DescribeKey', { KeyId: keyId });
  await kmsCall(kms, 'DescribeKey', { KeyId: MISSING_KEY });
  await kmsCall(kms, 'DescribeKey', {});
  await kmsCall(kms, 'ListKeys', { Limit: 1 });
  await kmsCall(kms, 'ListKeys', { Marker: '%%%' });

  await kmsCall(kms, 'CreateAlias', { AliasName: 'alias/model', TargetKeyId: keyId });
  await kmsCall(kms, 'CreateAlias', { AliasName: 'alias/model', TargetKeyId: keyId });
  await kmsCall(kms, 'CreateAlias', { AliasName: 'alias/aws/model', TargetKeyId: keyId });
  await kmsCall(kms, 'CreateAlias', { AliasName: 'alias/other', TargetKeyId: MISSING_KEY });
  await kmsCall(kms, 'UpdateAlias', { AliasName: 'alias/model', TargetKeyId: other });
  await kmsCall(kms, 'UpdateAlias', { AliasName: 'alias/absent', TargetKeyId: other });
  await kmsCall(kms, 'ListAliases', {});
  await kmsCall(kms, 'ListAliases', { KeyId: MISSING_KEY });
  await kmsCall(kms, 'ListAliases', { Marker: '%%%' });
  await kmsCall(kms, 'DeleteAlias', { AliasName: 'alias/model' });
  await kmsCall(kms, 'DeleteAlias', { AliasName: 'alias/model' });

  const plaintext = Buffer.from('model').toString('base64');
  const encrypted = await kmsCall(kms, 'Encrypt', { KeyId: keyId, Plaintext: plaintext, EncryptionContext: { a: '1' } });
  await kmsCall(kms, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.alloc(4097).toString('base64') });
  await kmsCall(kms, 'Encrypt', { KeyId: keyId, Plaintext: plaintext, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' });
  await kmsCall(kms, 'Encrypt', { KeyId: keyId, Plaintext: plaintext, DryRun: true });
  await kmsCall(kms, 'Decrypt', { CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { a: '1' }, DryRun: true });
  await kmsCall(kms, 'Decrypt', { CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { a: '1' } });
  await kmsCall(kms, 'Decrypt', { CiphertextBlob: encrypted.CiphertextBlob });
  await kmsCall(kms, 'Decrypt', { CiphertextBlob: encrypted.CiphertextBlob, KeyId: other, EncryptionContext: { a: '1' } });
  await kmsCall(kms, 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' });
  await kmsCall(kms, 'GenerateDataKey', { KeyId: keyId });
  await kmsCall(kms, 'GenerateDataKeyWithoutPlaintext', { KeyId: keyId, NumberOfBytes: 16 });
  await kmsCall(kms, 'GenerateDataKeyWithoutPlaintext', { KeyId: keyId, NumberOfBytes: 2048 });
  await kmsCall(kms, 'ReEncrypt', { CiphertextBlob: encrypted.CiphertextBlob, SourceEncryptionContext: { a: '1' }, DestinationKeyId: other });
  await kmsCall(kms, 'ReEncrypt', { CiphertextBlob: encrypted.CiphertextBlob, SourceKeyId: other, DestinationKeyId: other });

  await kmsCall(kms, 'TagResource', { KeyId: keyId, Tags: [{ TagKey: 'c', TagValue: 'd' }] });
  await kmsCall(kms, 'TagResource', { KeyId: keyId, Tags: [{ TagKey: 'aws:c', TagValue: 'd' }] });
  await kmsCall(kms, 'UntagResource', { KeyId: keyId, TagKeys: ['c'] });
  await kmsCall(kms, 'UntagResource', { KeyId: MISSING_KEY, TagKeys: ['c'] });
  await kmsCall(kms, 'ListResourceTags', { KeyId: keyId });
  await kmsCall(kms, 'ListResourceTags', { KeyId: keyId, Marker: '%%%' });

  await kmsCall(kms, 'GetKeyPolicy', { KeyId: keyId });
  await kmsCall(kms, 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'other' });
  await kmsCall(kms, 'PutKeyPolicy', { KeyId: keyId, Policy: '{"Version":"2012-10-17","Statement":[]}' });
  await kmsCall(kms, 'PutKeyPolicy', { KeyId: keyId, Policy: 'nope' });
  await kmsCall(kms, 'ListKeyPolicies', { KeyId: keyId });
  await kmsCall(kms, 'ListKeyPolicies', { KeyId: MISSING_KEY });

  await kmsCall(kms, 'EnableKeyRotation', { KeyId: keyId });
  await kmsCall(kms, 'EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 10 });
  await kmsCall(kms, 'GetKeyRotationStatus', { KeyId: keyId });
  await kmsCall(kms, 'GetKeyRotationStatus', { KeyId: MISSING_KEY });
  await kmsCall(kms, 'DisableKeyRotation', { KeyId: keyId });
  await kmsCall(kms, 'DisableKeyRotation', { KeyId: MISSING_KEY });
  await kmsCall(kms, 'RotateKeyOnDemand', { KeyId: keyId });
  await kmsCall(kms, 'RotateKeyOnDemand', { KeyId: 'alias/nope' });
  await kmsCall(kms, 'ListKeyRotations', { KeyId: keyId });
  await kmsCall(kms, 'ListKeyRotations', { KeyId: keyId, Marker: '%%%' });

  await kmsCall(kms, 'DisableKey', { KeyId: keyId });
  await kmsCall(kms, 'Encrypt', { KeyId: keyId, Plaintext: plaintext });
  await kmsCall(kms, 'EnableKeyRotation', { KeyId: keyId });
  await kmsCall(kms, 'RotateKeyOnDemand', { KeyId: keyId });
  await kmsCall(kms, 'EnableKey', { KeyId: keyId });
  await kmsCall(kms, 'EnableKey', { KeyId: MISSING_KEY });
  await kmsCall(kms, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
  await kmsCall(kms, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
  await kmsCall(kms, 'ScheduleKeyDeletion', { KeyId: other, PendingWindowInDays: 3 });
  await kmsCall(kms, 'DescribeKey', { KeyId: keyId });
  await kmsCall(kms, 'DisableKey', { KeyId: keyId });
  await kmsCall(kms, 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_128' });
  await kmsCall(kms, 'TagResource', { KeyId: keyId, Tags: [{ TagKey: 'c', TagValue: 'd' }] });
  await kmsCall(kms, 'CancelKeyDeletion', { KeyId: keyId });
  await kmsCall(kms, 'CancelKeyDeletion', { KeyId: keyId });
}

async function runIamAndStsScenario(iam: Provider, sts: Provider): Promise<void> {
  const role = { RoleName: 'model-role' };
  await queryCall(iam, 'CreateRole', { ...role, AssumeRolePolicyDocument: TRUST_POLICY, Description: 'd', 'Tags.member.1.Key': 'a', 'Tags.member.1.Value': 'b' });
  await queryCall(iam, 'CreateRole', { ...role, AssumeRolePolicyDocument: TRUST_POLICY });
  await queryCall(iam, 'CreateRole', { RoleName: 'model-bad', AssumeRolePolicyDocument: '{' });
  await queryCall(iam, 'CreateRole', { RoleName: 'model-tags', AssumeRolePolicyDocument: TRUST_POLICY, 'Tags.member.1.Key': 'aws:a', 'Tags.member.1.Value': 'b' });
  await queryCall(iam, 'UpdateRole', { ...role, Description: 'updated', MaxSessionDuration: '7200' });
  await queryCall(iam, 'UpdateRole', { RoleName: 'absent', Description: 'updated' });
  await queryCall(iam, 'UpdateAssumeRolePolicy', { ...role, PolicyDocument: TRUST_POLICY });
  await queryCall(iam, 'UpdateAssumeRolePolicy', { ...role, PolicyDocument: '{' });
  await queryCall(iam, 'GetRole', role);
  await queryCall(iam, 'GetRole', { RoleName: 'absent' });
  await queryCall(iam, 'ListRoles', { MaxItems: '1' });
  await queryCall(iam, 'ListRoles', { Marker: '%%%' });
  await queryCall(iam, 'TagRole', { ...role, 'Tags.member.1.Key': 'c', 'Tags.member.1.Value': 'd' });
  await queryCall(iam, 'TagRole', { RoleName: 'absent', 'Tags.member.1.Key': 'c', 'Tags.member.1.Value': 'd' });
  await queryCall(iam, 'UntagRole', { ...role, 'TagKeys.member.1': 'c' });
  await queryCall(iam, 'UntagRole', { RoleName: 'absent', 'TagKeys.member.1': 'c' });
  await queryCall(iam, 'ListRoleTags', role);
  await queryCall(iam, 'ListRoleTags', { RoleName: 'absent' });

  await queryCall(iam, 'PutRolePolicy', { ...role, PolicyName: 'p', PolicyDocument: PERMISSIONS_POLICY });
  await queryCall(iam, 'PutRolePolicy', { ...role, PolicyName: 'p', PolicyDocument: 'nope' });
  await queryCall(iam, 'GetRolePolicy', { ...role, PolicyName: 'p' });
  await queryCall(iam, 'GetRolePolicy', { ...role, PolicyName: 'absent' });
  await queryCall(iam, 'ListRolePolicies', role);
  await queryCall(iam, 'ListRolePolicies', { RoleName: 'absent' });
  await queryCall(iam, 'AttachRolePolicy', { ...role, PolicyArn: BASIC_EXECUTION });
  await queryCall(iam, 'AttachRolePolicy', { ...role, PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' });
  await queryCall(iam, 'AttachRolePolicy', { ...role, PolicyArn: 'definitely-not-an-arn' });
  await queryCall(iam, 'ListAttachedRolePolicies', role);
  await queryCall(iam, 'ListAttachedRolePolicies', { RoleName: 'absent' });
  await queryCall(iam, 'DeleteRole', role);

  await queryCall(sts, 'GetCallerIdentity', {});
  await queryCall(sts, 'GetCallerIdentity', {}, '');
  const assumed = await queryCall(sts, 'AssumeRole', { RoleArn: 'arn:aws:iam::000000000000:role/model-role', RoleSessionName: 's1', SourceIdentity: 'me' });
  await queryCall(sts, 'AssumeRole', { RoleArn: 'arn:aws:iam::000000000000:role/absent', RoleSessionName: 's1' });
  await queryCall(sts, 'AssumeRole', { RoleArn: 'arn:aws:iam::000000000000:role/model-role', RoleSessionName: 's1', Policy: '{' });
  const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(assumed)?.[1];
  await queryCall(sts, 'GetCallerIdentity', {}, accessKeyId);

  await queryCall(iam, 'DetachRolePolicy', { ...role, PolicyArn: BASIC_EXECUTION });
  await queryCall(iam, 'DetachRolePolicy', { ...role, PolicyArn: BASIC_EXECUTION });
  await queryCall(iam, 'DeleteRolePolicy', { ...role, PolicyName: 'p' });
  await queryCall(iam, 'DeleteRolePolicy', { ...role, PolicyName: 'p' });
  await queryCall(iam, 'DeleteRole', role);
  await queryCall(iam, 'DeleteRole', role);
}

/** Lists how a JSON or XML value departs from a shape; an empty list means it fits. */
function shapeProblems(model: ServiceModel, shapeName: string, value: unknown, path: string, wire: 'json' | 'xml'): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [`${path}: the model has no shape ${shapeName}`];

  if (shape.type === 'structure') {
    if (wire === 'xml' && value === '') return shapeProblems(model, shapeName, {}, path, wire);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected a structure ${shapeName}`];
    const members = shape.members ?? {};
    const problems = (shape.required ?? []).filter((name) => !(name in value)).map((name) => `${path}.${name}: required by ${shapeName}`);
    for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
      const memberShape = members[name];
      if (!memberShape) problems.push(`${path}.${name}: not a member of ${shapeName}`);
      else problems.push(...shapeProblems(model, memberShape.shape, member, `${path}.${name}`, wire));
    }
    return problems;
  }

  if (shape.type === 'list') {
    const list = listItems(value, wire);
    if (!list) return [`${path}: expected a list ${shapeName}`];
    return list.flatMap((item, index) => shapeProblems(model, shape.member!.shape, item, `${path}[${index}]`, wire));
  }

  if (shape.type === 'map') {
    if (typeof value !== 'object' || value === null) return [`${path}: expected a map ${shapeName}`];
    return [];
  }

  return scalarProblems(shape, value, path, wire);
}

/** Reads list items: a JSON array, or the `<member>` elements of an XML list (none for an empty element). */
function listItems(value: unknown, wire: 'json' | 'xml'): unknown[] | undefined {
  if (wire === 'json') return Array.isArray(value) ? value : undefined;
  if (value === '') return [];

  const members = (value as { member?: unknown }).member;
  if (members === undefined) return undefined;
  return Array.isArray(members) ? members : [members];
}

function scalarProblems(shape: ServiceModel['shapes'][string], value: unknown, path: string, wire: 'json' | 'xml'): string[] {
  const text = String(value);
  const fits: Record<string, boolean> = {
    string: typeof value === 'string' && (!shape.enum || shape.enum.includes(value)),
    boolean: wire === 'json' ? typeof value === 'boolean' : text === 'true' || text === 'false',
    integer: wire === 'json' ? Number.isInteger(value) : /^-?\d+$/.test(text),
    long: wire === 'json' ? Number.isInteger(value) : /^-?\d+$/.test(text),
    timestamp: wire === 'json' ? typeof value === 'number' : !Number.isNaN(Date.parse(text)),
    blob: typeof value === 'string',
  };
  return fits[shape.type] === false || fits[shape.type] === undefined ? [`${path}: ${JSON.stringify(value)} is not a valid ${shape.type}`] : [];
}

/** Lists the error codes of an operation in the model, with their HTTP status where modeled. */
function modeledErrors(model: ServiceModel, operation: string): Map<string, number | undefined> {
  const errors = new Map<string, number | undefined>();
  for (const { shape } of model.operations[operation]?.errors ?? []) {
    const error = model.shapes[shape]?.error;
    errors.set(error?.code ?? shape, error?.httpStatusCode);
  }
  return errors;
}

function checkRecorded(model: ServiceModel, entry: Recorded): string[] {
  const operation = model.operations[entry.operation]!;
  const wire = entry.service === 'kms' ? 'json' : 'xml';

  if (entry.status !== 200) {
    const code = wire === 'json' ? (JSON.parse(entry.body) as { __type: string }).__type : xml.parse(entry.body).ErrorResponse.Error.Code as string;
    const modeled = modeledErrors(model, entry.operation);
    if (!modeled.has(code) && !COMMON_ERRORS.has(code)) return [`error ${code} is not listed for ${entry.operation} nor a common error`];
    const status = modeled.get(code);
    return status !== undefined && status !== entry.status ? [`error ${code} has status ${entry.status}, the model says ${status}`] : [];
  }

  const body = wire === 'json' ? JSON.parse(entry.body) : xml.parse(entry.body)[`${entry.operation}Response`]?.[`${entry.operation}Result`];
  if (!operation.output) {
    const empty = wire === 'json' ? Object.keys(body as object).length === 0 : body === undefined;
    return empty ? [] : [`${entry.operation} has no output shape but returned ${entry.body}`];
  }
  return shapeProblems(model, operation.output.shape, body ?? {}, entry.operation, wire);
}

describe('responses against the botocore models', () => {
  const models = { kms: loadServiceModel('kms'), iam: loadServiceModel('iam'), sts: loadServiceModel('sts') };

  beforeAll(async () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const context = { db, accountId: '000000000000', logger: createLogger('silent') } as unknown as ProviderContext;
    const iam = createIamProvider(context);
    const sts = createStsProvider(context, { roles: iam });
    const kms = createKmsProvider(context);

    await runKmsScenario(kms);
    await runIamAndStsScenario(iam, sts);
  });

  const cases = [
    ...KMS_OPERATIONS.map((operation) => ['kms', operation] as const),
    ...IAM_OPERATIONS.map((operation) => ['iam', operation] as const),
    ...STS_OPERATIONS.map((operation) => ['sts', operation] as const),
  ];

  it('flags members and values the model does not allow', () => {
    const problems = shapeProblems(models.kms, 'EncryptResponse', { KeyId: 'k', Invented: 1, EncryptionAlgorithm: 'ROT13' }, 'Encrypt', 'json');

    expect(problems).toEqual(['Encrypt.Invented: not a member of EncryptResponse', 'Encrypt.EncryptionAlgorithm: "ROT13" is not a valid string']);
  });

  it('flags a missing required member', () => {
    const problems = shapeProblems(models.sts, 'Credentials', { AccessKeyId: 'ASIA' }, 'Credentials', 'xml');

    expect(problems).toContain('Credentials.SecretAccessKey: required by Credentials');
  });

  it.each(cases)('%s %s fits its model', (service, operation) => {
    const entries = recorded.filter((entry) => entry.service === service && entry.operation === operation);

    expect(models[service].operations[operation], 'operation in the model').toBeDefined();
    expect(entries.filter((entry) => entry.status === 200).length, 'successful calls').toBeGreaterThan(0);
    expect(entries.filter((entry) => entry.status !== 200).length, 'failed calls').toBeGreaterThan(0);
    expect(entries.flatMap((entry) => checkRecorded(models[service], entry))).toEqual([]);
  });
});
