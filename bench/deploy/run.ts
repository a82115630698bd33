// Measures the deploy service on an in-process local cloud. It times an upload until the stage
// alias serves the new build (all-at-once), next to the same release made by hand with the
// minimum Lambda calls. It also counts the AWS API calls one release makes.
// Usage: npx tsx bench/deploy/run.ts [--releases 20]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { zipSync } from 'fflate';

import { buildServices } from '../../src/cli/build.js';
import { DEFAULT_RELEASE_SETTINGS, deployRecord, readLedger } from '../../src/core/release/index.js';
import type { ReleaseRuntime } from '../../src/core/release/index.js';
import { startLocalCloud } from '../../src/localcloud/index.js';

const { values } = parseArgs({ options: { releases: { type: 'string', default: '20' } } });
const RELEASES = Number(values.releases);
const CREDENTIALS = { accessKeyId: 'AKIAKEYSTAGEBENCH001', secretAccessKey: 'bench' };
const REGION = 'us-east-1';
const BUCKET = 'keystage-artifacts-000000000000-us-east-1';
const DEPLOY_FUNCTION = 'keystage-deploy';
const TARGET = 'bench-target';
const MANUAL_TARGET = 'bench-manual';
const POLL_INTERVAL_MS = 25;

process.env.AWS_EC2_METADATA_DISABLED = 'true';

function functionZip(build: string): Uint8Array {
  return zipSync({ 'index.mjs': new TextEncoder().encode(`export const handler = async () => (${JSON.stringify(build)});`) });
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Counts every SDK operation a client sends, once per operation rather than per retry. */
function countOperations(client: S3Client | LambdaClient, counts: Map<string, number>): void {
  const stack = client.middlewareStack as unknown as {
    add(middleware: CountingMiddleware, options: { step: 'initialize'; name: string }): void;
  };
  stack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchOperationCounter' },
  );
}

type CountingMiddleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;

async function invokeAlias(lambda: LambdaClient, functionName: string): Promise<string> {
  const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, Qualifier: 'dev', Payload: Buffer.from('{}') }));
  return Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
}

