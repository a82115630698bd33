import { randomBytes } from 'node:crypto';

import type { S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { IllegalVersioningConfigurationException, NotImplemented, invalidVersionId } from './errors.js';
import type { BucketRecord, VersioningStatus } from './store.js';

/**
 * Bucket versioning: PutBucketVersioning and GetBucketVersioning, and the version ids that
 * writes get. A bucket that never had versioning, or has it suspended, stores one version
 * per key with the id `null`. An enabled bucket gives every write a new id.
 */

/** The version id S3 uses for objects written while versioning is off or suspended. */
export const NULL_VERSION_ID = 'null';

export interface PutBucketVersioningInput {
  bucket: string;
  status?: string;
  mfaDelete?: string;
}

/** Turns versioning on or suspends it. A bucket cannot return to the never-versioned state. */
export function PutBucketVersioning(backend: S3Backend, input: PutBucketVersioningInput): void {
  if (input.status !== 'Enabled' && input.status !== 'Suspended') {
    throw new IllegalVersioningConfigurationException(input.status ?? '');
  }
  if (input.mfaDelete === 'Enabled') {
    throw new NotImplemented('MFA Delete needs an MFA device, which the local cloud does not have.', 'x-amz-mfa');
  }

  backend.store.transaction(() => {
    requireBucket(backend, input.bucket);
    backend.store.setVersioning(input.bucket, input.status as VersioningStatus);
  });
}

/** Returns the bucket's versioning status, which is undefined for a bucket that never had versioning. */
export function GetBucketVersioning(backend: S3Backend, bucket: string): { status?: VersioningStatus } {
  return { status: requireBucket(backend, bucket).versioning };
}

/** Returns the id for the next write of a key: a new one when versioning is enabled, `null` otherwise. */
export function nextVersionId(bucket: BucketRecord): string {
  if (bucket.versioning !== 'Enabled') return NULL_VERSION_ID;
  return randomBytes(24).toString('base64url');
}

/** Whether responses carry `x-amz-version-id`: only for buckets that have or had versioning. */
export function reportsVersionIds(bucket: BucketRecord): boolean {
  return bucket.versioning !== undefined;
}

/** Throws `InvalidArgument` for a version id that this S3 could not have issued. */
export function validateVersionId(versionId: string): void {
  if (versionId === NULL_VERSION_ID || /^[A-Za-z0-9_-]{32}$/.test(versionId)) return;
  throw invalidVersionId(versionId);
}
