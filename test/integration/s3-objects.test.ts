import { createHash } from 'node:crypto';

import {
  BucketAlreadyOwnedByYou,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

let cloud: TestCloud;
let s3: S3Client;
const BUCKET = 'objects-bucket';

beforeAll(async () => {
  cloud = await startTestCloud();
  s3 = new S3Client(cloud.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  s3?.destroy();
  await cloud?.stop();
});

async function put(key: string, body: string | Buffer, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) {
  return s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ...extra }));
}

async function getText(key: string, extra: Partial<ConstructorParameters<typeof GetObjectCommand>[0]> = {}): Promise<string> {
  const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ...extra }));
  return output.Body!.transformToString();
}

async function statusOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as S3ServiceException).$metadata?.httpStatusCode;
  }
}

describe('buckets', () => {
  it('lists a created bucket with its region', async () => {
    const output = await s3.send(new ListBucketsCommand({}));

    expect(output.Buckets?.find((bucket) => bucket.Name === BUCKET)?.BucketRegion).toBe('us-east-1');
    expect(output.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
  });

  it('succeeds when re-creating an owned bucket in us-east-1', async () => {
    await expect(s3.send(new CreateBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();
  });

  it('rejects re-creating an owned bucket in another region', async () => {
    const client = new S3Client({ ...cloud.clientConfig, region: 'eu-west-1' });
    await client.send(new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));

    await expect(
      client.send(new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })),
    ).rejects.toBeInstanceOf(BucketAlreadyOwnedByYou);
    client.destroy();
  });

  it('reports the region on HeadBucket', async () => {
    const output = await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));

    expect(output.BucketRegion).toBe('us-east-1');
  });

  it('returns NotFound from HeadBucket for a missing bucket', async () => {
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'missing-bucket' }))).rejects.toBeInstanceOf(NotFound);
  });

  it('rejects an invalid bucket name', async () => {
    await expect(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' }))).rejects.toMatchObject({ name: 'InvalidBucketName' });
  });

  it('refuses to delete a bucket that holds objects', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'full-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'full-bucket', Key: 'k', Body: 'x' }));

    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'full-bucket' }))).rejects.toMatchObject({ name: 'BucketNotEmpty' });
  });

  it('deletes an empty bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'empty-bucket' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'empty-bucket' }));

    await expect(s3.send(new HeadBucketCommand({ Bucket: 'empty-bucket' }))).rejects.toBeInstanceOf(NotFound);
  });

  it('returns NoSuchBucket for object operations on a missing bucket', async () => {
    await expect(s3.send(new GetObjectCommand({ Bucket: 'missing-bucket', Key: 'k' }))).rejects.toBeInstanceOf(NoSuchBucket);
  });
});

describe('PutObject and GetObject', () => {
  it('returns the quoted MD5 of the body as ETag', async () => {
    const output = await put('etag.txt', 'hello');

    expect(output.ETag).toBe(`"${createHash('md5').update('hello').digest('hex')}"`);
  });

  it('round-trips the body, content headers and metadata', async () => {
    await put('headers.txt', 'body', {
      ContentType: 'text/plain; charset=utf-8',
      ContentEncoding: 'identity',
      CacheControl: 'max-age=60',
      ContentDisposition: 'attachment; filename="a.txt"',
      Metadata: { Description: 'First release', sha256: 'abc' },
    });

    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'headers.txt' }));

    expect(await output.Body!.transformToString()).toBe('body');
    expect(output.ContentType).toBe('text/plain; charset=utf-8');
    expect(output.ContentEncoding).toBe('identity');
    expect(output.CacheControl).toBe('max-age=60');
    expect(output.ContentDisposition).toBe('attachment; filename="a.txt"');
    expect(output.Metadata).toEqual({ description: 'First release', sha256: 'abc' });
    expect(output.LastModified).toBeInstanceOf(Date);
    expect(output.ContentLength).toBe(4);
  });

  it('returns NoSuchKey for a missing key', async () => {
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' }))).rejects.toBeInstanceOf(NoSuchKey);
  });

  it('returns NotFound from HeadObject for a missing key', async () => {
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing' }))).rejects.toBeInstanceOf(NotFound);
  });

  it('stores an empty body', async () => {
    await put('empty', '');

    expect(await getText('empty')).toBe('');
  });

  it.each([
    ['a space', 'dir/with space.txt'],
    ['a plus', 'dir/a+b.txt'],
    ['a percent', 'dir/100%25 and % sign.txt'],
    ['non-ASCII', 'dir/été/日本語/😀.txt'],
    ['reserved characters', "dir/a=b&c;d:e,f?g#h'i(j)!k~l@m$.txt"],
    ['repeated slashes', 'dir//double//slash/'],
  ])('round-trips a key with %s', async (_label, key) => {
    await put(key, `content of ${key}`);

    expect(await getText(key)).toBe(`content of ${key}`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
    expect(listed.Contents?.map((item) => item.Key)).toContain(key);
  });
});