async function waitUntilServing(lambda: LambdaClient, functionName: string, build: string): Promise<void> {
  const expected = JSON.stringify(build);
  const deadline = Date.now() + 120_000;
  while ((await invokeAlias(lambda, functionName).catch(() => '')) !== expected) {
    if (Date.now() > deadline) throw new Error(`${functionName}:dev did not serve ${build} within 120 seconds.`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-bench-deploy-'));
  const [deployBuild] = await buildServices({ outDir: join(dataDir, 'dist'), services: ['deploy'] });
  const cloud = await startLocalCloud({ dataDir, port: 0, logLevel: 'error' });
  const config = { endpoint: cloud.url, region: REGION, credentials: CREDENTIALS };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const lambda = new LambdaClient(config);

  try {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    const role = await new IAMClient(config).send(new CreateRoleCommand({ RoleName: 'bench-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const createFunction = async (name: string, zip: Uint8Array, variables: Record<string, string>) => {
      await lambda.send(
        new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role.Role?.Arn, Code: { ZipFile: zip }, Timeout: 900, Environment: { Variables: variables } }),
      );
      await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
    };

    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    await createFunction(DEPLOY_FUNCTION, readFileSync(deployBuild?.zipPath ?? ''), { ARTIFACT_BUCKET: BUCKET, DEPLOYABLE_FUNCTIONS: TARGET });
    await lambda.send(new AddPermissionCommand({ FunctionName: DEPLOY_FUNCTION, StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' }));
    await createFunction(TARGET, functionZip('initial'), {});
    await createFunction(MANUAL_TARGET, functionZip('initial'), {});

    const deployArn = `arn:aws:lambda:${REGION}:${cloud.accountId}:function:${DEPLOY_FUNCTION}`;
    const notifications = (enabled: boolean) =>
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: BUCKET,
          NotificationConfiguration: enabled
            ? { LambdaFunctionConfigurations: [{ LambdaFunctionArn: deployArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.zip' }] } } }] }
            : {},
        }),
      );
    await notifications(true);

    const uploadToServingMs: number[] = [];
    for (let index = 0; index < RELEASES; index += 1) {
      const build = `upload-${index}`;
      const startedAt = performance.now();
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `dev/${TARGET}.zip`, Body: functionZip(build), Metadata: { description: build } }));
      await waitUntilServing(lambda, TARGET, build);
      uploadToServingMs.push(performance.now() - startedAt);
    }

    const manualMs: number[] = [];
    for (let index = 0; index < RELEASES; index += 1) {
      const build = `manual-${index}`;
      const startedAt = performance.now();
      await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: MANUAL_TARGET, ZipFile: functionZip(build) }));
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 5 }, { FunctionName: MANUAL_TARGET });
      const published = await lambda.send(new PublishVersionCommand({ FunctionName: MANUAL_TARGET, Description: build }));
      const alias = { FunctionName: MANUAL_TARGET, Name: 'dev', FunctionVersion: published.Version };
      await (index === 0 ? lambda.send(new CreateAliasCommand(alias)) : lambda.send(new UpdateAliasCommand(alias)));
      await waitUntilServing(lambda, MANUAL_TARGET, build);
      manualMs.push(performance.now() - startedAt);
    }

    await notifications(false);
    const counts = new Map<string, number>();
    const countedS3 = new S3Client({ ...config, forcePathStyle: true });
    const countedLambda = new LambdaClient(config);
    countOperations(countedS3, counts);
    countOperations(countedLambda, counts);
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `dev/${TARGET}.zip`, Body: functionZip('counted'), Metadata: { description: 'counted' } }));
    const runtime: ReleaseRuntime = {
      s3: countedS3,
      lambda: countedLambda,
      logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
      bucket: BUCKET,
      settings: DEFAULT_RELEASE_SETTINGS,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
      remainingTimeMs: () => 900_000,
      owner: 'bench',
      continueLater: async () => undefined,
    };
    const record = { eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: { key: `dev/${TARGET}.zip`, size: 1, versionId: put.VersionId, sequencer: 'FFFFFFFFFFFFFFFFFFFF' } } };
    const released = await deployRecord(runtime, record, new Set([TARGET]));
    const releaseCalls = [...counts.values()].reduce((sum, count) => sum + count, 0);
    const breakdown = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, count]) => `${name} ${count}`).join(', ');

    counts.clear();
    await deployRecord(runtime, record, new Set([TARGET]));
    const duplicateCalls = [...counts.values()].reduce((sum, count) => sum + count, 0);

    const stepSamples = new Map<string, number[]>();
    for (const entry of await readLedger(s3, BUCKET, TARGET, 'dev')) {
      if (entry.outcome !== 'succeeded' || entry.objectVersionId === put.VersionId) continue;
      for (const step of entry.steps) stepSamples.set(step.name, [...(stepSamples.get(step.name) ?? []), step.durationMs]);
    }
    const stepMedians = [...stepSamples.entries()].map(([name, samples]) => `${name} ${median(samples).toFixed(0)}`).join(', ');

    const uploadMedian = median(uploadToServingMs);
    const manualMedian = median(manualMs);
    console.log(`Deploy benchmark: ${RELEASES} all-at-once releases each, local cloud in-process (${cloud.url})`);
    console.log(`upload → alias serves new build (deploy function): median ${uploadMedian.toFixed(0)} ms, min ${Math.min(...uploadToServingMs).toFixed(0)} ms, max ${Math.max(...uploadToServingMs).toFixed(0)} ms`);
    console.log(`UpdateFunctionCode → alias serves new build (by hand, 4 calls + waiter): median ${manualMedian.toFixed(0)} ms`);
    console.log(`ratio deploy function / by hand: ${(uploadMedian / manualMedian).toFixed(2)}`);
    console.log(`median step durations inside the deploy function, ms: ${stepMedians}`);
    console.log(`API calls of one release (${'release' in released ? released.release.outcome : 'ignored'}): ${releaseCalls} (${breakdown})`);
    console.log(`API calls of a duplicate delivery: ${duplicateCalls}`);
  } finally {
    await cloud.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
