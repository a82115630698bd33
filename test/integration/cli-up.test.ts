import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';

import { packZip } from '../../src/cli/build.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'keystage.js');
const dataDir = mkdtempSync(join(tmpdir(), 'keystage-up-data-'));
const outDir = mkdtempSync(join(tmpdir(), 'keystage-up-dist-'));
/** The folder `up` runs in, where it records the cloud it serves for other commands. */
const workDir = mkdtempSync(join(tmpdir(), 'keystage-up-work-'));
const running: ChildProcess[] = [];

/** A running `keystage up` with what it printed so far. */
interface UpProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function cliEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' };
  delete env.AWS_ENDPOINT_URL;
  return env;
}

function startUp(...extra: string[]): UpProcess {
  const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data-dir', dataDir, '--out-dir', outDir, ...extra], {
    env: cliEnvironment(),
    cwd: workDir,
  });
  running.push(child);

  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitForServing(up: UpProcess, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!up.stderr().includes('Serving; press Ctrl-C to stop.')) {
    if (up.child.exitCode !== null) throw new Error(`keystage up exited early:\n${up.stderr()}`);
    if (Date.now() > deadline) throw new Error(`keystage up was not serving after ${timeoutMs} ms:\n${up.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('keystage up', () => {
  it('serves a working system and stops on Ctrl-C', async () => {
    const up = startUp();
    await waitForServing(up);

    expect(up.stdout()).toMatch(/dev\s+keystage-encryption\s+dev → \d+\s+initial release/);
    expect(up.stdout()).toMatch(/staging\s+ok\s/);
    expect(up.stdout()).toMatch(/export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+/);

    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
    expect(up.stderr()).toContain('Stopped.');
  }, 180_000);

  it('reuses the state of the data directory', async () => {
    const up = startUp('--no-build');
    await waitForServing(up);

    const status = spawnSync(process.execPath, [BIN, 'status'], { env: cliEnvironment(), cwd: workDir, encoding: 'utf8' });
    expect(status.stderr).toContain('Using the local cloud at http://127.0.0.1:');
    expect(status.stdout).toMatch(/dev\s+keystage-encryption\s+dev → \d+/);
    expect(status.status).toBe(0);

    expect(up.stderr()).toContain('Bootstrap: every resource is in place.');
    expect(up.stderr().match(/already runs this build/g), up.stderr()).toHaveLength(6);
    expect(up.stderr()).not.toContain('uploaded s3://');

    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
  }, 180_000);

  it('releases a changed deploy function through itself', async () => {
    const zipPath = join(outDir, 'deploy.zip');
    const files = unzipSync(readFileSync(zipPath));
    writeFileSync(zipPath, packZip({ ...files, 'NOTICE.txt': Buffer.from('changed build') }));

    const up = startUp('--no-build');
    await waitForServing(up);

    for (const stage of ['dev', 'staging', 'prod']) expect(up.stderr()).toMatch(new RegExp(`\\[${stage}\\] keystage-deploy: succeeded`));
    expect(up.stderr().match(/already runs this build/g)).toHaveLength(6);

    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
  }, 180_000);

  it('names a port that is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;

    const up = startUp('--port', String(port));
    const code = await up.exited;
    blocker.close();

    expect(code).toBe(1);
    expect(up.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
  }, 60_000);
});
