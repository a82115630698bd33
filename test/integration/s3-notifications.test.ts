import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { EventInvoker } from '../../src/localcloud/contracts.js';
import { createLogger } from '../../src/localcloud/log.js';
import { compareSequencers } from '../../src/localcloud/s3/notification-events.js';
import type { S3EventRecord } from '../../src/localcloud/s3/notification-events.js';
import { createS3Provider } from '../../src/localcloud/s3/provider.js';
import { startServer } from '../../src/localcloud/server.js';
import type { RunningServer } from '../../src/localcloud/server.js';
import { BlobStore } from '../../src/localcloud/store/blobs.js';
import { openDatabase } from '../../src/localcloud/store/database.js';
import type { SqliteDatabase } from '../../src/localcloud/store/database.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../support/localcloud.js';

const ACCOUNT_ID = '000000000000';
const DEPLOY_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:keystage-deploy`;
const AUDIT_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:audit`;
const BUCKET = 'artifacts-bucket';

/** An EventInvoker that records invocations instead of running functions. */
class RecordingInvoker implements EventInvoker {
  readonly invocations: { functionArn: string; records: S3EventRecord[] }[] = [];
  readonly existing = new Set([DEPLOY_ARN, AUDIT_ARN]);

  invokeAsync(functionArn: string, payload: Buffer): void {
    this.invocations.push({ functionArn, records: (JSON.parse(payload.toString()) as { Records: S3EventRecord[] }).Records });
  }

  functionExists(functionArn: string): boolean {
    return this.existing.has(functionArn);
  }
}

let dataDir: string;
let db: SqliteDatabase;
let server: RunningServer;
let provider: ReturnType<typeof createS3Provider>;
let s3: S3Client;
const invoker = new RecordingInvoker();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'keystage-s3-events-'));
  db = openDatabase(dataDir);
  const logger = createLogger('error');
  let url = '';
  provider = createS3Provider(
    { db, blobs: new BlobStore(dataDir), dataDir, accountId: ACCOUNT_ID, logger, endpointUrl: () => url },
    { events: invoker },
  );
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    accountId: ACCOUNT_ID,
    defaultRegion: TEST_REGION,
    providers: [provider],
    authorizerFor: () => () => undefined,
    logger,
  });
  url = server.url;
  s3 = new S3Client({ endpoint: server.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true });

  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: BUCKET,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Id: 'deploy-on-zip',
            LambdaFunctionArn: DEPLOY_ARN,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.zip' }] } },
          },
          { Id: 'audit-removals', LambdaFunctionArn: AUDIT_ARN, Events: ['s3:ObjectRemoved:*'] },
        ],
      },
    }),
  );
});

afterAll(async () => {
  s3?.destroy();
  await new Promise<void>((resolve) => server?.server.close(() => resolve()));
  db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  invoker.invocations.length = 0;
});

describe('PutBucketNotificationConfiguration', () => {
  it('returns the stored configuration with normalized filter names', async () => {
    const output = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: BUCKET }));

    expect(output.LambdaFunctionConfigurations).toEqual([
      {
        Id: 'deploy-on-zip',
        LambdaFunctionArn: DEPLOY_ARN,
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'Suffix', Value: '.zip' }] } },
      },
      { Id: 'audit-removals', LambdaFunctionArn: AUDIT_ARN, Events: ['s3:ObjectRemoved:*'] },
    ]);
  });

  it('rejects a function that does not exist', async () => {
    const missing = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:missing`;

    await expect(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: BUCKET,
          NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: missing, Events: ['s3:ObjectCreated:*'] }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument', message: 'Unable to validate the following destination configurations' });
  });

  it('rejects an SNS topic destination, which cannot be validated locally', async () => {
    await expect(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: BUCKET,
          NotificationConfiguration: { TopicConfigurations: [{ TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT_ID}:topic`, Events: ['s3:ObjectCreated:*'] }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  it('keeps the previous configuration after a rejected one', async () => {
    const output = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: BUCKET }));

    expect(output.LambdaFunctionConfigurations?.map((configuration) => configuration.Id)).toEqual(['deploy-on-zip', 'audit-removals']);
  });

  it('rejects an unknown event type', async () => {
    await expect(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: BUCKET,
          NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: DEPLOY_ARN, Events: ['s3:ObjectCreated:Rename' as 's3:ObjectCreated:*'] }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  it('rejects overlapping configurations', async () => {
    await expect(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'artifacts-bucket',
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [
              { LambdaFunctionArn: DEPLOY_ARN, Events: ['s3:ObjectCreated:*'] },
              { LambdaFunctionArn: AUDIT_ARN, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'dev/' }] } } },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });
});

