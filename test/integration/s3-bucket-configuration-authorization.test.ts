import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
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

const BUCKET = 'configured-guarded-bucket';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const PRINCIPAL = 'arn:aws:iam::000000000000:user/tester';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: BUCKET_ARN }],
});

/** Every IAM check the server ran, as "action resource". */
const checked: string[] = [];
/** The action that the test authorizer denies, if any. */
let deniedAction: string | undefined;

let dataDir: string;
let db: SqliteDatabase;
let server: RunningServer;
let s3: S3Client;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'keystage-s3-config-iam-'));
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
      if (action === deniedAction) throw new AccessDeniedError(PRINCIPAL, action, String(resources));
    },
    logger,
  });
  s3 = new S3Client({ endpoint: server.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  s3?.destroy();
  await new Promise<void>((resolve) => server?.server.close(() => resolve()));
  db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('IAM actions of bucket configuration', () => {
  const CALLS: [string, string, () => unknown][] = [
    ['PutBucketPolicy', 's3:PutBucketPolicy', () => new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: POLICY })],
    ['GetBucketPolicy', 's3:GetBucketPolicy', () => new GetBucketPolicyCommand({ Bucket: BUCKET })],
    ['GetBucketPolicyStatus', 's3:GetBucketPolicyStatus', () => new GetBucketPolicyStatusCommand({ Bucket: BUCKET })],
    ['DeleteBucketPolicy', 's3:DeleteBucketPolicy', () => new DeleteBucketPolicyCommand({ Bucket: BUCKET })],
    [
      'PutPublicAccessBlock',
      's3:PutBucketPublicAccessBlock',
      () => new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { BlockPublicAcls: true } }),
    ],
    ['GetPublicAccessBlock', 's3:GetBucketPublicAccessBlock', () => new GetPublicAccessBlockCommand({ Bucket: BUCKET })],
    ['DeletePublicAccessBlock', 's3:PutBucketPublicAccessBlock', () => new DeletePublicAccessBlockCommand({ Bucket: BUCKET })],
    [
      'PutBucketEncryption',
      's3:PutEncryptionConfiguration',
      () =>
        new PutBucketEncryptionCommand({
          Bucket: BUCKET,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        }),
    ],
    ['GetBucketEncryption', 's3:GetEncryptionConfiguration', () => new GetBucketEncryptionCommand({ Bucket: BUCKET })],
    ['DeleteBucketEncryption', 's3:PutEncryptionConfiguration', () => new DeleteBucketEncryptionCommand({ Bucket: BUCKET })],
    [
      'PutBucketLifecycleConfiguration',
      's3:PutLifecycleConfiguration',
      () =>
        new PutBucketLifecycleConfigurationCommand({
          Bucket: BUCKET,
          LifecycleConfiguration: { Rules: [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }] },
        }),
    ],
    ['GetBucketLifecycleConfiguration', 's3:GetLifecycleConfiguration', () => new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET })],
    ['DeleteBucketLifecycle', 's3:PutLifecycleConfiguration', () => new DeleteBucketLifecycleCommand({ Bucket: BUCKET })],
    ['PutBucketTagging', 's3:PutBucketTagging', () => new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } })],
    ['GetBucketTagging', 's3:GetBucketTagging', () => new GetBucketTaggingCommand({ Bucket: BUCKET })],
    ['DeleteBucketTagging', 's3:PutBucketTagging', () => new DeleteBucketTaggingCommand({ Bucket: BUCKET })],
    ['GetBucketAcl', 's3:GetBucketAcl', () => new GetBucketAclCommand({ Bucket: BUCKET })],
    ['DeleteBucketCors', 's3:PutBucketCORS', () => new DeleteBucketCorsCommand({ Bucket: BUCKET })],
  ];

  it.each(CALLS)('checks %s as %s on the bucket ARN', async (_operation, action, command) => {
    checked.length = 0;

    await s3.send(command() as Parameters<S3Client['send']>[0]).catch(() => undefined);

    expect(checked).toEqual([`${action} ${BUCKET_ARN}`]);
  });

  it('returns AccessDenied and keeps the policy when the action is denied', async () => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: POLICY }));
    deniedAction = 's3:DeleteBucketPolicy';

    try {
      await expect(s3.send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }))).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      deniedAction = undefined;
    }
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toBe(POLICY);
  });
});
