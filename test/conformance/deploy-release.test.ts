/**
 * The release flow without invocations (moto cannot run Node.js functions without Docker),
 * driven through the release engine with SDK clients aimed at moto server and at the local
 * cloud, and the outcomes compared.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, GetAliasCommand, LambdaClient, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { deployRecord, DEFAULT_RELEASE_SETTINGS, parseCommand, readLedger, runCommand } from '../../src/core/release/index.js';
import type { ReleaseRuntime } from '../../src/core/release/index.js';
import { loadServiceModel } from '../support/botocore.js';
import type { ServiceModel } from '../support/botocore.js';
import { motoAvailable, startMoto } from '../support/moto.js';
import type { MotoServer } from '../support/moto.js';
import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const BUCKET = 'keystage-artifacts-000000000000-us-east-1';
const FUNCTION = 'keystage-encryption';
const KEY = `dev/${FUNCTION}.zip`;
const DEPLOYABLE = new Set([FUNCTION]);
const CREDENTIALS = { accessKeyId: 'AKIAKEYSTAGETEST0001', secretAccessKey: 'test-secret' };

function zipOf(source: string): Uint8Array {
  return zipSync({ 'index.mjs': new TextEncoder().encode(source) });
}

/** What a scenario leaves behind, free of ids and times. */
interface ScenarioSummary {
  outcomes: string[];
  devAlias: string | undefined;
  stagingAlias: string | undefined;
  stagingLedger: string[];
  publishedVersions: string[];
}

async function runScenario(endpoint: string): Promise<ScenarioSummary> {
  const config = { endpoint, region: 'us-east-1', credentials: CREDENTIALS };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const lambda = new LambdaClient(config);
  const iam = new IAMClient(config);

  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: 'keystage-encryption-role',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    }),
  );
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: FUNCTION,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: role.Role?.Arn,
      Code: { ZipFile: zipOf('export const handler = async () => "initial";') },
      Environment: { Variables: { CONFIG_BUCKET: 'config' } },
    }),
  );

  const runtime: ReleaseRuntime = {
    s3,
    lambda,
    logger: new Logger({ serviceName: 'conformance', logLevel: 'SILENT' }),
    bucket: BUCKET,
    settings: { ...DEFAULT_RELEASE_SETTINGS, leaseMaxWaitMs: 5_000 },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
    remainingTimeMs: () => 600_000,
    owner: 'conformance',
    continueLater: async () => {
      throw new Error('no bake in this scenario');
    },
  };

  async function upload(build: string, metadata: Record<string, string>): Promise<string> {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: zipOf(`export const handler = async () => "${build}";`), Metadata: metadata }));
    return put.VersionId ?? '';
  }

  function record(versionId: string, sequencer: string) {
    return { eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: { key: KEY, size: 100, versionId, sequencer } } };
  }

  const outcomes: string[] = [];
  async function deploy(versionId: string, sequencer: string): Promise<void> {
    const result = await deployRecord(runtime, record(versionId, sequencer), DEPLOYABLE);
    outcomes.push('release' in result ? result.release.outcome : 'ignored');
  }

  const first = await upload('a', { description: 'build a' });
  await deploy(first, '0A');
  await deploy(first, '0A');
  const second = await upload('b', { description: 'build b', strategy: 'all-at-once' });
  const third = await upload('c', { description: 'build c' });
  await deploy(third, '0C');
  await deploy(second, '0B');
  const invalid = await upload('d', { description: 'build d', strategy: 'canary:0:1' });
  await deploy(invalid, '0D');

  const rollback = await runCommand(runtime, parseCommand({ action: 'rollback', function: FUNCTION, stage: 'dev' }, DEPLOYABLE));
  outcomes.push(`rollback:${rollback.outcome}`);
  const promote = await runCommand(runtime, parseCommand({ action: 'promote', function: FUNCTION, fromStage: 'dev', toStage: 'staging' }, DEPLOYABLE));
  outcomes.push(`promote:${promote.outcome}`);

  const devAlias = await lambda.send(new GetAliasCommand({ FunctionName: FUNCTION, Name: 'dev' }));
  const stagingAlias = await lambda.send(new GetAliasCommand({ FunctionName: FUNCTION, Name: 'staging' }));
  const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FUNCTION }));
  const stagingLedger = await readLedger(s3, BUCKET, FUNCTION, 'staging');

  return {
    outcomes,
    devAlias: devAlias.FunctionVersion,
    stagingAlias: stagingAlias.FunctionVersion,
    stagingLedger: stagingLedger.map((entry) => `${entry.kind}:${entry.outcome}:${entry.publishedVersion}`),
    publishedVersions: (versions.Versions ?? []).map((version) => version.Version ?? '').filter((version) => version !== '$LATEST'),
  };
}