describe('event delivery', () => {
  it('sends one ObjectCreated:Put record with the AWS shape', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dev/keystage encryption+1.zip', Body: 'zip bytes' }));

    expect(invoker.invocations).toHaveLength(1);
    const [invocation] = invoker.invocations;
    expect(invocation?.functionArn).toBe(DEPLOY_ARN);
    expect(invocation?.records).toHaveLength(1);
    const record = invocation!.records[0]!;
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: `AWS:${TEST_CREDENTIALS.accessKeyId}` },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'deploy-on-zip',
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: {
          key: 'dev/keystage+encryption%2B1.zip',
          size: 9,
          eTag: put.ETag!.replace(/"/g, ''),
          versionId: put.VersionId,
        },
      },
    });
    expect(Object.keys(record).sort()).toEqual(
      ['awsRegion', 'eventName', 'eventSource', 'eventTime', 'eventVersion', 'requestParameters', 'responseElements', 's3', 'userIdentity'],
    );
    expect(Object.keys(record.s3).sort()).toEqual(['bucket', 'configurationId', 'object', 's3SchemaVersion']);
    expect(Object.keys(record.s3.object)).toEqual(['key', 'size', 'eTag', 'versionId', 'sequencer']);
    expect(Object.keys(record.responseElements).sort()).toEqual(['x-amz-id-2', 'x-amz-request-id']);
    expect(record.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(record.responseElements['x-amz-request-id']).toBeTruthy();
    expect(record.s3.bucket.ownerIdentity.principalId).toBeTruthy();
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
  });

  it('ignores keys that the filter does not match', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dev/notes.txt', Body: 'text' }));

    expect(invoker.invocations).toHaveLength(0);
  });

  it('gives later changes of one key a greater sequencer', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'seq.zip', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'seq.zip', Body: 'two' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'seq.zip' }));

    const sequencers = invoker.invocations.map((invocation) => invocation.records[0]!.s3.object.sequencer);
    expect(sequencers).toHaveLength(3);
    expect(compareSequencers(sequencers[0]!, sequencers[1]!)).toBeLessThan(0);
    expect(compareSequencers(sequencers[1]!, sequencers[2]!)).toBeLessThan(0);
  });

  it('sends ObjectRemoved:DeleteMarkerCreated with the marker version', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'marked.zip', Body: 'x' }));
    invoker.invocations.length = 0;

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'marked.zip' }));

    expect(invoker.invocations).toHaveLength(1);
    const record = invoker.invocations[0]!.records[0]!;
    expect(invoker.invocations[0]!.functionArn).toBe(AUDIT_ARN);
    expect(record.eventName).toBe('ObjectRemoved:DeleteMarkerCreated');
    expect(record.s3.object).toEqual({ key: 'marked.zip', versionId: deleted.VersionId, sequencer: expect.any(String) });
  });

  it('sends ObjectRemoved:Delete when a version is deleted by id', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'purged.txt', Body: 'x' }));

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'purged.txt', VersionId: put.VersionId }));

    const record = invoker.invocations.at(-1)!.records[0]!;
    expect(record.eventName).toBe('ObjectRemoved:Delete');
    expect(record.s3.object.versionId).toBe(put.VersionId);
  });

  it('sends ObjectCreated:Copy for a copy', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'source.zip', Body: 'x' }));
    invoker.invocations.length = 0;

    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.zip', CopySource: `${BUCKET}/source.zip` }));

    expect(invoker.invocations.map((invocation) => invocation.records[0]!.eventName)).toEqual(['ObjectCreated:Copy']);
  });

  it('sends ObjectCreated:CompleteMultipartUpload once for a multipart upload', async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multi.zip' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'multi.zip', UploadId: created.UploadId, PartNumber: 1, Body: 'only part' }));

    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multi.zip',
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );

    expect(invoker.invocations.map((invocation) => invocation.records[0]!.eventName)).toEqual(['ObjectCreated:CompleteMultipartUpload']);
    expect(invoker.invocations[0]!.records[0]!.s3.object.size).toBe(9);
  });

  it('sends nothing for a write that fails its condition', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'guarded.zip', Body: 'x' }));
    invoker.invocations.length = 0;

    await expect(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'guarded.zip', Body: 'y', IfNoneMatch: '*' }))).rejects.toBeDefined();

    expect(invoker.invocations).toHaveLength(0);
  });
});

describe('unversioned bucket events', () => {
  it('leaves versionId out of the record', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain-bucket' }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'plain-bucket',
        NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: DEPLOY_ARN, Events: ['s3:ObjectCreated:Put'] }] },
      }),
    );

    await s3.send(new PutObjectCommand({ Bucket: 'plain-bucket', Key: 'a.txt', Body: 'x' }));

    const record = invoker.invocations.at(-1)!.records[0]!;
    expect(record.s3.object).not.toHaveProperty('versionId');
    expect(record.s3.configurationId).toMatch(/^[A-Za-z0-9]+$/);
  });
});

describe('readObject', () => {
  it('returns the bytes of the current version', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'code/function.zip', Body: 'version one' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'code/function.zip', Body: 'version two' }));

    expect(provider.readObject(BUCKET, 'code/function.zip').toString()).toBe('version two');
  });

  it('returns the bytes of a named version', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'code/pinned.zip', Body: 'pinned' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'code/pinned.zip', Body: 'newer' }));

    expect(provider.readObject(BUCKET, 'code/pinned.zip', put.VersionId).toString()).toBe('pinned');
  });

  it('throws NoSuchKey, NoSuchBucket and NoSuchVersion as S3 errors', () => {
    expect(() => provider.readObject(BUCKET, 'code/missing.zip')).toThrow(expect.objectContaining({ code: 'NoSuchKey' }));
    expect(() => provider.readObject('missing-bucket', 'k')).toThrow(expect.objectContaining({ code: 'NoSuchBucket' }));
    expect(() => provider.readObject(BUCKET, 'code/function.zip', 'A'.repeat(32))).toThrow(expect.objectContaining({ code: 'NoSuchVersion' }));
  });
});
