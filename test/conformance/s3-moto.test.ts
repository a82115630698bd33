import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TEST_CREDENTIALS, TEST_REGION, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { motoAvailable, startMoto } from '../support/moto.js';
import type { MotoServer } from '../support/moto.js';
import { attempt, expectAgreement, resultOf } from '../support/s3-scenario.js';
import type { Scenario } from '../support/s3-scenario.js';

/*
 * One S3 scenario run against the local cloud and against moto server (`python3 -m
 * moto.server`), compared step by step. Each step keeps only the response fields that
 * both must agree on, with version ids, times and owner ids reduced to what the scenario
 * can compare (present, equal to an earlier id).
 *
 * Where moto (5.2) departs from AWS's documentation, the comparison skips the step and the
 * local cloud is checked against the documentation instead:
 *
 * - GetObject on a key whose current version is a delete marker: the documentation of
 *   GetObjectOutput's DeleteMarker member (S3 API Reference, and botocore's model) has S3
 *   act as if the object were deleted and send `x-amz-delete-marker: true`. moto answers
 *   404 NoSuchKey without that header.
 * - GetObject naming a delete marker by version id: the same documentation gives a 405
 *   Method Not Allowed with a Last-Modified header. moto answers 404 NoSuchVersion, though
 *   its HeadObject does answer 405.
 * - ListObjectsV2 with encoding-type=url: the reference states only that keys are URL-encoded.
 *   moto writes a space as %20; the local cloud writes it as + like S3's form encoding, which
 *   botocore decodes with unquote_plus. The check is that the key decodes back exactly.
 */

const BUCKET = 'conformance-bucket';

/** Steps where moto departs from AWS's documentation (see the comment above). */
const MOTO_DEPARTURES = new Set([
  'GetObject after delete: delete-marker header',
  'GetObject of the delete marker by version id',
  'ListObjectsV2 with encoding-type=url',
]);

