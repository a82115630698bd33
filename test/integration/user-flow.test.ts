import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { GetAliasCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_REGION } from '../../src/cli/clients.js';
import { stageClientContext } from '../../src/core/release/verification.js';
import { invokeJson } from '../../src/cli/lambda-invoke.js';
import { main } from '../../src/cli/main.js';
import { artifactBucketName, artifactKey } from '../../src/cli/names.js';
import type { Installation } from '../../src/cli/names.js';
import { waitForRelease } from '../../src/cli/release/watch.js';
import { openSession } from '../../src/cli/session.js';
import type { Session } from '../../src/cli/session.js';
import type { AliasStatus } from '../../src/cli/status.js';
import { bringUpStack } from '../../src/cli/up/stack.js';
import type { StackSummary } from '../../src/cli/up/stack.js';
import { TEST_CREDENTIALS, awsCliEnvironment, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { recordingIo } from '../unit/cli/test-io.js';

const run = promisify(execFile);
const STAGES = ['dev', 'staging', 'prod'];
const MESSAGE = 'My super secret message';
const EVENT_FILE = join(import.meta.dirname, '..', '..', 'events', 'encryption.json');

let cloud: TestCloud;
let session: Session;
let installation: Installation;
let summary: StackSummary;
let outDir: string;

/** Runs the CLI in-process against the test cloud and returns its exit code and output. */
async function keystage(...args: string[]): Promise<{ code: number; output: string; errors: string }> {
  const io = recordingIo({ AWS_ENDPOINT_URL: cloud.url, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey });
  const code = await main(args, io);
  return { code, output: io.output(), errors: io.errors() };
}

async function aws(...args: string[]): Promise<string> {
  const { stdout } = await run('aws', ['--endpoint-url', cloud.url, ...args], { env: awsCliEnvironment(cloud.url) });
  return stdout;
}

async function encrypt(stage: string, data = MESSAGE): Promise<{ data: string; keyId: string }> {
  const result = await invokeJson(session.clients, 'keystage-encryption', stage, { data });
  expect(result.functionError, result.text).toBeUndefined();
  return result.payload as { data: string; keyId: string };
}

async function statusRows(): Promise<AliasStatus[]> {
  const result = await keystage('status', '--json');
  expect(result.code, result.errors).toBe(0);
  return JSON.parse(result.output) as AliasStatus[];
}

function row(rows: AliasStatus[], stage: string, service: string): AliasStatus | undefined {
  return rows.find((candidate) => candidate.stage === stage && candidate.service === service);
}

beforeAll(async () => {
  cloud = await startTestCloud({ enforceIam: true });
  outDir = mkdtempSync(join(tmpdir(), 'keystage-flow-dist-'));
  session = openSession({ prefix: 'keystage' }, recordingIo(), { endpoint: cloud.url, region: DEFAULT_REGION, credentials: TEST_CREDENTIALS });
  installation = await session.installation();

  summary = await bringUpStack(session, {
    stages: STAGES,
    outDir,
    build: true,
    description: 'initial release',
    releaseTimeoutMs: 120_000,
    pollIntervalMs: 200,
    log: () => undefined,
  });
});

afterAll(async () => {
  session?.close();
  await cloud?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('keystage user flow', () => {
  it('releases both services through uploads', () => {
    const released = summary.releases.filter((release) => release.result === 'released');

    expect(released).toHaveLength(6);
    expect(released.every((release) => release.entry?.outcome === 'succeeded')).toBe(true);
  });

  it('round-trips a message in every stage', () => {
    expect(summary.roundTrips.map((trip) => [trip.stage, trip.ok, trip.problem])).toEqual(STAGES.map((stage) => [stage, true, undefined]));
  });

  it('plans nothing when bootstrapped again', async () => {
    const result = await keystage('bootstrap', '--dry-run');

    expect(result.code, result.errors).toBe(0);
    expect(result.output).toContain('Nothing to change');
  });

  it('rejects a ciphertext from another stage', async () => {
    const fromDev = await encrypt('dev');

    const result = await invokeJson(session.clients, 'keystage-decryption', 'staging', { data: fromDev.data });

    expect(result.functionError).toBeDefined();
  });

  it('runs a prod version by number as prod', async () => {
    const alias = await session.clients.lambda.send(new GetAliasCommand({ FunctionName: 'keystage-encryption', Name: 'prod' }));

    const response = await session.clients.lambda.send(
      new InvokeCommand({
        FunctionName: 'keystage-encryption',
        Qualifier: alias.FunctionVersion,
        Payload: Buffer.from(JSON.stringify({ data: MESSAGE })),
        ClientContext: stageClientContext('prod'),
      }),
    );

    expect(response.FunctionError).toBeUndefined();
    expect((JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8')) as { stage: string }).stage).toBe('prod');
  });

  it('invokes the dev alias with the AWS CLI', async () => {
    const outFile = join(outDir, 'aws-invoke.json');
    const metadata = JSON.parse(
      await aws('lambda', 'invoke', '--function-name', 'keystage-encryption', '--qualifier', 'dev', '--payload', `fileb://${EVENT_FILE}`, outFile),
    ) as { StatusCode: number; FunctionError?: string };

    expect(metadata.StatusCode).toBe(200);
    expect(metadata.FunctionError).toBeUndefined();
    expect((JSON.parse(readFileSync(outFile, 'utf8')) as { stage: string }).stage).toBe('dev');
  });

  it('shortens the config cache of dev', async () => {
    const result = await keystage('config', 'set', '--stage', 'dev', 'cache.maxAgeSeconds=2');

    expect(result.code, result.errors).toBe(0);
  });

  it('deploys encryption to dev with keystage deploy', async () => {
    const result = await keystage('deploy', 'encryption', '--stage', 'dev', '--description', 'fix padding', '--out-dir', outDir);

    expect(result.code, result.errors).toBe(0);
    expect(result.output).toContain('succeeded');
  });

  it('deploys decryption with an AWS CLI upload', async () => {
    const bucket = artifactBucketName(installation);
    const key = artifactKey('keystage', 'dev', 'decryption');
    const startedAt = new Date();

    await aws('s3', 'cp', join(outDir, 'decryption.zip'), `s3://${bucket}/${key}`, '--metadata', 'description=uploaded with the AWS CLI');
    const metadata = JSON.parse(await aws('s3api', 'head-object', '--bucket', bucket, '--key', key, '--query', 'Metadata')) as Record<string, string>;
    expect(metadata.description).toBe('uploaded with the AWS CLI');

    const entry = await waitForRelease(session.clients, { bucket, functionName: 'keystage-decryption', stage: 'dev', objectKey: key, startedAt, timeoutMs: 60_000, pollIntervalMs: 200 });
    expect(entry.outcome).toBe('succeeded');
  });

  it('shows the new releases in dev only', async () => {
    const rows = await statusRows();

    expect(row(rows, 'dev', 'encryption')?.description).toBe('fix padding');
    expect(row(rows, 'dev', 'decryption')?.description).toBe('uploaded with the AWS CLI');
    expect(row(rows, 'staging', 'encryption')?.description).toBe('initial release');
    expect(row(rows, 'prod', 'decryption')?.description).toBe('initial release');
  });

  it('switches dev key without redeploy', async () => {
    const before = await encrypt('dev');
    const { KeyMetadata } = await session.clients.kms.send(new CreateKeyCommand({ Description: 'second dev key' }));
    await session.clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/keystage-dev-next', TargetKeyId: KeyMetadata?.KeyId }));

    const result = await keystage('config', 'set', '--stage', 'dev', `keyId=${KeyMetadata?.Arn}`);
    expect(result.code, result.errors).toBe(0);
    const changedAt = Date.now();

    let after = await encrypt('dev');
    while (after.keyId !== KeyMetadata?.Arn && Date.now() - changedAt < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await encrypt('dev');
    }
    expect(after.keyId).toBe(KeyMetadata?.Arn);
    // The config max-age is 2 s; the margin covers invocation time on a loaded machine.
    expect(Date.now() - changedAt).toBeLessThan(2000 + 5000);

    const decrypted = await invokeJson(session.clients, 'keystage-decryption', 'dev', { data: before.data });
    expect(decrypted.functionError, decrypted.text).toBeUndefined();
    expect((decrypted.payload as { data: string }).data).toBe(MESSAGE);
  });

  it('rolls dev encryption back to the initial release', async () => {
    const result = await keystage('rollback', 'encryption', '--stage', 'dev');
    expect(result.code, result.errors).toBe(0);

    const rows = await statusRows();
    expect(row(rows, 'dev', 'encryption')?.description).toBe('initial release');
  });

  it('lists every dev encryption release in the history', async () => {
    const result = await keystage('history', 'encryption', '--stage', 'dev', '--json');

    const entries = JSON.parse(result.output) as { kind: string; outcome: string }[];
    expect(entries.map((entry) => `${entry.kind}:${entry.outcome}`)).toEqual(['deploy:succeeded', 'deploy:succeeded', 'rollback:succeeded']);
  });
});
