import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { mockClient } from 'aws-sdk-client-mock';
import { CreateRoleCommand, NoSuchEntityException, GetRoleCommand, GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, DescribeKeyCommand, ListAliasesCommand as ListKeyAliasesCommand, ListResourceTagsCommand, TagResourceCommand } from '@aws-sdk/client-kms';
import {
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  GetPolicyCommand,
  AddPermissionCommand,
  RemovePermissionCommand,
  ListAliasesCommand as ListFunctionAliasesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3ServiceException,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { applyPlan, describePlan, planBootstrap } from '../../../src/cli/bootstrap/plan.js';
import type { BootstrapOptions } from '../../../src/cli/bootstrap/plan.js';
import { FUNCTION_HANDLER, FUNCTION_RUNTIME, TIMEOUT_SECONDS, functionEnvironment } from '../../../src/cli/bootstrap/functions.js';
import { artifactRetentionRules, releaseRecordRules } from '../../../src/cli/bootstrap/lifecycle.js';
import { DEFAULT_ENCRYPTION, PUBLIC_ACCESS_BLOCK, bucketTags, denyInsecureTransportStatement } from '../../../src/cli/bootstrap/bucket-settings.js';
import { keyTags } from '../../../src/cli/bootstrap/keys.js';
import { invokePermissionId, notificationId } from '../../../src/cli/bootstrap/notification.js';
import { renderPolicyFile } from '../../../src/cli/bootstrap/policies.js';
import { policyVariables, rolePolicyName } from '../../../src/cli/bootstrap/roles.js';
import { SERVICE_NAMES } from '../../../src/cli/build.js';
import { parseRetentionDays, renderPlan, resolveTlsOnlyPolicy } from '../../../src/cli/commands/bootstrap.js';
import { createClients, destroyClients } from '../../../src/cli/clients.js';
import type { AwsClients } from '../../../src/cli/clients.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const STAGES = ['dev', 'staging', 'prod'];
const zipDir = mkdtempSync(join(tmpdir(), 'keystage-plan-'));
const zips = Object.fromEntries(SERVICE_NAMES.map((service) => [service, join(zipDir, `${service}.zip`)]));
for (const path of Object.values(zips)) writeFileSync(path, 'zip');

const options: BootstrapOptions = { prefix: 'keystage', accountId: ACCOUNT, region: REGION, stages: STAGES, zips, pollIntervalMs: 1 };
const installation = { prefix: 'keystage', accountId: ACCOUNT, region: REGION };
const CONFIG_BUCKET = `keystage-config-${ACCOUNT}-${REGION}`;
const ARTIFACT_BUCKET = `keystage-artifacts-${ACCOUNT}-${REGION}`;
const BUCKETS = [CONFIG_BUCKET, ARTIFACT_BUCKET];
/** The 404 S3 sends when a bucket has no such configuration, under the code each subresource uses. */
const noConfiguration = (code: string) => new S3ServiceException({ name: code, $fault: 'client', message: 'absent', $metadata: { httpStatusCode: 404 } });
const keyArn = (stage: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-0000-0000-00000000000${STAGES.indexOf(stage)}`;
const notFound = <T extends Error>(ErrorClass: new (options: { message: string; $metadata: object }) => T) => new ErrorClass({ message: 'not found', $metadata: { httpStatusCode: 404 } });

function mockClients(target: AwsClients) {
  return { kms: mockClient(target.kms), s3: mockClient(target.s3), iam: mockClient(target.iam), lambda: mockClient(target.lambda) };
}

let clients: AwsClients;
let stubs: ReturnType<typeof mockClients>;

beforeEach(() => {
  clients = createClients({ endpoint: 'http://127.0.0.1:9', region: REGION, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  stubs = mockClients(clients);
});

afterEach(() => {
  for (const stub of Object.values(stubs)) stub.restore();
  destroyClients(clients);
});

/** The resource policy statement Lambda returns for the S3 invoke permission on `bucket`. */
function invokeStatement(bucket: string): Record<string, unknown> {
  return {
    Sid: invokePermissionId('keystage'),
    Effect: 'Allow',
    Principal: { Service: 's3.amazonaws.com' },
    Action: 'lambda:InvokeFunction',
    Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:keystage-deploy`,
    Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT }, ArnLike: { 'AWS:SourceArn': `arn:aws:s3:::${bucket}` } },
  };
}

