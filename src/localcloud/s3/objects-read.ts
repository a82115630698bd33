import type { S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { NotModified, evaluateReadConditions } from './conditional.js';
import type { ConditionalHeaders } from './conditional.js';
import { MethodNotAllowed, NoSuchKey, NoSuchVersion, withResponseHeaders } from './errors.js';
import { resolveRange } from './range.js';
import type { ByteRange } from './range.js';
import type { BucketRecord, ObjectVersionRecord } from './store.js';
import { reportsVersionIds, validateVersionId } from './versioning.js';

/** Object reads: GetObject and HeadObject, which share every rule but the body. */

export interface GetObjectInput {
  bucket: string;
  key: string;
  versionId?: string;
  conditions: ConditionalHeaders;
  range?: string;
}

export interface GetObjectOutput {
  version: ObjectVersionRecord;
  bucket: BucketRecord;
  reportVersionId: boolean;
  /** The satisfiable byte range, when the request asked for one. */
  range?: ByteRange;
}

/**
 * Finds the version a read addresses and applies conditions and range. As in S3, a current
 * delete marker is a 404 `NoSuchKey` and a delete marker named by version id is a 405
 * `MethodNotAllowed`, both with `x-amz-delete-marker: true`.
 */
export function GetObject(backend: S3Backend, input: GetObjectInput): GetObjectOutput {
  const bucket = requireBucket(backend, input.bucket);
  const reportVersionId = reportsVersionIds(bucket);
  const version = findVersion(backend, input.bucket, input.key, input.versionId, reportVersionId);

  try {
    evaluateReadConditions(input.conditions, version);
  } catch (error) {
    if (!(error instanceof NotModified)) throw error;
    const headers: Record<string, string> = { etag: version.etag, 'last-modified': new Date(version.lastModifiedMs).toUTCString() };
    if (reportVersionId) headers['x-amz-version-id'] = version.versionId;
    throw withResponseHeaders(error, headers);
  }
  const range = resolveRange(input.range, version.sizeBytes);
  return { version, bucket, reportVersionId, range };
}

/** HeadObject: GetObject without a body. */
export function HeadObject(backend: S3Backend, input: GetObjectInput): GetObjectOutput {
  return GetObject(backend, input);
}

/** Returns the bytes of a version for other providers (Lambda code from S3). */
export function readObjectBytes(backend: S3Backend, bucket: string, key: string, versionId?: string): Buffer {
  const found = GetObject(backend, { bucket, key, versionId, conditions: {} });
  return backend.blobs.read(found.version.blobDigest!);
}

function findVersion(
  backend: S3Backend,
  bucket: string,
  key: string,
  versionId: string | undefined,
  reportVersionId: boolean,
): ObjectVersionRecord {
  if (versionId === undefined) {
    const latest = backend.store.getLatest(bucket, key);
    if (!latest) throw new NoSuchKey(key);
    if (latest.isDeleteMarker) {
      const headers: Record<string, string> = { 'x-amz-delete-marker': 'true' };
      if (reportVersionId) headers['x-amz-version-id'] = latest.versionId;
      throw withResponseHeaders(new NoSuchKey(key), headers);
    }
    return latest;
  }

  validateVersionId(versionId);
  const version = backend.store.getVersion(bucket, key, versionId);
  if (!version) throw new NoSuchVersion(key, versionId);
  if (version.isDeleteMarker) {
    throw withResponseHeaders(new MethodNotAllowed('GET', 'DeleteMarker'), {
      'x-amz-delete-marker': 'true',
      'x-amz-version-id': version.versionId,
      'last-modified': new Date(version.lastModifiedMs).toUTCString(),
      allow: 'DELETE',
    });
  }
  return version;
}