/** Runs the scenario and keeps the response fields that both implementations must agree on. */
async function runScenario(endpoint: string): Promise<Scenario> {
  const s3 = new S3Client({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true });
  const steps: Scenario = [];
  const record = async (step: string, action: () => Promise<unknown>) => steps.push({ step, result: await attempt(action) });

  await record('CreateBucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    return 'created';
  });
  await record('PutBucketVersioning', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    return 'enabled';
  });

  const versionIds: string[] = [];
  await record('PutObject with metadata', async () => {
    const output = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', Body: 'hello conformance', ContentType: 'text/plain', Metadata: { Description: 'first' } }),
    );
    versionIds.push(output.VersionId!);
    return { ETag: output.ETag, hasVersionId: Boolean(output.VersionId) };
  });
  await record('PutObject second version', async () => {
    const output = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', Body: 'hello again' }));
    versionIds.push(output.VersionId!);
    return { ETag: output.ETag, newVersion: output.VersionId !== versionIds[0] };
  });
  await record('PutObject other keys', async () => {
    for (const key of ['docs/guide/intro.txt', 'top.txt', 'with space+plus.txt']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }
    return 'stored';
  });

  await record('GetObject', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt' }));
    return { body: await output.Body!.transformToString(), ETag: output.ETag, ContentLength: output.ContentLength, isLatest: output.VersionId === versionIds[1] };
  });
  await record('GetObject first version', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', VersionId: versionIds[0] }));
    return { body: await output.Body!.transformToString(), ContentType: output.ContentType, Metadata: output.Metadata };
  });
  await record('HeadObject', async () => {
    const output = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', VersionId: versionIds[0] }));
    return { ContentLength: output.ContentLength, ContentType: output.ContentType, Metadata: output.Metadata, ETag: output.ETag };
  });
  await record('GetObject with a space and plus in the key', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'with space+plus.txt' }));
    return { body: await output.Body!.transformToString() };
  });

  await record('ListObjectsV2 with delimiter', async () => {
    const output = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' }));
    return {
      keys: output.Contents?.map((item) => [item.Key, item.Size, item.ETag]),
      prefixes: output.CommonPrefixes?.map((prefix) => prefix.Prefix),
      KeyCount: output.KeyCount,
      IsTruncated: output.IsTruncated,
    };
  });
  await record('ListObjectsV2 with prefix and delimiter', async () => {
    const output = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'docs/', Delimiter: '/' }));
    return { keys: output.Contents?.map((item) => item.Key), prefixes: output.CommonPrefixes?.map((prefix) => prefix.Prefix) };
  });

  await record('CopyObject', async () => {
    const output = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.txt', CopySource: `${BUCKET}/docs/readme.txt?versionId=${versionIds[0]}` }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy.txt' }));
    return { ETag: output.CopyObjectResult?.ETag, Metadata: head.Metadata, ContentType: head.ContentType };
  });

  let markerId: string | undefined;
  await record('DeleteObject creates a delete marker', async () => {
    const output = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'top.txt' }));
    markerId = output.VersionId;
    return { DeleteMarker: output.DeleteMarker, hasVersionId: Boolean(output.VersionId) };
  });
  await record('GetObject after delete', () => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'top.txt' })));
  await record('ListObjectVersions', async () => {
    const output = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    return {
      versions: output.Versions?.map((version) => [version.Key, version.IsLatest, version.Size]),
      deleteMarkers: output.DeleteMarkers?.map((marker) => [marker.Key, marker.IsLatest, marker.VersionId === markerId]),
    };
  });
  await record('GetObject after delete: delete-marker header', async () => {
    try {
      await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'top.txt' }));
      return 'found';
    } catch (error) {
      return { deleteMarker: (error as S3ServiceException).$response?.headers['x-amz-delete-marker'] };
    }
  });
  await record('GetObject of the delete marker by version id', () => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'top.txt', VersionId: markerId })));
  await record('HeadObject of the delete marker by version id', () => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'top.txt', VersionId: markerId })));
  await record('GetObject with If-None-Match of the ETag', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt' }));
    return s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', IfNoneMatch: head.ETag }));
  });
  await record('GetObject with If-Match of another ETag', () => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', IfMatch: '"0"' })));
  await record('PutObject with If-None-Match on an existing key', () =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', Body: 'x', IfNoneMatch: '*' })),
  );
  await record('GetObject with Range', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', Range: 'bytes=0-4' }));
    return { body: await output.Body!.transformToString(), ContentRange: output.ContentRange, status: output.$metadata.httpStatusCode };
  });
  await record('GetObject with a range past the end', () => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', Range: 'bytes=100-' })));
  await record('ListObjectVersions with delimiter', async () => {
    const output = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Delimiter: '/' }));
    return { versions: output.Versions?.map((version) => version.Key), prefixes: output.CommonPrefixes?.map((prefix) => prefix.Prefix) };
  });
  await record('ListObjectsV2 with encoding-type=url', async () => {
    const output = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'with', EncodingType: 'url' }));
    return { keys: output.Contents?.map((item) => item.Key) };
  });
  await record('DeleteObject by version id', async () => {
    const output = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', VersionId: versionIds[1] }));
    const current = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt' }));
    return { sameVersion: output.VersionId === versionIds[1], body: await current.Body!.transformToString() };
  });
  await record('GetObject of a missing version', () => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', VersionId: versionIds[1] })));
  await record('HeadObject missing key', () => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing.txt' })));
  await record('GetObject missing key', () => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing.txt' })));
  await record('GetObject missing bucket', () => s3.send(new GetObjectCommand({ Bucket: 'missing-bucket', Key: 'k' })));
  await record('ListObjectsV2 missing bucket', () => s3.send(new ListObjectsV2Command({ Bucket: 'missing-bucket' })));

  s3.destroy();
  return steps;
}

describe.skipIf(!motoAvailable())('S3 conformance with moto', () => {
  let cloud: TestCloud;
  let moto: MotoServer;
  let local: Scenario;
  let reference: Scenario;

  beforeAll(async () => {
    [cloud, moto] = await Promise.all([startTestCloud(), startMoto()]);
    local = await runScenario(cloud.url);
    reference = await runScenario(moto.url);
  });

  afterAll(async () => {
    await Promise.all([cloud?.stop(), moto?.stop()]);
  });

  it('agrees with moto on every step where moto follows the documentation', () => {
    expectAgreement(local, reference, MOTO_DEPARTURES);
  });

  it('sends x-amz-delete-marker with the 404 of a deleted key, as AWS documents', () => {
    expect(resultOf(local, 'GetObject after delete: delete-marker header')).toEqual({ deleteMarker: 'true' });
  });

  it('answers 405 for a delete marker named by version id, as AWS documents', () => {
    expect(resultOf(local, 'GetObject of the delete marker by version id')).toEqual({ error: 'MethodNotAllowed', status: 405 });
  });

  it('URL-encodes listed keys so that they decode back exactly', () => {
    const { keys } = resultOf(local, 'ListObjectsV2 with encoding-type=url') as { keys: string[] };

    expect(keys.map((key) => decodeURIComponent(key.replace(/\+/g, ' ')))).toEqual(['with space+plus.txt']);
    expect(keys[0]).not.toContain(' ');
  });
});
