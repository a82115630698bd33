/**
 * The deploy function built from src/services/deploy, running in the local cloud and triggered
 * by uploads to a versioned artifact bucket, as it runs on AWS.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  InvokeCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compareSequencers, leaseKey, readLedger, smokeEventKey } from '../../src/core/release/index.js';
import type { LedgerEntry } from '../../src/core/release/index.js';
import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const BUCKET = 'keystage-artifacts-000000000000-us-east-1';
const DEPLOY_FUNCTION = 'keystage-deploy';
const TARGETS = ['fn-basic', 'fn-order', 'fn-broken', 'fn-canary', 'fn-crash', 'fn-many', 'fn-commands', 'fn-long-bake'] as const;
/** A second deploy function with a short timeout, for bakes that outlast one invocation. */
const SHORT_DEPLOY_FUNCTION = 'keystage-deploy-short';
const DEPLOY_ZIP = join(import.meta.dirname, '..', '..', 'dist', 'deploy.zip');

/** A zip whose handler returns `build`, or runs `source` as the whole module when given. */
function functionZip(build: string, source?: string): Uint8Array {
  const code = source ?? `export const handler = async () => ({ build: ${JSON.stringify(build)} });`;
  return zipSync({ 'index.mjs': new TextEncoder().encode(code) });
}

