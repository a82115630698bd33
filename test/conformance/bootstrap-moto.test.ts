/**
 * `keystage bootstrap` and `keystage destroy` against moto server, an AWS-compatible endpoint
 * the local cloud did not write: bootstrap from nothing, a second bootstrap that only reads, a
 * deploy through the artifact bucket's control-plane path, and a destroy that leaves nothing.
 * Moto cannot run Node.js functions, so the deploy releases decryption, which has no smoke
 * event, and the release engine runs in-process with the S3 event of the upload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ListRolesCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, paginateListKeys } from '@aws-sdk/client-kms';
import { GetAliasCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  DeleteBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { denyInsecureTransportStatement } from '../../src/cli/bootstrap/bucket-settings.js';
import { listKeyAliases } from '../../src/cli/bootstrap/keys.js';
import { applyPlan, planBootstrap } from '../../src/cli/bootstrap/plan.js';
import { SERVICE_NAMES } from '../../src/cli/build.js';
import type { ServiceName } from '../../src/cli/build.js';
import { main } from '../../src/cli/main.js';
import { artifactBucketName, artifactKey, configBucketName } from '../../src/cli/names.js';
import type { Installation } from '../../src/cli/names.js';
import { openSession } from '../../src/cli/session.js';
import type { Session } from '../../src/cli/session.js';
import { DEFAULT_RELEASE_SETTINGS, deployRecord, readLedger } from '../../src/core/release/index.js';
import type { ReleaseRuntime } from '../../src/core/release/index.js';
import { motoAvailable, startMoto } from '../support/moto.js';
import type { MotoServer } from '../support/moto.js';
import { recordingIo } from '../unit/cli/test-io.js';

const CREDENTIALS = { accessKeyId: 'AKIAKEYSTAGETEST0001', secretAccessKey: 'test-secret' };
const STAGES = ['dev', 'staging', 'prod'];

/** The part of an SDK client's middleware stack the test uses, shared by every client type. */
interface WatchedClient {
  middlewareStack: { add(middleware: unknown, options: { step: string; name: string }): void; remove(name: string): boolean };
}