describe('input limits', () => {
  it('rejects a key over 1024 bytes with KeyTooLongError', async () => {
    await expect(put('k'.repeat(1025), 'x')).rejects.toMatchObject({ name: 'KeyTooLongError' });
  });

  it('accepts a key of exactly 1024 bytes', async () => {
    await expect(put('k'.repeat(1024), 'x')).resolves.toBeDefined();
  });

  it('rejects metadata over 2 KB with MetadataTooLarge', async () => {
    await expect(put('meta.txt', 'x', { Metadata: { big: 'v'.repeat(2100) } })).rejects.toMatchObject({ name: 'MetadataTooLarge' });
  });

  it('rejects an unknown storage class', async () => {
    await expect(put('class.txt', 'x', { StorageClass: 'COLD' as 'STANDARD' })).rejects.toMatchObject({ name: 'InvalidStorageClass' });
  });
});

describe('GetObject response overrides', () => {
  it('replaces Content-Type and Content-Disposition from the query', async () => {
    await put('override.txt', 'x', { ContentType: 'text/plain' });

    const output = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'override.txt', ResponseContentType: 'application/json', ResponseContentDisposition: 'inline' }),
    );

    expect(output.ContentType).toBe('application/json');
    expect(output.ContentDisposition).toBe('inline');
  });
});

describe('Range', () => {
  beforeAll(async () => {
    await put('range.txt', '0123456789');
  });

  it('returns 206 with Content-Range for a byte range', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range.txt', Range: 'bytes=2-5' }));

    expect(output.$metadata.httpStatusCode).toBe(206);
    expect(output.ContentRange).toBe('bytes 2-5/10');
    expect(await output.Body!.transformToString()).toBe('2345');
  });

  it('returns the last bytes for a suffix range', async () => {
    expect(await getText('range.txt', { Range: 'bytes=-3' })).toBe('789');
  });

  it('returns 416 InvalidRange past the end', async () => {
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range.txt', Range: 'bytes=20-' }))).rejects.toMatchObject({
      name: 'InvalidRange',
      $metadata: { httpStatusCode: 416 },
    });
  });
});