describe('deploy function on the local cloud', () => {
  let cloud: TestCloud;
  let s3: S3Client;
  let lambda: LambdaClient;
  let roleArn: string;

  beforeAll(async () => {
    cloud = await startTestCloud({ lambda: { asyncRetryDelaysMs: [200, 400] } });
    s3 = new S3Client(cloud.clientConfig);
    lambda = new LambdaClient(cloud.clientConfig);
    const iam = new IAMClient(cloud.clientConfig);

    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'keystage-test-role', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role?.Arn ?? '';

    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));

    const deployZip = existsSync(DEPLOY_ZIP) ? readFileSync(DEPLOY_ZIP) : undefined;
    if (!deployZip) throw new Error(`${DEPLOY_ZIP} is missing; the test global setup builds it.`);
    await createFunction(DEPLOY_FUNCTION, deployZip, {
      ARTIFACT_BUCKET: BUCKET,
      DEPLOYABLE_FUNCTIONS: TARGETS.join(','),
      KEYSTAGE_LEASE_TTL_SECONDS: '20',
      KEYSTAGE_PROBE_INTERVAL_SECONDS: '0.5',
      KEYSTAGE_SAFETY_MARGIN_SECONDS: '5',
    }, 900);
    await lambda.send(
      new AddPermissionCommand({ FunctionName: DEPLOY_FUNCTION, StatementId: 's3-invoke', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: `arn:aws:s3:::${BUCKET}` }),
    );
    await createFunction(SHORT_DEPLOY_FUNCTION, deployZip, {
      ARTIFACT_BUCKET: BUCKET,
      DEPLOYABLE_FUNCTIONS: 'fn-long-bake',
      KEYSTAGE_PROBE_INTERVAL_SECONDS: '1',
      KEYSTAGE_SAFETY_MARGIN_SECONDS: '3',
    }, 8);
    for (const target of TARGETS) await createFunction(target, functionZip('initial'), { CONFIG_BUCKET: 'config' }, 10);
    await enableNotifications(true);
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  async function createFunction(name: string, zip: Uint8Array, variables: Record<string, string>, timeoutSeconds: number): Promise<void> {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: roleArn,
        Code: { ZipFile: zip },
        Timeout: timeoutSeconds,
        Environment: { Variables: variables },
      }),
    );
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
  }

  async function enableNotifications(enabled: boolean): Promise<void> {
    const deployArn = `arn:aws:lambda:us-east-1:000000000000:function:${DEPLOY_FUNCTION}`;
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: enabled
          ? { LambdaFunctionConfigurations: [{ LambdaFunctionArn: deployArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.zip' }] } } }] }
          : {},
      }),
    );
  }

  async function upload(key: string, body: Uint8Array, metadata: Record<string, string>): Promise<string> {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, Metadata: metadata }));
    return put.VersionId ?? '';
  }

  /** Polls the ledger until `predicate` holds for it, for at most `timeoutMs`. */
  async function ledgerWhen(functionName: string, stage: string, predicate: (entries: LedgerEntry[]) => boolean, timeoutMs = 60_000): Promise<LedgerEntry[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const entries = await readLedger(s3, BUCKET, functionName, stage);
      if (predicate(entries)) return entries;
      if (Date.now() > deadline) throw new Error(`The ledger of ${functionName} in ${stage} did not reach the expected state: ${JSON.stringify(entries, null, 1)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  function entryOf(entries: LedgerEntry[], versionId: string): LedgerEntry | undefined {
    return entries.find((entry) => entry.objectVersionId === versionId);
  }

  async function invokeJson(functionName: string, payload: unknown, qualifier?: string): Promise<{ functionError?: string; body: unknown }> {
    const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, Payload: Buffer.from(JSON.stringify(payload)) }));
    const text = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
    return { functionError: response.FunctionError, body: text ? JSON.parse(text) : null };
  }

  async function aliasVersion(functionName: string, stage: string) {
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: stage }));
    return { version: alias.FunctionVersion, weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} };
  }

  async function publishedVersions(functionName: string): Promise<string[]> {
    const listed = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName }));
    return (listed.Versions ?? []).map((version) => version.Version ?? '').filter((version) => version !== '$LATEST');
  }

  function s3Event(records: Array<{ key: string; versionId: string; sequencer: string }>) {
    return {
      Records: records.map((record) => ({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: BUCKET }, object: { key: record.key, size: 200, versionId: record.versionId, sequencer: record.sequencer } },
      })),
    };
  }

  it('deploys an upload and serves it from the stage alias', async () => {
    const versionId = await upload('dev/fn-basic.zip', functionZip('basic-1'), { description: 'first basic build' });

    const entries = await ledgerWhen('fn-basic', 'dev', (list) => entryOf(list, versionId)?.outcome === 'succeeded');

    const entry = entryOf(entries, versionId);
    expect(entry).toMatchObject({ kind: 'deploy', description: 'first basic build', previousVersion: null });
    expect((await invokeJson('fn-basic', {}, 'dev')).body).toEqual({ build: 'basic-1' });
    expect(await aliasVersion('fn-basic', 'dev')).toEqual({ version: entry?.publishedVersion, weights: {} });
  });

  it('publishes one version for an event delivered twice', async () => {
    const versionId = await upload('dev/fn-basic.zip', functionZip('basic-2'), { description: 'second basic build' });
    const entries = await ledgerWhen('fn-basic', 'dev', (list) => entryOf(list, versionId)?.outcome === 'succeeded');
    const versionsBefore = await publishedVersions('fn-basic');
    const sequencer = entryOf(entries, versionId)?.sequencer ?? '';

    const again = await invokeJson(DEPLOY_FUNCTION, s3Event([{ key: 'dev/fn-basic.zip', versionId, sequencer }]));

    expect(again.body).toMatchObject({ records: [{ outcome: 'skipped', reason: expect.stringMatching(/Duplicate delivery/) }] });
    expect(await publishedVersions('fn-basic')).toEqual(versionsBefore);
  });

  it('handles several records and ignores an older one', async () => {
    await enableNotifications(false);
    const older = await upload('dev/fn-order.zip', functionZip('order-old'), { description: 'older' });
    const newer = await upload('dev/fn-order.zip', functionZip('order-new'), { description: 'newer' });
    const staging = await upload('staging/fn-order.zip', functionZip('order-staging'), { description: 'staging build' });
    await enableNotifications(true);

    const result = await invokeJson(
      DEPLOY_FUNCTION,
      s3Event([
        { key: 'dev/fn-order.zip', versionId: newer, sequencer: '0065F0A1B2C3D4E502' },
        { key: 'staging/fn-order.zip', versionId: staging, sequencer: '0065F0A1B2C3D4E503' },
        { key: 'dev/fn-order.zip', versionId: older, sequencer: '0065F0A1B2C3D4E501' },
      ]),
    );

    expect(result.body).toMatchObject({ records: [{ outcome: 'succeeded' }, { outcome: 'succeeded' }, { outcome: 'skipped', reason: expect.stringMatching(/Late delivery/) }] });
    expect((await invokeJson('fn-order', {}, 'dev')).body).toEqual({ build: 'order-new' });
    expect((await invokeJson('fn-order', {}, 'staging')).body).toEqual({ build: 'order-staging' });
  });

  it('releases good records when another record fails', async () => {
    await enableNotifications(false);
    const good = await upload('prod/fn-basic.zip', functionZip('basic-prod'), { description: 'prod build' });
    const bad = await upload('prod/fn-order.zip', functionZip('order-prod'), { description: 'x'.repeat(257) });
    await enableNotifications(true);

    const result = await invokeJson(
      DEPLOY_FUNCTION,
      s3Event([
        { key: 'prod/fn-order.zip', versionId: bad, sequencer: '0A' },
        { key: 'prod/fn-basic.zip', versionId: good, sequencer: '0A' },
      ]),
    );

    expect(result.functionError).toBe('Unhandled');
    expect(result.body).toMatchObject({ errorType: 'ReleaseBatchError' });
    expect((await invokeJson('fn-basic', {}, 'prod')).body).toEqual({ build: 'basic-prod' });
    expect(entryOf(await readLedger(s3, BUCKET, 'fn-order', 'prod'), bad)).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/257 characters/) });
  });

  it('decodes keys with spaces, plus signs and non-ASCII', async () => {
    const result = await invokeJson(
      DEPLOY_FUNCTION,
      s3Event([
        { key: 'dev/my+build+%2B1.zip', versionId: 'x', sequencer: '01' },
        { key: 'dev/caf%C3%A9.zip', versionId: 'x', sequencer: '01' },
        { key: 'dev/', versionId: 'x', sequencer: '01' },
      ]),
    );

    expect(result.body).toMatchObject({
      records: [
        { key: 'dev/my build +1.zip', outcome: 'ignored' },
        { key: 'dev/café.zip', outcome: 'ignored' },
        { key: 'dev/', outcome: 'ignored' },
      ],
    });
  });

  it('records a corrupt zip and leaves the alias alone', async () => {
    const good = await upload('dev/fn-broken.zip', functionZip('broken-good'), { description: 'good' });
    await ledgerWhen('fn-broken', 'dev', (list) => entryOf(list, good)?.outcome === 'succeeded');
    const before = await aliasVersion('fn-broken', 'dev');

    const corrupt = await upload('dev/fn-broken.zip', new TextEncoder().encode('this is not a zip file'), { description: 'corrupt' });
    const entries = await ledgerWhen('fn-broken', 'dev', (list) => entryOf(list, corrupt)?.outcome === 'failed');

    expect(entryOf(entries, corrupt)?.reason).toMatch(/rejected the code/);
    expect(await aliasVersion('fn-broken', 'dev')).toEqual(before);
  });

  it('turns a Lambda retry of a failed event into a duplicate', async () => {
    const corrupt = await upload('dev/fn-broken.zip', new TextEncoder().encode('still not a zip'), { description: 'corrupt again' });

    const entries = await ledgerWhen('fn-broken', 'dev', (list) => list.filter((entry) => entry.objectVersionId === corrupt).length >= 2, 20_000);

    const outcomes = entries.filter((entry) => entry.objectVersionId === corrupt).map((entry) => entry.outcome);
    expect(outcomes).toEqual(['failed', 'skipped']);
    expect(entries.at(-1)?.reason).toMatch(/Duplicate delivery/);
  });

  it('fails a handler that throws on load before shifting', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: smokeEventKey('fn-broken'), Body: JSON.stringify({ smoke: true }) }));
    const before = await aliasVersion('fn-broken', 'dev');

    const throwing = await upload('dev/fn-broken.zip', functionZip('', 'throw new Error("cannot load config");\nexport const handler = async () => 1;'), {
      description: 'throws on load',
    });
    const entries = await ledgerWhen('fn-broken', 'dev', (list) => entryOf(list, throwing)?.outcome === 'failed');

    expect(entryOf(entries, throwing)?.reason).toMatch(/cannot load config/);
    expect(await aliasVersion('fn-broken', 'dev')).toEqual(before);
  });

  it('rolls a failing canary back to the exact previous routing', async () => {
    const older = await upload('dev/fn-canary.zip', functionZip('canary-older'), { description: 'older' });
    const olderEntries = await ledgerWhen('fn-canary', 'dev', (list) => entryOf(list, older)?.outcome === 'succeeded');
    const stable = await upload('dev/fn-canary.zip', functionZip('canary-stable'), { description: 'stable' });
    const stableEntries = await ledgerWhen('fn-canary', 'dev', (list) => entryOf(list, stable)?.outcome === 'succeeded');
    const routing = { [entryOf(olderEntries, older)?.publishedVersion ?? '']: 0.3 };
    await lambda.send(
      new UpdateAliasCommand({ FunctionName: 'fn-canary', Name: 'dev', FunctionVersion: entryOf(stableEntries, stable)?.publishedVersion ?? undefined, RoutingConfig: { AdditionalVersionWeights: routing } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: smokeEventKey('fn-canary'), Body: JSON.stringify({ smoke: true }) }));
    const before = await aliasVersion('fn-canary', 'dev');

    const counterFile = join(cloud.dataDir, `canary-calls-${randomUUID()}`);
    const degrading = [
      "import { existsSync, readFileSync, writeFileSync } from 'node:fs';",
      `const file = ${JSON.stringify(counterFile)};`,
      'export const handler = async () => {',
      "  const calls = (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0) + 1;",
      '  writeFileSync(file, String(calls));',
      "  if (calls > 1) throw new Error('degraded after the first call');",
      "  return { build: 'canary-degrading' };",
      '};',
    ].join('\n');
    const canary = await upload('dev/fn-canary.zip', functionZip('', degrading), { description: 'degrading', strategy: 'canary:20:10' });

    const entries = await ledgerWhen('fn-canary', 'dev', (list) => entryOf(list, canary)?.outcome === 'rolled-back');

    expect(entryOf(entries, canary)?.reason).toMatch(/degraded after the first call/);
    expect(entryOf(entries, canary)?.steps.map((step) => step.name)).toContain('shift-20');
    expect(before.weights).toEqual(routing);
    expect(await aliasVersion('fn-canary', 'dev')).toEqual(before);
    expect(entryOf(entries, canary)?.previousRouting).toEqual(routing);
  });

  it('finishes a release that crashed between publish and shift', async () => {
    const first = await upload('dev/fn-crash.zip', functionZip('crash-1'), { description: 'before the crash' });
    await ledgerWhen('fn-crash', 'dev', (list) => entryOf(list, first)?.outcome === 'succeeded');

    await enableNotifications(false);
    const key = 'dev/fn-crash.zip';
    const versionId = await upload(key, functionZip('crash-2'), { description: 'crashed release' });
    await enableNotifications(true);
    const update = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-crash', S3Bucket: BUCKET, S3Key: key, S3ObjectVersion: versionId }));
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'fn-crash' });
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-crash', Environment: { Variables: { CONFIG_BUCKET: 'config', KEYSTAGE_RELEASE: `${BUCKET}/${key}@${versionId}` } } }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'fn-crash' });
    const published = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn-crash', Description: 'crashed release', CodeSha256: update.CodeSha256 }));
    const crashedLease = { owner: 'crashed-run', acquiredAt: new Date(Date.now() - 60_000).toISOString(), expiresAt: new Date(Date.now() - 1_000).toISOString() };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: leaseKey('fn-crash', 'dev'), Body: JSON.stringify(crashedLease) }));
    const versionsBefore = await publishedVersions('fn-crash');

    const retried = await invokeJson(DEPLOY_FUNCTION, s3Event([{ key, versionId, sequencer: 'FF00000000000000000' }]));

    expect(retried.body).toMatchObject({ records: [{ outcome: 'succeeded', publishedVersion: published.Version }] });
    expect(await publishedVersions('fn-crash')).toEqual(versionsBefore);
    expect((await invokeJson('fn-crash', {}, 'dev')).body).toEqual({ build: 'crash-2' });
  });

  it('ends 20 concurrent uploads on the newest build', async () => {
    const builds = Array.from({ length: 20 }, (_, index) => `many-${index}`);
    const versionIds = await Promise.all(builds.map((build) => upload('dev/fn-many.zip', functionZip(build), { description: build })));

    const entries = await ledgerWhen('fn-many', 'dev', (list) => versionIds.every((versionId) => list.some((entry) => entry.objectVersionId === versionId && entry.outcome !== 'failed')), 240_000);

    const newest = entries.filter((entry) => entry.outcome === 'succeeded').reduce((best, entry) => (compareSequencers(entry.sequencer ?? '', best.sequencer ?? '') > 0 ? entry : best));
    expect(entries.filter((entry) => entry.outcome === 'failed')).toEqual([]);
    expect(entries.filter((entry) => /ResourceConflict/.test(entry.reason ?? ''))).toEqual([]);
    expect(new Set(entries.map((entry) => entry.objectVersionId))).toEqual(new Set(versionIds));
    expect(entries.filter((entry) => entry.outcome === 'skipped').every((entry) => compareSequencers(entry.sequencer ?? '', newest.sequencer ?? '') < 0)).toBe(true);
    expect((await invokeJson('fn-many', {}, 'dev')).body).toEqual({ build: newest.description });
  }, 300_000);

  it('records promotion and rollback in the ledger', async () => {
    const first = await upload('dev/fn-commands.zip', functionZip('commands-1'), { description: 'commands 1' });
    await ledgerWhen('fn-commands', 'dev', (list) => entryOf(list, first)?.outcome === 'succeeded');
    const second = await upload('dev/fn-commands.zip', functionZip('commands-2'), { description: 'commands 2' });
    const devEntries = await ledgerWhen('fn-commands', 'dev', (list) => entryOf(list, second)?.outcome === 'succeeded');

    const promoted = await invokeJson(DEPLOY_FUNCTION, { action: 'promote', function: 'fn-commands', fromStage: 'dev', toStage: 'prod' });
    const rolledBack = await invokeJson(DEPLOY_FUNCTION, { action: 'rollback', function: 'fn-commands', stage: 'dev' });

    expect(promoted.body).toMatchObject({ outcome: 'succeeded', stage: 'prod', publishedVersion: entryOf(devEntries, second)?.publishedVersion });
    expect(rolledBack.body).toMatchObject({ outcome: 'succeeded', publishedVersion: entryOf(devEntries, first)?.publishedVersion });
    expect((await readLedger(s3, BUCKET, 'fn-commands', 'prod')).map((entry) => `${entry.kind}:${entry.outcome}`)).toEqual(['promote:succeeded']);
    expect((await readLedger(s3, BUCKET, 'fn-commands', 'dev')).at(-1)).toMatchObject({ kind: 'rollback', outcome: 'succeeded' });
    expect((await invokeJson('fn-commands', {}, 'prod')).body).toEqual({ build: 'commands-2' });
    expect((await invokeJson('fn-commands', {}, 'dev')).body).toEqual({ build: 'commands-1' });
  });

  it('continues a long bake in a follow-up invocation', async () => {
    await enableNotifications(false);
    const stable = await upload('dev/fn-long-bake.zip', functionZip('bake-1'), { description: 'stable' });
    const baked = await upload('dev/fn-long-bake.zip', functionZip('bake-2'), { description: 'baked', strategy: 'canary:50:12' });
    await enableNotifications(true);
    await invokeJson(SHORT_DEPLOY_FUNCTION, s3Event([{ key: 'dev/fn-long-bake.zip', versionId: stable, sequencer: '01' }]));

    const first = await invokeJson(SHORT_DEPLOY_FUNCTION, s3Event([{ key: 'dev/fn-long-bake.zip', versionId: baked, sequencer: '02' }]));

    expect(first.body).toMatchObject({ records: [{ outcome: 'continued' }] });
    expect(Object.values((await aliasVersion('fn-long-bake', 'dev')).weights)).toEqual([0.5]);
    const entries = await ledgerWhen('fn-long-bake', 'dev', (list) => entryOf(list, baked)?.outcome === 'succeeded', 60_000);
    expect(entryOf(entries, baked)?.steps.filter((step) => step.name === 'bake-50').length).toBeGreaterThanOrEqual(2);
    expect((await invokeJson('fn-long-bake', {}, 'dev')).body).toEqual({ build: 'bake-2' });
  });
});
