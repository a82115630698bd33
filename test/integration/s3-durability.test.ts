import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

describe('state across a restart', () => {
  let dataDir: string;
  let cloud: TestCloud;
  let s3: S3Client;
  let firstVersion: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keystage-s3-restart-'));
    const first = await startTestCloud({ dataDir });
    const writer = new S3Client(first.clientConfig);
    await writer.send(new CreateBucketCommand({ Bucket: 'durable-bucket' }));
    await writer.send(new PutBucketVersioningCommand({ Bucket: 'durable-bucket', VersioningConfiguration: { Status: 'Enabled' } }));
    firstVersion = (await writer.send(new PutObjectCommand({ Bucket: 'durable-bucket', Key: 'config.json', Body: '{"v":1}', Metadata: { stage: 'dev' } }))).VersionId!;
    await writer.send(new PutObjectCommand({ Bucket: 'durable-bucket', Key: 'config.json', Body: '{"v":2}' }));
    writer.destroy();
    await first.stop();

    cloud = await startTestCloud({ dataDir });
    s3 = new S3Client(cloud.clientConfig);
  });

  afterAll(async () => {
    s3?.destroy();
    await cloud?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the bucket and its versioning', async () => {
    const output = await s3.send(new GetBucketVersioningCommand({ Bucket: 'durable-bucket' }));

    expect(output.Status).toBe('Enabled');
  });

  it('keeps the current object', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: 'durable-bucket', Key: 'config.json' }));

    expect(await output.Body!.transformToString()).toBe('{"v":2}');
  });

  it('keeps older versions with their metadata', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: 'durable-bucket', Key: 'config.json', VersionId: firstVersion }));

    expect(await output.Body!.transformToString()).toBe('{"v":1}');
    expect(output.Metadata).toEqual({ stage: 'dev' });
  });

  it('keeps the version order', async () => {
    const output = await s3.send(new ListObjectVersionsCommand({ Bucket: 'durable-bucket' }));

    expect(output.Versions?.map((version) => version.IsLatest)).toEqual([true, false]);
    expect(output.Versions?.[1]?.VersionId).toBe(firstVersion);
  });
});

describe('concurrent conditional writes', () => {
  let cloud: TestCloud;
  let s3: S3Client;

  beforeAll(async () => {
    cloud = await startTestCloud();
    s3 = new S3Client(cloud.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'lease-bucket' }));
  });

  afterAll(async () => {
    s3?.destroy();
    await cloud?.stop();
  });

  it('lets exactly one If-None-Match: * write win', async () => {
    const writers = Array.from({ length: 8 }, (_, index) =>
      s3.send(new PutObjectCommand({ Bucket: 'lease-bucket', Key: 'lease.json', Body: `writer ${index}`, IfNoneMatch: '*' })),
    );

    const results = await Promise.allSettled(writers);

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(rejected.map((result) => (result.reason as Error).name)).toEqual(Array(7).fill('PreconditionFailed'));
  });

  it('lets exactly one If-Match write of the same ETag win', async () => {
    const base = await s3.send(new PutObjectCommand({ Bucket: 'lease-bucket', Key: 'counter.json', Body: '0' }));
    const writers = Array.from({ length: 5 }, (_, index) =>
      s3.send(new PutObjectCommand({ Bucket: 'lease-bucket', Key: 'counter.json', Body: String(index + 1), IfMatch: base.ETag })),
    );

    const results = await Promise.allSettled(writers);

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });
});