describe('conditional requests', () => {
  let etag: string;
  let lastModified: Date;

  beforeAll(async () => {
    etag = (await put('conditional.txt', 'v1')).ETag!;
    lastModified = (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt' }))).LastModified!;
  });

  it('returns 304 on GET when If-None-Match names the ETag', async () => {
    expect(await statusOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt', IfNoneMatch: etag })))).toBe(304);
  });

  it('returns 304 on HEAD when If-None-Match names the ETag', async () => {
    expect(await statusOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt', IfNoneMatch: etag })))).toBe(304);
  });

  it('returns the body when If-None-Match names another ETag', async () => {
    expect(await getText('conditional.txt', { IfNoneMatch: '"other"' })).toBe('v1');
  });

  it('returns 412 when If-Match names another ETag', async () => {
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt', IfMatch: '"other"' }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
    });
  });

  it('returns 304 when not modified since Last-Modified', async () => {
    const since = new Date(lastModified.getTime() + 1000);

    expect(await statusOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt', IfModifiedSince: since })))).toBe(304);
  });

  it('returns 412 when modified after If-Unmodified-Since', async () => {
    const before = new Date(lastModified.getTime() - 60_000);

    expect(await statusOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt', IfUnmodifiedSince: before })))).toBe(412);
  });

  it('rejects PutObject with If-None-Match: * when the key exists', async () => {
    await expect(put('conditional.txt', 'v2', { IfNoneMatch: '*' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect(await getText('conditional.txt')).toBe('v1');
  });

  it('accepts PutObject with If-None-Match: * for a new key', async () => {
    await put('conditional-new.txt', 'new', { IfNoneMatch: '*' });

    expect(await getText('conditional-new.txt')).toBe('new');
  });

  it('rejects PutObject with If-Match and another ETag', async () => {
    await expect(put('conditional.txt', 'v2', { IfMatch: '"0000"' })).rejects.toMatchObject({ name: 'PreconditionFailed' });
  });

  it('accepts PutObject with If-Match and the current ETag', async () => {
    await put('conditional-match.txt', 'a');
    const current = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'conditional-match.txt' }));

    await put('conditional-match.txt', 'b', { IfMatch: current.ETag });

    expect(await getText('conditional-match.txt')).toBe('b');
  });
});

describe('CopyObject', () => {
  beforeAll(async () => {
    await put('copy/source file+1.txt', 'copied', { ContentType: 'text/plain', Metadata: { origin: 'source' } });
  });

  it('copies body and metadata with the COPY directive', async () => {
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/target.txt', CopySource: `${BUCKET}/${encodeURIComponent('copy/source file+1.txt')}` }));

    const output = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy/target.txt' }));
    expect(output.Metadata).toEqual({ origin: 'source' });
    expect(output.ContentType).toBe('text/plain');
    expect(await getText('copy/target.txt')).toBe('copied');
  });

  it('replaces metadata with the REPLACE directive', async () => {
    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'copy/replaced.txt',
        CopySource: `${BUCKET}/copy/source%20file%2B1.txt`,
        MetadataDirective: 'REPLACE',
        Metadata: { origin: 'replaced' },
        ContentType: 'application/json',
      }),
    );

    const output = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy/replaced.txt' }));
    expect(output.Metadata).toEqual({ origin: 'replaced' });
    expect(output.ContentType).toBe('application/json');
  });

  it('returns the ETag in CopyObjectResult', async () => {
    const output = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/etag.txt', CopySource: `${BUCKET}/copy/source%20file%2B1.txt` }));

    expect(output.CopyObjectResult?.ETag).toBe(`"${createHash('md5').update('copied').digest('hex')}"`);
  });

  it('rejects copying an object onto itself without changes', async () => {
    await expect(
      s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/source file+1.txt', CopySource: `${BUCKET}/copy/source%20file%2B1.txt` })),
    ).rejects.toMatchObject({ name: 'InvalidRequest' });
  });

  it('returns NoSuchKey for a missing source', async () => {
    await expect(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/x', CopySource: `${BUCKET}/copy/missing` }))).rejects.toBeInstanceOf(NoSuchKey);
  });
});

describe('ListObjectsV2', () => {
  const LIST_BUCKET = 'list-bucket';
  const KEYS = ['a.txt', 'dir1/a.txt', 'dir1/b.txt', 'dir1/sub/c.txt', 'dir2/d.txt', 'e f.txt', 'z.txt'];

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: LIST_BUCKET }));
    for (const key of KEYS) await s3.send(new PutObjectCommand({ Bucket: LIST_BUCKET, Key: key, Body: key }));
  });

  it('lists every key in order', async () => {
    const output = await s3.send(new ListObjectsV2Command({ Bucket: LIST_BUCKET }));

    expect(output.Contents?.map((item) => item.Key)).toEqual(KEYS);
    expect(output.KeyCount).toBe(KEYS.length);
    expect(output.IsTruncated).toBe(false);
  });

  it('rolls keys up into common prefixes with a delimiter', async () => {
    const output = await s3.send(new ListObjectsV2Command({ Bucket: LIST_BUCKET, Delimiter: '/' }));

    expect(output.Contents?.map((item) => item.Key)).toEqual(['a.txt', 'e f.txt', 'z.txt']);
    expect(output.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['dir1/', 'dir2/']);
  });

  it('applies prefix and delimiter together', async () => {
    const output = await s3.send(new ListObjectsV2Command({ Bucket: LIST_BUCKET, Prefix: 'dir1/', Delimiter: '/' }));

    expect(output.Contents?.map((item) => item.Key)).toEqual(['dir1/a.txt', 'dir1/b.txt']);
    expect(output.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['dir1/sub/']);
  });

  it('pages with MaxKeys and the continuation token', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const output = await s3.send(new ListObjectsV2Command({ Bucket: LIST_BUCKET, MaxKeys: 2, Delimiter: '/', ContinuationToken: token }));
      seen.push(...(output.Contents ?? []).map((item) => item.Key!), ...(output.CommonPrefixes ?? []).map((prefix) => prefix.Prefix!));
      expect((output.Contents?.length ?? 0) + (output.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(2);
      token = output.NextContinuationToken;
    } while (token);

    expect(seen.sort()).toEqual(['a.txt', 'dir1/', 'dir2/', 'e f.txt', 'z.txt']);
  });

  it('starts after StartAfter', async () => {
    const output = await s3.send(new ListObjectsV2Command({ Bucket: LIST_BUCKET, StartAfter: 'dir2/d.txt' }));

    expect(output.Contents?.map((item) => item.Key)).toEqual(['e f.txt', 'z.txt']);
  });

  it('URL-encodes keys with encoding-type=url', async () => {
    const output = await s3.send(new ListObjectsV2Command({ Bucket: LIST_BUCKET, Prefix: 'e', EncodingType: 'url' }));

    expect(output.Contents?.map((item) => item.Key)).toEqual(['e+f.txt']);
  });

  it('returns NoSuchBucket for a missing bucket', async () => {
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'missing-bucket' }))).rejects.toBeInstanceOf(NoSuchBucket);
  });
});

describe('DeleteObject and DeleteObjects', () => {
  it('deletes a key and succeeds for a missing one', async () => {
    await put('delete-me.txt', 'x');

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'delete-me.txt' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'delete-me.txt' }));

    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'delete-me.txt' }))).rejects.toBeInstanceOf(NoSuchKey);
  });

  it('deletes several keys in one request', async () => {
    await put('batch/1', 'x');
    await put('batch/2', 'x');

    const output = await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'batch/1' }, { Key: 'batch/2' }] } }));

    expect(output.Deleted?.map((entry) => entry.Key).sort()).toEqual(['batch/1', 'batch/2']);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'batch/' }));
    expect(listed.KeyCount).toBe(0);
  });

  it('reports nothing back in quiet mode', async () => {
    await put('batch/3', 'x');

    const output = await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'batch/3' }], Quiet: true } }));

    expect(output.Deleted ?? []).toEqual([]);
  });
});
