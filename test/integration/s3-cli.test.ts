import { execFile } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsCliEnvironment, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const run = promisify(execFile);

let cloud: TestCloud;
let workDir: string;
const BUCKET = 'cli-artifacts';
const KEY = 'dev/keystage-encryption.zip';
const DESCRIPTION = 'fix padding in envelope format';
/** Over the CLI's 8 MB multipart threshold, so `aws s3 cp` uploads in parts. */
const UPLOAD_BYTES = 9 * 1024 * 1024 + 123;
const upload = randomBytes(UPLOAD_BYTES);

async function aws(...args: string[]): Promise<string> {
  const { stdout } = await run('aws', ['--endpoint-url', cloud.url, ...args], { env: awsCliEnvironment(cloud.url), maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

beforeAll(async () => {
  cloud = await startTestCloud();
  workDir = mkdtempSync(join(tmpdir(), 'keystage-s3-cli-'));
  writeFileSync(join(workDir, 'artifact.zip'), upload);

  await aws('s3', 'mb', `s3://${BUCKET}`);
  await aws('s3api', 'put-bucket-versioning', '--bucket', BUCKET, '--versioning-configuration', 'Status=Enabled');
  await aws('s3', 'cp', join(workDir, 'artifact.zip'), `s3://${BUCKET}/${KEY}`, '--metadata', `description=${DESCRIPTION}`, '--only-show-errors');
});

afterAll(async () => {
  await cloud?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('AWS CLI', () => {
  it('uploads a file over 8 MB in parts', async () => {
    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', BUCKET, '--key', KEY)) as { ETag: string; ContentLength: number };

    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(head.ContentLength).toBe(UPLOAD_BYTES);
  });

  it('returns the metadata with head-object --query Metadata', async () => {
    const metadata = JSON.parse(await aws('s3api', 'head-object', '--bucket', BUCKET, '--key', KEY, '--query', 'Metadata')) as unknown;

    expect(metadata).toEqual({ description: DESCRIPTION });
  });

  it('lists the object with aws s3 ls', async () => {
    const listing = await aws('s3', 'ls', `s3://${BUCKET}/dev/`);

    expect(listing).toMatch(new RegExp(`\\s${UPLOAD_BYTES} keystage-encryption\\.zip`));
  });

  it('lists the bucket with aws s3 ls', async () => {
    expect(await aws('s3', 'ls')).toContain(BUCKET);
  });

  it('lists the version with list-object-versions', async () => {
    const versions = JSON.parse(await aws('s3api', 'list-object-versions', '--bucket', BUCKET)) as {
      Versions: { Key: string; VersionId: string; IsLatest: boolean; Size: number }[];
    };

    expect(versions.Versions).toHaveLength(1);
    expect(versions.Versions[0]).toMatchObject({ Key: KEY, IsLatest: true, Size: UPLOAD_BYTES });
    expect(versions.Versions[0]?.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('downloads the same bytes', async () => {
    const target = join(workDir, 'downloaded.zip');

    await aws('s3', 'cp', `s3://${BUCKET}/${KEY}`, target, '--only-show-errors');

    const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    expect(digest(readFileSync(target))).toBe(digest(upload));
  });

  it('copies an object over 8 MB between keys in parts', async () => {
    await aws('s3', 'cp', `s3://${BUCKET}/${KEY}`, `s3://${BUCKET}/staging/keystage-encryption.zip`, '--only-show-errors');

    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', BUCKET, '--key', 'staging/keystage-encryption.zip')) as {
      ContentLength: number;
      ETag: string;
    };
    expect(head.ContentLength).toBe(UPLOAD_BYTES);
    expect(head.ETag).toMatch(/-2"$/);
  });

  it('reports a missing key as an error', async () => {
    await expect(aws('s3api', 'head-object', '--bucket', BUCKET, '--key', 'missing')).rejects.toMatchObject({
      stderr: expect.stringContaining('Not Found'),
    });
  });
});
