import type { Requester, S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { AwsError } from '../errors.js';
import { commitVersion, notifyVersionRemoved } from './object-commit.js';
import type { BucketRecord } from './store.js';
import { NULL_VERSION_ID, reportsVersionIds, validateVersionId } from './versioning.js';

/** Object deletes: DeleteObject and DeleteObjects. */

export interface DeleteObjectInput {
  bucket: string;
  key: string;
  versionId?: string;
  requester: Requester;
}

export interface DeleteObjectOutput {
  /** True when the delete created a delete marker, or removed one by version id. */
  deleteMarker: boolean;
  /** The id of the created marker or of the removed version, when the bucket names versions. */
  versionId?: string;
}

/**
 * Deletes a key or one version of it. Without a version id, an unversioned bucket removes
 * the object and a versioned one adds a delete marker (`null` while suspended). With a
 * version id, that version is removed for good. Deleting what does not exist succeeds.
 */
export function DeleteObject(backend: S3Backend, input: DeleteObjectInput): DeleteObjectOutput {
  if (input.versionId !== undefined) return deleteVersion(backend, input, input.versionId);

  const bucket = requireBucket(backend, input.bucket);
  if (bucket.versioning === undefined) return deleteUnversioned(backend, input);

  const committed = commitVersion(backend, {
    bucket: input.bucket,
    key: input.key,
    version: {
      isDeleteMarker: true,
      sizeBytes: 0,
      etag: '',
      headers: {},
      metadata: {},
      storageClass: 'STANDARD',
    },
    eventName: 'ObjectRemoved:DeleteMarkerCreated',
    requester: input.requester,
  });
  return { deleteMarker: true, versionId: committed.version.versionId };
}

function deleteUnversioned(backend: S3Backend, input: DeleteObjectInput): DeleteObjectOutput {
  const removed = backend.store.transaction(() => {
    const bucket = requireBucket(backend, input.bucket);
    const existing = backend.store.getVersion(input.bucket, input.key, NULL_VERSION_ID);
    if (!existing) return undefined;
    backend.store.deleteVersion(input.bucket, input.key, NULL_VERSION_ID);
    return { bucket, sequencerValue: backend.store.nextSequencerValue() };
  });

  if (removed) notifyVersionRemoved(backend, removed.bucket, input.key, undefined, removed.sequencerValue, input.requester);
  return { deleteMarker: false };
}

function deleteVersion(backend: S3Backend, input: DeleteObjectInput, versionId: string): DeleteObjectOutput {
  validateVersionId(versionId);
  const removed = backend.store.transaction(() => {
    const bucket = requireBucket(backend, input.bucket);
    const existing = backend.store.getVersion(input.bucket, input.key, versionId);
    if (!existing) return { bucket, deleteMarker: false, sequencerValue: undefined };
    backend.store.deleteVersion(input.bucket, input.key, versionId);
    return { bucket, deleteMarker: existing.isDeleteMarker, sequencerValue: backend.store.nextSequencerValue() };
  });

  if (removed.sequencerValue !== undefined) {
    notifyVersionRemoved(backend, removed.bucket, input.key, versionId, removed.sequencerValue, input.requester);
  }
  return { deleteMarker: removed.deleteMarker, versionId: versionIdToReport(removed.bucket, versionId) };
}

function versionIdToReport(bucket: BucketRecord, versionId: string): string | undefined {
  return reportsVersionIds(bucket) || versionId !== NULL_VERSION_ID ? versionId : undefined;
}

/** Most keys one DeleteObjects request may name. */
export const MAX_DELETE_OBJECTS = 1000;

export interface DeleteObjectsInput {
  bucket: string;
  objects: { key: string; versionId?: string }[];
  requester: Requester;
}

export interface DeleteObjectsOutput {
  deleted: { key: string; versionId?: string; deleteMarker?: boolean; deleteMarkerVersionId?: string }[];
  errors: { key: string; versionId?: string; code: string; message: string }[];
}

/** Deletes up to 1,000 keys or versions; each one succeeds or fails on its own. */
export function DeleteObjects(backend: S3Backend, input: DeleteObjectsInput): DeleteObjectsOutput {
  requireBucket(backend, input.bucket);
  const output: DeleteObjectsOutput = { deleted: [], errors: [] };

  for (const object of input.objects) {
    try {
      const result = DeleteObject(backend, { bucket: input.bucket, key: object.key, versionId: object.versionId, requester: input.requester });
      output.deleted.push(deletedEntry(object, result));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      output.errors.push({ key: object.key, versionId: object.versionId, code: error.code, message: error.message });
    }
  }
  return output;
}

function deletedEntry(object: { key: string; versionId?: string }, result: DeleteObjectOutput): DeleteObjectsOutput['deleted'][number] {
  if (object.versionId !== undefined) {
    return { key: object.key, versionId: object.versionId, deleteMarker: result.deleteMarker || undefined, deleteMarkerVersionId: result.deleteMarker ? object.versionId : undefined };
  }
  if (result.deleteMarker) return { key: object.key, deleteMarker: true, deleteMarkerVersionId: result.versionId };
  return { key: object.key };
}
