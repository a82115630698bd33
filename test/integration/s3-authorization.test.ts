import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AccessDeniedError } from '../../src/localcloud/errors.js';
import { createLogger } from '../../src/localcloud/log.js';
import { createS3Provider } from '../../src/localcloud/s3/provider.js';
import { startServer } from '../../src/localcloud/server.js';
import type { RunningServer } from '../../src/localcloud/server.js';
import { BlobStore } from '../../src/localcloud/store/blobs.js';
import { openDatabase } from '../../src/localcloud/store/database.js';
import type { SqliteDatabase } from '../../src/localcloud/store/database.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../support/localcloud.js';

const BUCKET = 'guarded-bucket';
const PRINCIPAL = 'arn:aws:iam::000000000000:user/tester';

/** Denies deleting and reading anything under `protected/`, and allows every other call. */
function authorize(action: string, resources: string | string[]): void {
  const resource = Array.isArray(resources) ? resources[0]! : resources;
  const guarded = resource.startsWith(`arn:aws:s3:::${BUCKET}/protected/`);
  if (guarded && (action.startsWith('s3:DeleteObject') || action.startsWith('s3:GetObject'))) {
    throw new AccessDeniedError(PRINCIPAL, action, resource);
  }
}

const checked: string[] = [];
let dataDir: string;
let db: SqliteDatabase;
let server: RunningServer;
let s3: S3Client;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'keystage-s3-iam-'));
  db = openDatabase(dataDir);
  const logger = createLogger('error');
  const provider = createS3Provider(
    { db, blobs: new BlobStore(dataDir), dataDir, accountId: '000000000000', logger, endpointUrl: () => server.url },
    { events: { invokeAsync: () => undefined, functionExists: () => true } },
  );
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    accountId: '000000000000',
    defaultRegion: TEST_REGION,
    providers: [provider],
    authorizerFor: () => (action, resources) => {
      checked.push(`${action} ${String(resources)}`);
      authorize(action, resources);
    },
    logger,
  });
  s3 = new S3Client({ endpoint: server.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true });

  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'protected/secret.txt', Body: 'secret' }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'open/readme.txt', Body: 'open' }));
});

afterAll(async () => {
  s3?.destroy();
  await new Promise<void>((resolve) => server?.server.close(() => resolve()));
  db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('IAM checks', () => {
  it('checks s3:PutObject on the object ARN', () => {
    expect(checked).toContain(`s3:PutObject arn:aws:s3:::${BUCKET}/open/readme.txt`);
  });

  it('returns AccessDenied for a denied GetObject', async () => {
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'protected/secret.txt' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('returns AccessDenied for a denied DeleteObject and keeps the object', async () => {
    await expect(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'protected/secret.txt' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('reports denied DeleteObjects keys per key', async () => {
    const output = await s3.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'protected/secret.txt' }, { Key: 'open/readme.txt' }] } }),
    );

    expect(output.Deleted?.map((entry) => entry.Key)).toEqual(['open/readme.txt']);
    expect(output.Errors?.map((entry) => [entry.Key, entry.Code])).toEqual([['protected/secret.txt', 'AccessDenied']]);
  });

  it('checks read access to the source of a copy', async () => {
    await expect(
      s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'open/copy.txt', CopySource: `${BUCKET}/protected/secret.txt` })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('checks s3:ListBucket on the bucket ARN for a listing', async () => {
    const response = await fetch(`${server.url}/${BUCKET}?list-type=2`, { headers: { authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/20240101/us-east-1/s3/aws4_request` } });

    expect(response.status).toBe(200);
    expect(checked).toContain(`s3:ListBucket arn:aws:s3:::${BUCKET}`);
  });
});
