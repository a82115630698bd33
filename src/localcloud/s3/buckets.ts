import type { S3Backend } from './backend.js';
import { BucketAlreadyOwnedByYou, BucketNotEmpty, InvalidBucketName, InvalidLocationConstraint, NoSuchBucket } from './errors.js';
import type { BucketRecord } from './store.js';

/** Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation. */

export interface CreateBucketInput {
  bucket: string;
  /** From `CreateBucketConfiguration/LocationConstraint`; absent means the request's region. */
  locationConstraint?: string;
  requestRegion: string;
}

export interface CreateBucketOutput {
  location: string;
}

/**
 * Creates a bucket. Re-creating a bucket you own succeeds in us-east-1 and fails with
 * `BucketAlreadyOwnedByYou` elsewhere, as in AWS.
 *
 * NOTE: AWS puts a bucket created without a location constraint in us-east-1 whatever the
 * endpoint; here it goes to the region of the request's signature, so that a client
 * configured for another region can create and use buckets without extra configuration.
 */
export function CreateBucket(backend: S3Backend, input: CreateBucketInput): CreateBucketOutput {
  validateBucketName(input.bucket);
  if (input.locationConstraint === 'us-east-1') throw new InvalidLocationConstraint(input.locationConstraint);
  const region = input.locationConstraint || input.requestRegion;

  return backend.store.transaction(() => {
    const existing = backend.store.getBucket(input.bucket);
    if (existing && existing.region === 'us-east-1' && region === 'us-east-1') return { location: `/${input.bucket}` };
    if (existing) throw new BucketAlreadyOwnedByYou(input.bucket);

    backend.store.insertBucket({ name: input.bucket, region, createdMs: Date.now() });
    return { location: `/${input.bucket}` };
  });
}

/** Returns the bucket, or throws `NoSuchBucket`. */
export function HeadBucket(backend: S3Backend, bucket: string): BucketRecord {
  return requireBucket(backend, bucket);
}

/** Deletes an empty bucket. Throws `BucketNotEmpty` while any version, delete marker or upload remains. */
export function DeleteBucket(backend: S3Backend, bucket: string): void {
  backend.store.transaction(() => {
    requireBucket(backend, bucket);
    if (backend.store.bucketHasContent(bucket)) throw new BucketNotEmpty(bucket);
    backend.store.deleteBucket(bucket);
  });
}

export interface ListBucketsInput {
  prefix?: string;
  maxBuckets?: number;
  continuationToken?: string;
  bucketRegion?: string;
}

export interface ListBucketsOutput {
  buckets: BucketRecord[];
  continuationToken?: string;
}

/** Lists buckets by name, optionally filtered by prefix and region, in pages of `maxBuckets`. */
export function ListBuckets(backend: S3Backend, input: ListBucketsInput): ListBucketsOutput {
  const after = input.continuationToken ? Buffer.from(input.continuationToken, 'base64url').toString('utf8') : '';
  const matching = backend.store
    .listBuckets()
    .filter((bucket) => bucket.name > after)
    .filter((bucket) => input.prefix === undefined || bucket.name.startsWith(input.prefix))
    .filter((bucket) => input.bucketRegion === undefined || bucket.region === input.bucketRegion);

  const limit = input.maxBuckets ?? 10_000;
  const page = matching.slice(0, limit);
  const truncated = matching.length > limit;
  const last = page.at(-1);
  return { buckets: page, continuationToken: truncated && last ? Buffer.from(last.name).toString('base64url') : undefined };
}

/** The bucket's region as GetBucketLocation reports it: empty for us-east-1. */
export function GetBucketLocation(backend: S3Backend, bucket: string): { locationConstraint: string } {
  const record = requireBucket(backend, bucket);
  return { locationConstraint: record.region === 'us-east-1' ? '' : record.region };
}

export function requireBucket(backend: S3Backend, bucket: string): BucketRecord {
  const record = backend.store.getBucket(bucket);
  if (!record) throw new NoSuchBucket(bucket);
  return record;
}

/**
 * Applies S3's naming rules for general purpose buckets: 3 to 63 characters of lower-case
 * letters, digits, dots and hyphens, starting and ending with a letter or digit, no two
 * adjacent dots, and not shaped like an IP address.
 */
export function validateBucketName(bucket: string): void {
  if (bucket.length < 3 || bucket.length > 63) throw new InvalidBucketName(bucket, 'a bucket name has 3 to 63 characters.');
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) {
    throw new InvalidBucketName(bucket, 'use lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.');
  }
  if (bucket.includes('..')) throw new InvalidBucketName(bucket, 'a bucket name must not contain two adjacent dots.');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) throw new InvalidBucketName(bucket, 'a bucket name must not look like an IP address.');
  if (bucket.startsWith('xn--') || bucket.endsWith('-s3alias')) {
    throw new InvalidBucketName(bucket, 'the prefix "xn--" and the suffix "-s3alias" are reserved.');
  }
}
