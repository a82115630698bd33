import type { S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import type { BucketConfigurationKind } from './store.js';

/**
 * Storage of bucket subresources (policy, public access block, encryption, lifecycle,
 * tagging, CORS): each is validated by its own module, then kept as one JSON document per
 * bucket and kind. Every read and write first checks that the bucket exists, so a missing
 * bucket is `NoSuchBucket` before any "no such configuration" error.
 */

/** Returns the bucket's stored configuration of one kind, or undefined when it has none. */
export function readBucketConfiguration<T>(backend: S3Backend, bucket: string, kind: BucketConfigurationKind): T | undefined {
  requireBucket(backend, bucket);
  const json = backend.store.getBucketConfiguration(bucket, kind);
  return json === undefined ? undefined : (JSON.parse(json) as T);
}

/** Replaces the bucket's configuration of one kind in one transaction. */
export function writeBucketConfiguration(backend: S3Backend, bucket: string, kind: BucketConfigurationKind, configuration: unknown): void {
  const json = JSON.stringify(configuration);
  backend.store.transaction(() => {
    requireBucket(backend, bucket);
    backend.store.putBucketConfiguration(bucket, kind, json);
  });
}

/** Removes the bucket's configuration of one kind; removing an absent one succeeds, as in S3. */
export function deleteBucketConfiguration(backend: S3Backend, bucket: string, kind: BucketConfigurationKind): void {
  backend.store.transaction(() => {
    requireBucket(backend, bucket);
    backend.store.deleteBucketConfiguration(bucket, kind);
  });
}