describe.skipIf(!motoAvailable())('bootstrap and destroy on moto', () => {
  let moto: MotoServer;
  let session: Session;
  let installation: Installation;
  let outDir: string;

  async function keystage(...args: string[]): Promise<{ code: number; output: string; errors: string }> {
    const io = recordingIo({ AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
    const code = await main(args, io);
    return { code, output: io.output(), errors: io.errors() };
  }

  beforeAll(async () => {
    moto = await startMoto();
    outDir = mkdtempSync(join(tmpdir(), 'keystage-moto-dist-'));
    session = openSession({ prefix: 'keystage' }, recordingIo(), { endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
    installation = await session.installation();
  });

  afterAll(async () => {
    session?.close();
    await moto?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('bootstraps an empty account', async () => {
    const result = await keystage('bootstrap', '--yes', '--out-dir', outDir);

    expect(result.code, result.errors).toBe(0);
    expect(result.errors).toContain('Bootstrap complete');
  });

  it('says why the buckets get no TLS-only policy on a plain http endpoint', async () => {
    const result = await keystage('bootstrap', '--dry-run', '--json', '--out-dir', outDir);

    expect(JSON.parse(result.output).notices).toEqual([expect.stringContaining(configBucketName(installation)), expect.stringContaining(artifactBucketName(installation))]);
  });

  it('blocks public access and encrypts both buckets', async () => {
    for (const bucket of [configBucketName(installation), artifactBucketName(installation)]) {
      const block = await session.clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
      const encryption = await session.clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));

      expect(Object.values(block.PublicAccessBlockConfiguration ?? {})).toEqual([true, true, true, true]);
      expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    }
  });

  it('refuses every plain http request once the TLS-only policy is on, as AWS would', async () => {
    const bucket = configBucketName(installation);
    await session.clients.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [denyInsecureTransportStatement(bucket)] }) }));

    try {
      const denied = await session.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'probe.txt', Body: 'x' })).catch((error: unknown) => error);
      expect((denied as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
    } finally {
      await session.clients.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    }
  });

  it('expires replaced artifacts after 30 days', async () => {
    const { Rules } = await session.clients.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: artifactBucketName(installation) }));
    const devRule = Rules?.find((rule) => rule.Filter?.Prefix === 'dev/');

    expect(devRule?.NoncurrentVersionExpiration?.NoncurrentDays).toBe(30);
  });

  it('makes no write call on a second run', async () => {
    const commands: string[] = [];
    const recorder = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      commands.push(context.commandName ?? 'unknown');
      return next(args);
    };
    const { s3, kms, lambda, iam, sts, logs } = session.clients;
    const watched = [s3, kms, lambda, iam, sts, logs] as unknown as WatchedClient[];
    for (const client of watched) client.middlewareStack.add(recorder, { step: 'initialize', name: 'recordCommandNames' });

    try {
      const zips = Object.fromEntries(SERVICE_NAMES.map((service) => [service, join(outDir, `${service}.zip`)])) as Record<ServiceName, string>;
      const plan = await planBootstrap(session.clients, { ...installation, stages: STAGES, zips, denyInsecureTransport: false });
      await applyPlan(plan);

      expect(plan.steps.map((step) => `${step.resourceType} ${step.resource}: ${step.detail}`)).toEqual([]);
    } finally {
      for (const client of watched) client.middlewareStack.remove('recordCommandNames');
    }
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((name) => !/^(Get|List|Head|Describe)/.test(name))).toEqual([]);
  });

  it('releases an upload to the artifact bucket through the release engine', async () => {
    const bucket = artifactBucketName(installation);
    const key = artifactKey('keystage', 'dev', 'decryption');
    const zip = await import('node:fs/promises').then((fs) => fs.readFile(join(outDir, 'decryption.zip')));
    const upload = await session.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip, Metadata: { description: 'release on moto' } }));

    const runtime: ReleaseRuntime = {
      s3: session.clients.s3,
      lambda: session.clients.lambda,
      logger: new Logger({ serviceName: 'conformance', logLevel: 'SILENT' }),
      bucket,
      settings: { ...DEFAULT_RELEASE_SETTINGS, leaseMaxWaitMs: 5_000 },
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
      remainingTimeMs: () => 600_000,
      owner: 'conformance',
      continueLater: async () => {
        throw new Error('no bake in this release');
      },
    };
    const record = { eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key, size: zip.length, versionId: upload.VersionId, sequencer: '0A' } } };
    const result = await deployRecord(runtime, record, new Set(SERVICE_NAMES.map((service) => `keystage-${service}`)));

    expect('release' in result ? result.release.outcome : 'ignored').toBe('succeeded');
    const alias = await session.clients.lambda.send(new GetAliasCommand({ FunctionName: 'keystage-decryption', Name: 'dev' }));
    expect(alias.FunctionVersion).toBe('2');
    const ledger = await readLedger(session.clients.s3, bucket, 'keystage-decryption', 'dev');
    expect(ledger.map((entry) => entry.description)).toEqual(['release on moto']);
  });

  it('destroys everything bootstrap made', async () => {
    const keyIds = [...(await listKeyAliases(session.clients.kms)).entries()].filter(([alias]) => alias.startsWith('alias/keystage-')).map(([, keyId]) => keyId as string);

    const result = await keystage('destroy', '--yes');

    expect(result.code, result.errors).toBe(0);
    expect(result.errors).toContain(`account ${installation.accountId}, region us-east-1`);
    const { Buckets } = await session.clients.s3.send(new ListBucketsCommand({}));
    const { Roles } = await session.clients.iam.send(new ListRolesCommand({}));
    const { Functions } = await session.clients.lambda.send(new ListFunctionsCommand({}));
    const aliases = [...(await listKeyAliases(session.clients.kms)).keys()].filter((alias) => alias.startsWith('alias/keystage-'));
    expect({
      buckets: (Buckets ?? []).map((bucket) => bucket.Name),
      roles: (Roles ?? []).map((role) => role.RoleName).filter((name) => name?.startsWith('keystage-')),
      functions: (Functions ?? []).map((fn) => fn.FunctionName),
      aliases,
    }).toEqual({ buckets: [], roles: [], functions: [], aliases: [] });

    const states: string[] = [];
    for await (const page of paginateListKeys({ client: session.clients.kms }, {})) {
      for (const key of page.Keys ?? []) {
        const { KeyMetadata } = await session.clients.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
        if (keyIds.includes(KeyMetadata?.KeyId as string)) states.push(KeyMetadata?.KeyState as string);
      }
    }
    expect(states).toEqual(['PendingDeletion', 'PendingDeletion', 'PendingDeletion']);
  });
});
