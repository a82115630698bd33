import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';

import { TEST_CREDENTIALS, TEST_REGION } from '../support/localcloud.js';

const SERVE_SCRIPT = join(import.meta.dirname, '..', 'support', 'serve-localcloud.ts');

interface ServedCloud {
  child: ChildProcess;
  url: string;
}

function serve(dataDir: string): Promise<ServedCloud> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE_SCRIPT, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`local cloud exited early with code ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve({ child, url: chunk.toString().trim() }));
  });
}

function s3Client(url: string): S3Client {
  return new S3Client({ endpoint: url, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
}

describe('local cloud durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-durability-'));
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write after kill -9', async () => {
    const first = await serve(dataDir);
    children.push(first.child);
    const client = s3Client(first.url);
    await client.send(new CreateBucketCommand({ Bucket: 'durable' }));

    const acknowledged: string[] = [];
    const writers = Array.from({ length: 4 }, async (_, writer) => {
      for (let index = 0; ; index += 1) {
        const key = `w${writer}/object-${index}`;
        try {
          await client.send(new PutObjectCommand({ Bucket: 'durable', Key: key, Body: `body of ${key}` }));
          acknowledged.push(key);
        } catch {
          return;
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    first.child.kill('SIGKILL');
    await Promise.all(writers);
    client.destroy();

    const second = await serve(dataDir);
    children.push(second.child);
    const reader = s3Client(second.url);
    const missing: string[] = [];
    for (const key of acknowledged) {
      try {
        const object = await reader.send(new GetObjectCommand({ Bucket: 'durable', Key: key }));
        const body = await object.Body?.transformToString();
        if (body !== `body of ${key}`) missing.push(key);
      } catch {
        missing.push(key);
      }
    }
    reader.destroy();
    second.child.kill('SIGTERM');

    expect(acknowledged.length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