/** Mocks every read to return the state a finished bootstrap leaves behind. */
function mockCompleteInstallation(): void {
  const { kms, s3, iam, lambda } = stubs;
  const variables = policyVariables({ installation, options });

  kms.on(ListKeyAliasesCommand).resolves({ Aliases: STAGES.map((stage) => ({ AliasName: `alias/keystage-${stage}`, TargetKeyId: keyArn(stage).split('/')[1] })) } as never);
  for (const stage of STAGES) {
    kms.on(DescribeKeyCommand, { KeyId: keyArn(stage).split('/')[1] }).resolves({ KeyMetadata: { KeyId: keyArn(stage).split('/')[1], Arn: keyArn(stage), KeyState: 'Enabled' } } as never);
    kms.on(ListResourceTagsCommand, { KeyId: keyArn(stage).split('/')[1] }).resolves({ Tags: [...keyTags('keystage', stage), { TagKey: 'team', TagValue: 'security' }], Truncated: false });
  }

  s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: PUBLIC_ACCESS_BLOCK });
  s3.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: DEFAULT_ENCRYPTION });
  s3.on(GetBucketTaggingCommand).resolves({ TagSet: bucketTags('keystage') });
  for (const bucket of BUCKETS) {
    s3.on(GetBucketPolicyCommand, { Bucket: bucket }).resolves({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [denyInsecureTransportStatement(bucket)] }) });
  }

  s3.on(HeadBucketCommand).resolves({});
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' } as never);
  s3.on(HeadObjectCommand).resolves({});
  s3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: [...releaseRecordRules(), ...artifactRetentionRules(STAGES, 30)] });
  s3.on(GetBucketNotificationConfigurationCommand).resolves({
    LambdaFunctionConfigurations: [
      {
        Id: notificationId('keystage'),
        LambdaFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:keystage-deploy`,
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'Suffix', Value: '.zip' }] } },
      },
    ],
  } as never);

  for (const service of SERVICE_NAMES) {
    const trust = encodeURIComponent(JSON.stringify(renderPolicyFile(service, 'trust', variables)));
    iam.on(GetRoleCommand, { RoleName: `keystage-${service}` }).resolves({ Role: { RoleName: `keystage-${service}`, Arn: `arn:aws:iam::${ACCOUNT}:role/keystage-${service}`, AssumeRolePolicyDocument: trust } } as never);
    iam.on(GetRolePolicyCommand, { RoleName: `keystage-${service}` }).resolves({
      RoleName: `keystage-${service}`,
      PolicyName: rolePolicyName('keystage', service),
      PolicyDocument: encodeURIComponent(JSON.stringify(renderPolicyFile(service, 'policy', variables))),
    } as never);

    lambda.on(GetFunctionConfigurationCommand, { FunctionName: `keystage-${service}` }).resolves({
      FunctionName: `keystage-${service}`,
      Runtime: FUNCTION_RUNTIME,
      Handler: FUNCTION_HANDLER,
      Timeout: TIMEOUT_SECONDS[service],
      Role: `arn:aws:iam::${ACCOUNT}:role/keystage-${service}`,
      Environment: { Variables: { ...functionEnvironment({ installation, options }, service), KEYSTAGE_RELEASE: 'kept' } },
      State: 'Active',
      LastUpdateStatus: 'Successful',
    } as never);
    lambda.on(ListFunctionAliasesCommand, { FunctionName: `keystage-${service}` }).resolves({ Aliases: STAGES.map((stage) => ({ Name: stage, FunctionVersion: '1' })) } as never);
  }
  lambda.on(GetPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: [invokeStatement(ARTIFACT_BUCKET)] }) } as never);
}

/** Names of every command sent to any client, in the order they were sent. */
function sentCommands(): string[] {
  const calls = Object.values(stubs).flatMap((stub) => stub.calls() as unknown as { callId: number; args: unknown[] }[]);
  return calls
    .sort((a, b) => a.callId - b.callId)
    .map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name);
}

describe('planBootstrap', () => {
  it('plans nothing for a complete installation', async () => {
    mockCompleteInstallation();

    const plan = await planBootstrap(clients, options);

    expect(describePlan(plan)).toEqual([]);
  });

  it('makes only read calls when nothing changes', async () => {
    mockCompleteInstallation();

    await applyPlan(await planBootstrap(clients, options));

    const writes = sentCommands().filter((name) => !/^(Get|List|Head|Describe)/.test(name));
    expect(writes).toEqual([]);
  });

  it('plans every resource for an empty account', async () => {
    const { kms, s3, iam, lambda } = stubs;
    kms.on(ListKeyAliasesCommand).resolves({ Aliases: [] } as never);
    s3.on(HeadBucketCommand).rejects(notFound(NotFound));
    iam.on(GetRoleCommand).rejects(notFound(NoSuchEntityException));
    lambda.on(GetFunctionConfigurationCommand).rejects(notFound(ResourceNotFoundException));

    const changes = describePlan(await planBootstrap(clients, options));

    const count = (type: string) => changes.filter((change) => change.resourceType === type && change.action === 'create').length;
    expect(count('AWS::KMS::Key')).toBe(3);
    expect(count('AWS::S3::Bucket')).toBe(2);
    expect(count('AWS::IAM::Role')).toBe(3);
    expect(count('AWS::Lambda::Function')).toBe(3);
    expect(count('AWS::Lambda::Alias')).toBe(3);
    expect(count('AWS::Lambda::Permission')).toBe(1);
    expect(count('AWS::S3::BucketNotification')).toBe(1);
    expect(count('AWS::S3::Object')).toBe(4);
    expect(count('AWS::S3::BucketLifecycle')).toBe(1);
    expect(count('AWS::S3::PublicAccessBlock')).toBe(2);
    expect(count('AWS::S3::BucketEncryption')).toBe(2);
    expect(count('AWS::S3::BucketPolicy')).toBe(2);
    expect(count('AWS::S3::BucketTagging')).toBe(2);
  });

  it('applies an empty account in dependency order', async () => {
    const { kms, s3, iam, lambda } = stubs;
    kms.on(ListKeyAliasesCommand).resolves({ Aliases: [] });
    kms.on(CreateKeyCommand).callsFake(() => {
      const index = kms.commandCalls(CreateKeyCommand).length - 1;
      return { KeyMetadata: { KeyId: `key-${index}`, Arn: keyArn(STAGES[index] as string) } };
    });
    s3.on(HeadBucketCommand).rejects(notFound(NotFound));
    s3.on(GetBucketNotificationConfigurationCommand).resolves({});
    iam.on(GetRoleCommand).rejects(notFound(NoSuchEntityException));
    iam.on(CreateRoleCommand).callsFake((input: { RoleName: string }) => ({ Role: { Arn: `arn:aws:iam::${ACCOUNT}:role/${input.RoleName}` } }));
    lambda
      .on(GetFunctionConfigurationCommand)
      .rejectsOnce(notFound(ResourceNotFoundException))
      .rejectsOnce(notFound(ResourceNotFoundException))
      .rejectsOnce(notFound(ResourceNotFoundException))
      .resolves({ State: 'Active', LastUpdateStatus: 'Successful' });
    lambda.on(PublishVersionCommand).resolves({ Version: '1' });

    await applyPlan(await planBootstrap(clients, options));

    const order = sentCommands().filter((name) => !/^(Get|List|Head|Describe)/.test(name));
    const first = (name: string) => order.indexOf(`${name}Command`);
    expect(first('CreateRole')).toBeLessThan(first('CreateFunction'));
    expect(order[first('PublishVersion') + 1]).toBe('CreateAliasCommand');
    expect(first('CreateFunction')).toBeLessThan(first('PublishVersion'));
    expect(first('AddPermission')).toBeLessThan(first('PutBucketNotificationConfiguration'));
    expect(first('CreateKey')).toBeLessThan(first('PutObject'));

    const devConfig = s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === 'dev/config.json');
    expect(JSON.parse(String(devConfig?.args[0].input.Body))).toEqual({ keyId: keyArn('dev') });
    expect(devConfig?.args[0].input.IfNoneMatch).toBe('*');
  });

  it('plans a configuration update', async () => {
    mockCompleteInstallation();
    stubs.lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'keystage-encryption' }).resolves({
      FunctionName: 'keystage-encryption',
      Runtime: FUNCTION_RUNTIME,
      Handler: FUNCTION_HANDLER,
      Timeout: 3,
      Role: `arn:aws:iam::${ACCOUNT}:role/keystage-encryption`,
      Environment: { Variables: { ...functionEnvironment({ installation, options }, 'encryption'), KEYSTAGE_RELEASE: 'bucket/key@v1' } },
    } as never);

    const changes = describePlan(await planBootstrap(clients, options));

    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ action: 'update', resource: 'keystage-encryption' });
    expect(changes[0]?.detail).toContain('timeout 3 → 30 s');
  });

  it('keeps the release marker when updating', async () => {
    mockCompleteInstallation();
    stubs.lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'keystage-encryption' }).resolves({
      FunctionName: 'keystage-encryption',
      Runtime: FUNCTION_RUNTIME,
      Handler: FUNCTION_HANDLER,
      Timeout: 3,
      Role: `arn:aws:iam::${ACCOUNT}:role/keystage-encryption`,
      Environment: { Variables: { CONFIG_BUCKET: 'old-bucket', KEYSTAGE_RELEASE: 'bucket/key@v1' } },
      State: 'Active',
      LastUpdateStatus: 'Successful',
    } as never);

    await applyPlan(await planBootstrap(clients, options));

    const update = stubs.lambda.commandCalls(UpdateFunctionConfigurationCommand)[0]?.args[0].input;
    expect(update?.Timeout).toBe(30);
    expect(update?.Environment?.Variables).toEqual({ ...functionEnvironment({ installation, options }, 'encryption'), KEYSTAGE_RELEASE: 'bucket/key@v1' });
  });

  it('plans to restore a key scheduled for deletion', async () => {
    mockCompleteInstallation();
    const keyId = keyArn('prod').split('/')[1];
    stubs.kms.on(DescribeKeyCommand, { KeyId: keyId }).resolves({ KeyMetadata: { KeyId: keyId, Arn: keyArn('prod'), KeyState: 'PendingDeletion' } } as never);

    const changes = describePlan(await planBootstrap(clients, options));

    expect(changes).toEqual([expect.objectContaining({ action: 'restore', resource: 'alias/keystage-prod' })]);
  });

  it('plans a missing alias for a new stage', async () => {
    mockCompleteInstallation();

    const changes = describePlan(await planBootstrap(clients, { ...options, stages: [...STAGES, 'qa'] }));

    const aliasChanges = changes.filter((change) => change.resourceType === 'AWS::Lambda::Alias');
    expect(aliasChanges.map((change) => change.resource)).toEqual(['keystage-encryption:qa', 'keystage-decryption:qa', 'keystage-deploy:qa']);
  });

  it('plans a public access block for a bucket that has none', async () => {
    mockCompleteInstallation();
    stubs.s3.on(GetPublicAccessBlockCommand, { Bucket: CONFIG_BUCKET }).rejects(noConfiguration('NoSuchPublicAccessBlockConfiguration'));

    const changes = describePlan(await planBootstrap(clients, options));

    expect(changes).toEqual([expect.objectContaining({ action: 'create', resourceType: 'AWS::S3::PublicAccessBlock', resource: CONFIG_BUCKET })]);
  });

  it('turns on every public access block flag that is off', async () => {
    mockCompleteInstallation();
    stubs.s3.on(GetPublicAccessBlockCommand, { Bucket: ARTIFACT_BUCKET }).resolves({ PublicAccessBlockConfiguration: { ...PUBLIC_ACCESS_BLOCK, RestrictPublicBuckets: false } });

    await applyPlan(await planBootstrap(clients, options));

    const put = stubs.s3.commandCalls(PutPublicAccessBlockCommand).map((call) => call.args[0].input);
    expect(put).toEqual([{ Bucket: ARTIFACT_BUCKET, PublicAccessBlockConfiguration: PUBLIC_ACCESS_BLOCK }]);
  });

  it('plans default encryption for a bucket without it', async () => {
    mockCompleteInstallation();
    stubs.s3.on(GetBucketEncryptionCommand, { Bucket: ARTIFACT_BUCKET }).rejects(noConfiguration('ServerSideEncryptionConfigurationNotFoundError'));

    const changes = describePlan(await planBootstrap(clients, options));

    expect(changes).toEqual([expect.objectContaining({ action: 'create', resourceType: 'AWS::S3::BucketEncryption', resource: ARTIFACT_BUCKET })]);
  });

  it('replaces a different default encryption with SSE-S3', async () => {
    mockCompleteInstallation();
    stubs.s3
      .on(GetBucketEncryptionCommand, { Bucket: CONFIG_BUCKET })
      .resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } });

    await applyPlan(await planBootstrap(clients, options));

    const put = stubs.s3.commandCalls(PutBucketEncryptionCommand).map((call) => call.args[0].input);
    expect(put).toEqual([{ Bucket: CONFIG_BUCKET, ServerSideEncryptionConfiguration: DEFAULT_ENCRYPTION }]);
  });

  it('plans the TLS-only policy for a bucket without a policy', async () => {
    mockCompleteInstallation();
    stubs.s3.on(GetBucketPolicyCommand, { Bucket: CONFIG_BUCKET }).rejects(noConfiguration('NoSuchBucketPolicy'));

    const changes = describePlan(await planBootstrap(clients, options));

    expect(changes).toEqual([expect.objectContaining({ action: 'create', resourceType: 'AWS::S3::BucketPolicy', resource: CONFIG_BUCKET })]);
  });

  it('adds the TLS-only statement to a policy and keeps its other statements', async () => {
    mockCompleteInstallation();
    const other = { Sid: 'AuditorsRead', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/auditor` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${CONFIG_BUCKET}/*` };
    stubs.s3.on(GetBucketPolicyCommand, { Bucket: CONFIG_BUCKET }).resolves({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [other] }) });

    await applyPlan(await planBootstrap(clients, options));

    const put = stubs.s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input;
    expect(JSON.parse(put?.Policy ?? '{}').Statement).toEqual([other, denyInsecureTransportStatement(CONFIG_BUCKET)]);
  });

  it('adds the prefix tag to a bucket and keeps its other tags', async () => {
    mockCompleteInstallation();
    stubs.s3.on(GetBucketTaggingCommand, { Bucket: ARTIFACT_BUCKET }).resolves({ TagSet: [{ Key: 'cost-center', Value: '42' }] });

    await applyPlan(await planBootstrap(clients, options));

    const put = stubs.s3.commandCalls(PutBucketTaggingCommand)[0]?.args[0].input;
    expect(put?.Tagging?.TagSet).toEqual([{ Key: 'cost-center', Value: '42' }, ...bucketTags('keystage')]);
  });

  it('plans the artifact retention rules when the bucket lacks them', async () => {
    mockCompleteInstallation();
    stubs.s3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: releaseRecordRules() });

    const changes = describePlan(await planBootstrap(clients, options));

    expect(changes).toEqual([expect.objectContaining({ action: 'update', resourceType: 'AWS::S3::BucketLifecycle', resource: ARTIFACT_BUCKET })]);
  });

  it('changes the artifact retention to the days asked for and keeps other rules', async () => {
    mockCompleteInstallation();
    const foreign = { ID: 'abort-uploads', Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } } as const;
    stubs.s3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: [foreign, ...releaseRecordRules(), ...artifactRetentionRules(STAGES, 30)] });

    await applyPlan(await planBootstrap(clients, { ...options, artifactRetentionDays: 90 }));

    const rules = stubs.s3.commandCalls(PutBucketLifecycleConfigurationCommand)[0]?.args[0].input.LifecycleConfiguration?.Rules;
    expect(rules).toEqual([foreign, ...releaseRecordRules(), ...artifactRetentionRules(STAGES, 90)]);
  });

  it('expires replaced artifacts per stage and never under .keystage/', () => {
    const prefixes = artifactRetentionRules(STAGES, 30).map((rule) => rule.Filter?.Prefix);

    expect(prefixes).toEqual(['dev/', 'staging/', 'prod/']);
  });

  it('sets the stage tags of a key that lacks them', async () => {
    mockCompleteInstallation();
    const keyId = keyArn('staging').split('/')[1];
    stubs.kms.on(ListResourceTagsCommand, { KeyId: keyId }).resolves({ Tags: [{ TagKey: 'keystage:stage', TagValue: 'prod' }], Truncated: false });

    await applyPlan(await planBootstrap(clients, options));

    const tagged = stubs.kms.commandCalls(TagResourceCommand).map((call) => call.args[0].input);
    expect(tagged).toEqual([{ KeyId: keyId, Tags: keyTags('keystage', 'staging') }]);
  });
});

describe('the S3 invoke permission', () => {
  it('is planned when the deploy function has none', async () => {
    mockCompleteInstallation();
    stubs.lambda.on(GetPolicyCommand).rejects(notFound(ResourceNotFoundException));

    const changes = describePlan(await planBootstrap(clients, options));

    expect(changes).toEqual([expect.objectContaining({ action: 'create', resourceType: 'AWS::Lambda::Permission' })]);
  });

  it('is replaced when it names another bucket', async () => {
    mockCompleteInstallation();
    stubs.lambda.on(GetPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: [invokeStatement('someone-elses-bucket')] }) });

    await applyPlan(await planBootstrap(clients, options));

    expect(stubs.lambda.commandCalls(RemovePermissionCommand)).toHaveLength(1);
    expect(stubs.lambda.commandCalls(AddPermissionCommand)[0]?.args[0].input).toMatchObject({ SourceArn: `arn:aws:s3:::${ARTIFACT_BUCKET}`, SourceAccount: ACCOUNT });
  });
});

describe('bootstrap options', () => {
  it('turns the TLS-only policy on for AWS and https endpoints', () => {
    expect(resolveTlsOnlyPolicy('auto', undefined)).toBe(true);
    expect(resolveTlsOnlyPolicy('auto', 'https://s3.example.test')).toBe(true);
  });

  it('turns the TLS-only policy off for plain http endpoints', () => {
    expect(resolveTlsOnlyPolicy('auto', 'http://127.0.0.1:4566')).toBe(false);
  });

  it('follows an explicit TLS-only policy mode', () => {
    expect(resolveTlsOnlyPolicy('on', 'http://127.0.0.1:4566')).toBe(true);
    expect(resolveTlsOnlyPolicy('off', undefined)).toBe(false);
  });

  it('rejects an unknown TLS-only policy mode', () => {
    expect(() => resolveTlsOnlyPolicy('maybe', undefined)).toThrow('Invalid --tls-only-policy "maybe"');
  });

  it('rejects a retention of zero days', () => {
    expect(() => parseRetentionDays('0')).toThrow('Invalid --artifact-retention-days "0"');
  });

  it('shows why the TLS-only policy is left out', async () => {
    mockCompleteInstallation();

    const plan = await planBootstrap(clients, { ...options, denyInsecureTransport: false });

    expect(plan.steps).toEqual([]);
    expect(renderPlan(plan)).toContain(`Note: ${CONFIG_BUCKET}: no TLS-only bucket policy`);
  });
});
