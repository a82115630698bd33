import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GetRoleCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetFunctionConfigurationCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listKeyAliases } from '../../src/cli/bootstrap/keys.js';
import { applyPlan, planBootstrap } from '../../src/cli/bootstrap/plan.js';
import { SERVICE_NAMES } from '../../src/cli/build.js';
import type { ServiceName } from '../../src/cli/build.js';
import { DEFAULT_REGION } from '../../src/cli/clients.js';
import { main } from '../../src/cli/main.js';
import { artifactBucketName, configBucketName } from '../../src/cli/names.js';
import { openSession } from '../../src/cli/session.js';
import type { Session } from '../../src/cli/session.js';
import { TEST_CREDENTIALS, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { recordingIo } from '../unit/cli/test-io.js';

/** The part of an SDK client's middleware stack the test uses, shared by every client type. */
interface WatchedClient {
  middlewareStack: { add(middleware: unknown, options: { step: string; name: string }): void; remove(name: string): boolean };
}

let cloud: TestCloud;
let session: Session;
let outDir: string;

/** Runs the CLI in-process; bootstrap builds its zips into the test's own folder. */
async function keystage(...args: string[]): Promise<{ code: number; output: string; errors: string }> {
  const io = recordingIo({ AWS_ENDPOINT_URL: cloud.url });
  const extra = args[0] === 'bootstrap' ? ['--out-dir', outDir] : [];
  const code = await main([...args, ...extra], io);
  return { code, output: io.output(), errors: io.errors() };
}

async function keyState(stage: string): Promise<string | undefined> {
  const keyId = (await listKeyAliases(session.clients.kms)).get(`alias/keystage-${stage}`);
  if (!keyId) return undefined;
  const { KeyMetadata } = await session.clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  return KeyMetadata?.KeyState;
}

async function functionExists(name: string): Promise<boolean> {
  try {
    await session.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

async function bucketExists(bucket: string): Promise<boolean> {
  try {
    await session.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch {
    return false;
  }
}

/** Names every resource of prefix keystage that still exists. */
async function leftovers(): Promise<string[]> {
  const installation = await session.installation();
  const found: string[] = [];
  for (const bucket of [configBucketName(installation), artifactBucketName(installation)]) if (await bucketExists(bucket)) found.push(bucket);
  for (const service of SERVICE_NAMES) {
    if (await functionExists(`keystage-${service}`)) found.push(`function keystage-${service}`);
    const role = await session.clients.iam.send(new GetRoleCommand({ RoleName: `keystage-${service}` })).catch((error: unknown) => {
      if (error instanceof NoSuchEntityException) return undefined;
      throw error;
    });
    if (role) found.push(`role keystage-${service}`);
  }
  for (const alias of (await listKeyAliases(session.clients.kms)).keys()) if (alias.startsWith('alias/keystage-')) found.push(alias);
  return found;
}

beforeAll(async () => {
  cloud = await startTestCloud();
  outDir = mkdtempSync(join(tmpdir(), 'keystage-bootstrap-dist-'));
  session = openSession({ prefix: 'keystage' }, recordingIo(), { endpoint: cloud.url, region: DEFAULT_REGION, credentials: TEST_CREDENTIALS });
});

afterAll(async () => {
  session?.close();
  await cloud?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('keystage bootstrap and destroy', () => {
  it('changes nothing without confirmation', async () => {
    const result = await keystage('bootstrap');

    expect(result.code).toBe(1);
    expect(result.errors).toContain('Nothing was changed');
    expect(await bucketExists(configBucketName(await session.installation()))).toBe(false);
  });

  it('refuses to apply without a terminal', async () => {
    const io = recordingIo({ AWS_ENDPOINT_URL: cloud.url }, true, false);
    const code = await main(['bootstrap', '--out-dir', outDir], io);

    expect(code).toBe(1);
    expect(io.errors()).toContain('standard input is not a TTY');
    expect(await bucketExists(configBucketName(await session.installation()))).toBe(false);
  });

  it('creates every resource with --yes', async () => {
    const result = await keystage('bootstrap', '--yes', '--tls-only-policy', 'on');

    expect(result.code, result.errors).toBe(0);
    expect(await keyState('prod')).toBe('Enabled');
    for (const service of SERVICE_NAMES) expect(await functionExists(`keystage-${service}`)).toBe(true);
  });

  it('secures both buckets', async () => {
    const installation = await session.installation();
    for (const bucket of [configBucketName(installation), artifactBucketName(installation)]) {
      const block = await session.clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
      const encryption = await session.clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      const policy = await session.clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));

      expect(block.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
      expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
      expect(JSON.parse(policy.Policy ?? '{}').Statement[0].Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    }
  });

  it('sends only read calls on a second run', async () => {
    const commands: string[] = [];
    const recorder = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      commands.push(context.commandName ?? 'unknown');
      return next(args);
    };
    const { s3, kms, lambda, iam, sts, logs } = session.clients;
    const watched = [s3, kms, lambda, iam, sts, logs] as unknown as WatchedClient[];
    for (const client of watched) client.middlewareStack.add(recorder, { step: 'initialize', name: 'recordCommandNames' });

    const installation = await session.installation();
    const zips = Object.fromEntries(SERVICE_NAMES.map((service) => [service, join(outDir, `${service}.zip`)])) as Record<ServiceName, string>;
    const plan = await planBootstrap(session.clients, { ...installation, stages: ['dev', 'staging', 'prod'], zips, denyInsecureTransport: true });
    await applyPlan(plan);

    for (const client of watched) client.middlewareStack.remove('recordCommandNames');
    expect(plan.steps).toEqual([]);
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((name) => !/^(Get|List|Head|Describe)/.test(name))).toEqual([]);
  });

  it('prints an empty plan as JSON', async () => {
    const result = await keystage('bootstrap', '--dry-run', '--json');

    expect(JSON.parse(result.output).changes).toEqual([]);
  });

  it('deletes nothing without confirmation', async () => {
    const result = await keystage('destroy');

    expect(result.code).toBe(1);
    expect(result.errors).toContain('account 000000000000, region us-east-1');
    expect(await functionExists('keystage-encryption')).toBe(true);
  });

  it('refuses without a terminal and without --yes', async () => {
    const io = recordingIo({ AWS_ENDPOINT_URL: cloud.url }, true, false);
    const code = await main(['destroy'], io);

    expect(code).toBe(1);
    expect(io.errors()).toContain('pass --yes');
    expect(await functionExists('keystage-encryption')).toBe(true);
  });

  it('removes what bootstrap made', async () => {
    const keyIds = [...(await listKeyAliases(session.clients.kms)).entries()].filter(([alias]) => alias.startsWith('alias/keystage-')).map(([, keyId]) => keyId as string);
    const result = await keystage('destroy', '--yes');

    expect(result.code, result.errors).toBe(0);
    expect(result.errors).toContain('pending deletion for 7 days');
    expect(await leftovers()).toEqual([]);
    for (const keyId of keyIds) {
      const { KeyMetadata } = await session.clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      expect(KeyMetadata?.KeyState).toBe('PendingDeletion');
    }
  });

  it('creates new keys on the next bootstrap', async () => {
    const plan = await keystage('bootstrap', '--dry-run', '--json');
    const keyChanges = (JSON.parse(plan.output) as { changes: { action: string; resourceType: string }[] }).changes.filter((change) => change.resourceType === 'AWS::KMS::Key');
    expect(keyChanges.map((change) => change.action)).toEqual(['create', 'create', 'create']);

    const result = await keystage('bootstrap', '--yes');
    expect(result.code, result.errors).toBe(0);
    expect(await keyState('dev')).toBe('Enabled');
  });
});
