import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { packZip } from '../../src/cli/build.js';
import { DEFAULT_REGION } from '../../src/cli/clients.js';
import { invokeJson } from '../../src/cli/lambda-invoke.js';
import { main } from '../../src/cli/main.js';
import { openSession } from '../../src/cli/session.js';
import type { Session } from '../../src/cli/session.js';
import type { AliasStatus } from '../../src/cli/status.js';
import { bringUpStack } from '../../src/cli/up/stack.js';
import { TEST_CREDENTIALS, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { recordingIo } from '../unit/cli/test-io.js';

const EVENTS_DIR = join(import.meta.dirname, '..', '..', 'events');

let cloud: TestCloud;
let session: Session;
let scratch: string;

async function keystage(...args: string[]): Promise<{ code: number; output: string; errors: string }> {
  const io = recordingIo({ AWS_ENDPOINT_URL: cloud.url });
  const code = await main(args, io);
  return { code, output: io.output(), errors: io.errors() };
}

async function status(stage: string, service: string): Promise<AliasStatus | undefined> {
  const result = await keystage('status', '--json');
  return (JSON.parse(result.output) as AliasStatus[]).find((row) => row.stage === stage && row.service === service);
}

async function configVersionCount(stage: string): Promise<number> {
  const result = await keystage('config', 'history', '--stage', stage, '--json');
  return (JSON.parse(result.output) as unknown[]).length;
}

beforeAll(async () => {
  cloud = await startTestCloud();
  scratch = mkdtempSync(join(tmpdir(), 'keystage-commands-'));
  session = openSession({ prefix: 'keystage' }, recordingIo(), { endpoint: cloud.url, region: DEFAULT_REGION, credentials: TEST_CREDENTIALS });
  await bringUpStack(session, {
    stages: ['dev', 'staging', 'prod'],
    outDir: scratch,
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
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('keystage build', () => {
  it('prints size and SHA-256 per zip', async () => {
    const result = await keystage('build', 'encryption', '--out-dir', scratch);

    expect(result.code, result.errors).toBe(0);
    expect(result.output).toMatch(/encryption\s+[\d.]+ KB\s+[0-9a-f]{64}\s/);
  });
});

describe('keystage status and history', () => {
  it('shows each stage alias as a table', async () => {
    const result = await keystage('status');

    expect(result.output).toMatch(/dev\s+keystage-encryption\s+dev → \d+\s+initial release/);
    expect(result.output).toMatch(/prod\s+keystage-deploy\s+prod → 1\s+bootstrap: first version/);
  });

  it('shows the ledger as a table', async () => {
    const result = await keystage('history', 'decryption', '--stage', 'staging');

    expect(result.output).toMatch(/^TIME\s+KIND\s+OUTCOME\s+VERSION/);
    expect(result.output).toMatch(/deploy\s+succeeded\s+1 → \d+\s+all-at-once\s+initial release/);
  });
});

describe('keystage invoke', () => {
  it('prints the payload of the stage alias', async () => {
    const result = await keystage('invoke', 'encryption', '--stage', 'prod', '--event', join(EVENTS_DIR, 'encryption.json'));

    expect(result.code, result.errors).toBe(0);
    expect(JSON.parse(result.output).stage).toBe('prod');
  });

  it('exits with 1 on a function error', async () => {
    const result = await keystage('invoke', 'decryption', '--stage', 'dev', '--event', join(EVENTS_DIR, 'decryption.json'));

    expect(result.code).toBe(1);
    expect(result.errors).toContain('keystage-decryption:dev failed: InvalidInputError (400)');
  });

  it('runs the handler in-process with --local', async () => {
    const result = await keystage('invoke', 'encryption', '--stage', 'staging', '--local', '--event', join(EVENTS_DIR, 'encryption.json'));

    expect(result.code, result.errors).toBe(0);
    expect(JSON.parse(result.output).stage).toBe('staging');
  });

  it('names a missing event file', async () => {
    const result = await keystage('invoke', 'encryption', '--stage', 'dev', '--event', join(scratch, 'missing.json'));

    expect(result.code).toBe(1);
    expect(result.errors).toContain('Cannot read the event file');
  });
});

describe('keystage deploy', () => {
  it('rejects a stage without an alias', async () => {
    const result = await keystage('deploy', 'encryption', '--stage', 'qa', '-d', 'x', '--zip', join(scratch, 'encryption.zip'));

    expect(result.code).toBe(1);
    expect(result.errors).toContain('has no alias "qa"');
  });

  it('follows a canary release step by step', async () => {
    const result = await keystage('deploy', 'encryption', '--stage', 'dev', '-d', 'canary release', '--strategy', 'canary:10:1', '--zip', join(scratch, 'encryption.zip'));

    expect(result.code, result.errors).toBe(0);
    expect(result.errors).toMatch(/published version \d+/);
    expect(result.errors).toMatch(/10 % of traffic on version \d+/);
    expect(result.errors).toMatch(/100 % of traffic on version \d+/);
    expect((await status('dev', 'encryption'))?.description).toBe('canary release');
  });

  it('exits with 1 when verification fails', async () => {
    const broken = join(scratch, 'broken.zip');
    writeFileSync(broken, packZip({ 'index.mjs': Buffer.from('export const handler = async () => { throw new Error("broken build"); };') }));
    const before = await status('dev', 'encryption');

    const result = await keystage('deploy', 'encryption', '--stage', 'dev', '-d', 'broken build', '--zip', broken);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('broken build');
    expect((await status('dev', 'encryption'))?.version).toBe(before?.version);
  });
});

describe('keystage promote', () => {
  it('moves staging to the dev version', async () => {
    const dev = await status('dev', 'encryption');

    const result = await keystage('promote', 'encryption', '--from', 'dev', '--to', 'staging');

    expect(result.code, result.errors).toBe(0);
    expect((await status('staging', 'encryption'))?.version).toBe(dev?.version);
  });
});

describe('keystage config', () => {
  it('leaves the config unchanged when validation fails', async () => {
    const versions = await configVersionCount('prod');

    const result = await keystage('config', 'set', '--stage', 'prod', 'defaultFormat=rot13');

    expect(result.code).toBe(1);
    expect(result.errors).toContain('defaultFormat');
    expect(await configVersionCount('prod')).toBe(versions);
  });

  it('rejects assignments together with a file', async () => {
    const result = await keystage('config', 'set', '--stage', 'prod', 'signing=true', '--file', join(scratch, 'config.json'));

    expect(result.code).toBe(1);
    expect(result.errors).toContain('not both');
  });

  it('rolls back to the previous version', async () => {
    await keystage('config', 'set', '--stage', 'prod', 'defaultFormat=kms');

    const result = await keystage('config', 'rollback', '--stage', 'prod');
    const current = await keystage('config', 'get', '--stage', 'prod');

    expect(result.code, result.errors).toBe(0);
    expect(JSON.parse(current.output).defaultFormat).toBeUndefined();
  });
});

describe('keystage logs', () => {
  it('prints only the lines of one stage', async () => {
    const result = await keystage('logs', 'encryption', '--stage', 'prod', '--since', '1h');

    expect(result.code, result.errors).toBe(0);
    const lines = result.output.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.includes('"stage":"prod"'))).toBe(true);
  });

  it('follows new events until interrupted', async () => {
    const io = recordingIo({ AWS_ENDPOINT_URL: cloud.url });
    const following = main(['logs', 'encryption', '--stage', 'staging', '--since', '1s', '--follow'], io);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    await invokeJson(session.clients, 'keystage-encryption', 'staging', { data: 'followed' });
    const deadline = Date.now() + 15_000;
    while (!io.output().includes('Request completed') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    io.interrupt();

    expect(await following).toBe(0);
    expect(io.output()).toContain('Request completed');
  });

  it('rejects an invalid --since', async () => {
    const result = await keystage('logs', 'encryption', '--since', 'yesterday');

    expect(result.code).toBe(1);
    expect(result.errors).toContain('Invalid --since "yesterday"');
  });
});
