import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  NoSuchKey,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

let cloud: TestCloud;
let s3: S3Client;
const BUCKET = 'versioned-bucket';

beforeAll(async () => {
  cloud = await startTestCloud();
  s3 = new S3Client(cloud.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  s3?.destroy();
  await cloud?.stop();
});

async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error('expected the request to fail');
}

describe('bucket versioning', () => {
  it('reports no status for a bucket that never had versioning', async () => {
    const output = await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }));

    expect(output.Status).toBeUndefined();
  });

  it('omits x-amz-version-id before versioning is enabled', async () => {
    const output = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'before.txt', Body: 'null version' }));

    expect(output.VersionId).toBeUndefined();
  });

  it('reports Enabled after PutBucketVersioning', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));

    const output = await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }));
    expect(output.Status).toBe('Enabled');
  });

  it('rejects a status other than Enabled or Suspended', async () => {
    const error = await failure(
      s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'On' as 'Enabled' } })),
    );

    expect(error.name).toBe('IllegalVersioningConfigurationException');
  });
});

describe('object versions', () => {
  let firstVersion: string;
  let secondVersion: string;
  let markerVersion: string;

  beforeAll(async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    firstVersion = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', Body: 'one' }))).VersionId!;
    secondVersion = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', Body: 'two' }))).VersionId!;
  });

  it('gives every write its own version id', () => {
    expect(firstVersion).toBeTruthy();
    expect(secondVersion).not.toBe(firstVersion);
  });

  it('reads the newest version by default', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt' }));

    expect(await output.Body!.transformToString()).toBe('two');
    expect(output.VersionId).toBe(secondVersion);
  });

  it('reads an older version by id', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: firstVersion }));

    expect(await output.Body!.transformToString()).toBe('one');
  });

  it('heads a version by id', async () => {
    const output = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: firstVersion }));

    expect(output.VersionId).toBe(firstVersion);
    expect(output.ContentLength).toBe(3);
  });

  it('returns NoSuchVersion for an unknown version id', async () => {
    const error = await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: 'A'.repeat(32) })));

    expect(error.name).toBe('NoSuchVersion');
  });

  it('rejects a malformed version id with InvalidArgument', async () => {
    const error = await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: 'not a version' })));

    expect(error.name).toBe('InvalidArgument');
  });

  describe('delete markers', () => {
    beforeAll(async () => {
      const output = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'doc.txt' }));
      markerVersion = output.VersionId!;
    });

    it('creates a delete marker on a plain delete', async () => {
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'doc.txt' }));

      expect(versions.DeleteMarkers?.map((marker) => [marker.VersionId, marker.IsLatest])).toEqual([[markerVersion, true]]);
      expect(versions.Versions?.map((version) => version.VersionId)).toEqual([secondVersion, firstVersion]);
    });

    it('returns 404 NoSuchKey with x-amz-delete-marker for the current key', async () => {
      const error = await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt' })));

      expect(error).toBeInstanceOf(NoSuchKey);
      expect(error.$response?.headers['x-amz-delete-marker']).toBe('true');
      expect(error.$response?.headers['x-amz-version-id']).toBe(markerVersion);
    });

    it('returns 405 MethodNotAllowed when the marker is read by version id', async () => {
      const error = await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: markerVersion })));

      expect(error.$metadata.httpStatusCode).toBe(405);
      expect(error.name).toBe('MethodNotAllowed');
      expect(error.$response?.headers['x-amz-delete-marker']).toBe('true');
    });

    it('returns 405 from HeadObject on the marker version', async () => {
      const error = await failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: markerVersion })));

      expect(error.$metadata.httpStatusCode).toBe(405);
    });

    it('still reads older versions by id', async () => {
      const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: secondVersion }));

      expect(await output.Body!.transformToString()).toBe('two');
    });

    it('restores the object when the marker is deleted by version id', async () => {
      const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: markerVersion }));

      expect(deleted.DeleteMarker).toBe(true);
      const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt' }));
      expect(await output.Body!.transformToString()).toBe('two');
    });
  });

  it('removes one version for good when deleted by id', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: secondVersion }));

    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt' }));
    expect(await output.Body!.transformToString()).toBe('one');
  });

  it('lists the null version written before versioning', async () => {
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'before.txt' }));

    expect(versions.Versions?.map((version) => version.VersionId)).toEqual(['null']);
  });
});

describe('ListObjectVersions paging', () => {
  const PAGED_BUCKET = 'paged-versions';

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: PAGED_BUCKET }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: PAGED_BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    for (const key of ['a', 'a', 'a', 'b', 'dir/x', 'dir/y']) {
      await s3.send(new PutObjectCommand({ Bucket: PAGED_BUCKET, Key: key, Body: key }));
    }
  });

  it('pages through versions with key and version-id markers', async () => {
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    let truncated = true;
    while (truncated) {
      const page = await s3.send(
        new ListObjectVersionsCommand({ Bucket: PAGED_BUCKET, MaxKeys: 2, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
      );
      seen.push(...(page.Versions ?? []).map((version) => version.Key!));
      truncated = page.IsTruncated ?? false;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }

    expect(seen).toEqual(['a', 'a', 'a', 'b', 'dir/x', 'dir/y']);
  });

  it('rolls keys up into common prefixes', async () => {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: PAGED_BUCKET, Delimiter: '/' }));

    expect(page.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['dir/']);
    expect(page.Versions?.map((version) => version.Key)).toEqual(['a', 'a', 'a', 'b']);
  });

  it('marks only the newest version of a key as latest', async () => {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: PAGED_BUCKET, Prefix: 'a' }));

    expect(page.Versions?.map((version) => version.IsLatest)).toEqual([true, false, false]);
  });
});

describe('suspended versioning', () => {
  const SUSPENDED_BUCKET = 'suspended-bucket';

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: SUSPENDED_BUCKET }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: SUSPENDED_BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket: SUSPENDED_BUCKET, Key: 'k', Body: 'kept' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: SUSPENDED_BUCKET, VersioningConfiguration: { Status: 'Suspended' } }));
  });

  it('writes the null version and keeps earlier versions', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: SUSPENDED_BUCKET, Key: 'k', Body: 'null 1' }));
    await s3.send(new PutObjectCommand({ Bucket: SUSPENDED_BUCKET, Key: 'k', Body: 'null 2' }));

    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: SUSPENDED_BUCKET }));
    expect(first.VersionId).toBe('null');
    expect(versions.Versions?.length).toBe(2);
    expect(versions.Versions?.[0]?.VersionId).toBe('null');
  });

  it('creates a null delete marker', async () => {
    const output = await s3.send(new DeleteObjectCommand({ Bucket: SUSPENDED_BUCKET, Key: 'k' }));

    expect(output.DeleteMarker).toBe(true);
    expect(output.VersionId).toBe('null');
  });
});