const EXPECTED: ScenarioSummary = {
  outcomes: ['succeeded', 'skipped', 'succeeded', 'skipped', 'failed', 'rollback:succeeded', 'promote:succeeded'],
  devAlias: '1',
  stagingAlias: '1',
  stagingLedger: ['promote:succeeded:1'],
  publishedVersions: ['1', '2'],
};

describe.skipIf(!motoAvailable())('release flow on moto and the local cloud', () => {
  let moto: MotoServer;
  let cloud: TestCloud;

  beforeAll(async () => {
    moto = await startMoto();
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await moto?.stop();
    await cloud?.stop();
  });

  it('releases, skips, rolls back and promotes on moto', async () => {
    expect(await runScenario(moto.url)).toEqual(EXPECTED);
  });

  it('gives the same outcomes on the local cloud', async () => {
    expect(await runScenario(cloud.url)).toEqual(EXPECTED);
  });
});

/** Input members and error codes of an operation in a botocore model. */
function operationOf(model: ServiceModel, name: string) {
  const operation = model.operations[name];
  const inputShape = operation?.input ? model.shapes[operation.input.shape] : undefined;
  const outputShape = operation?.output ? model.shapes[operation.output.shape] : undefined;
  return {
    inputMembers: Object.keys(inputShape?.members ?? {}),
    outputMembers: Object.keys(outputShape?.members ?? {}),
    errors: (operation?.errors ?? []).map((error) => error.shape),
  };
}

describe('AWS API facts the release engine relies on, per botocore', () => {
  const lambda = loadServiceModel('lambda');
  const s3 = loadServiceModel('s3');

  it('UpdateFunctionCode takes an object version and rejects bad code', () => {
    const operation = operationOf(lambda, 'UpdateFunctionCode');
    expect(operation.inputMembers).toEqual(expect.arrayContaining(['S3Bucket', 'S3Key', 'S3ObjectVersion']));
    expect(operation.errors).toEqual(expect.arrayContaining(['InvalidParameterValueException', 'ResourceConflictException']));
  });

  it('PublishVersion is guarded by CodeSha256 and conflicts while updating', () => {
    const operation = operationOf(lambda, 'PublishVersion');
    expect(operation.inputMembers).toEqual(expect.arrayContaining(['Description', 'CodeSha256', 'RevisionId']));
    expect(operation.errors).toEqual(expect.arrayContaining(['ResourceConflictException', 'PreconditionFailedException']));
  });

  it('UpdateAlias takes routing and a RevisionId', () => {
    const operation = operationOf(lambda, 'UpdateAlias');
    expect(operation.inputMembers).toEqual(expect.arrayContaining(['FunctionVersion', 'RoutingConfig', 'RevisionId']));
    expect(operation.errors).toEqual(expect.arrayContaining(['PreconditionFailedException', 'ResourceConflictException']));
  });

  it('GetFunction reports LastUpdateStatus for the waiter', () => {
    const configuration = lambda.shapes.FunctionConfiguration?.members ?? {};
    expect(Object.keys(configuration)).toEqual(expect.arrayContaining(['LastUpdateStatus', 'LastUpdateStatusReason', 'LastUpdateStatusReasonCode']));
    expect(lambda.shapes.LastUpdateStatus?.enum).toEqual(['Successful', 'Failed', 'InProgress']);
  });

  it('Invoke reports function errors in FunctionError', () => {
    expect(operationOf(lambda, 'Invoke').outputMembers).toEqual(expect.arrayContaining(['FunctionError', 'Payload']));
  });

  it('PutObject takes If-Match and If-None-Match', () => {
    const members = s3.shapes.PutObjectRequest?.members ?? {};
    expect(members.IfMatch?.locationName).toBe('If-Match');
    expect(members.IfNoneMatch?.locationName).toBe('If-None-Match');
  });
});
