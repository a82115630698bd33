import type { Requester, S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { evaluateWriteConditions } from './conditional.js';
import type { ConditionalHeaders } from './conditional.js';
import { formatSequencer } from './notification-events.js';
import type { ObjectEventName } from './notification-events.js';
import type { BucketRecord, ObjectVersionRecord } from './store.js';
import { nextVersionId, reportsVersionIds } from './versioning.js';

/**
 * The one place where object versions are written: a new version or delete marker is
 * committed in one transaction (bucket check, write conditions, version id, sequencer), and
 * its notification goes out only after the commit.
 */

/** The fields of a new version that the operation decides; the commit adds the rest. */
export type NewVersion = Omit<ObjectVersionRecord, 'sequence' | 'isLatest' | 'versionId' | 'bucket' | 'key' | 'lastModifiedMs'>;

export interface CommitInput {
  bucket: string;
  key: string;
  version: NewVersion;
  eventName: ObjectEventName;
  requester: Requester;
  conditions?: ConditionalHeaders;
  /** Runs inside the transaction after the checks, for writes that change more (completing an upload). */
  beforeCommit?: () => void;
}

/** A committed version, with whether responses should name its version id. */
export interface CommittedVersion {
  version: ObjectVersionRecord;
  bucket: BucketRecord;
  reportVersionId: boolean;
}

export function commitVersion(backend: S3Backend, input: CommitInput): CommittedVersion {
  const committed = backend.store.transaction(() => {
    const bucket = requireBucket(backend, input.bucket);
    if (input.conditions) {
      const current = backend.store.getLatest(input.bucket, input.key);
      evaluateWriteConditions(input.conditions, input.key, current && !current.isDeleteMarker ? current : undefined);
    }

    input.beforeCommit?.();
    const version = backend.store.putVersion({
      ...input.version,
      bucket: input.bucket,
      key: input.key,
      versionId: nextVersionId(bucket),
      lastModifiedMs: Date.now(),
    });
    const sequencer = formatSequencer(backend.store.nextSequencerValue());
    return { version, bucket, sequencer };
  });

  const reportVersionId = reportsVersionIds(committed.bucket);
  backend.notifications.objectChanged({
    bucket: committed.bucket,
    eventName: input.eventName,
    key: input.key,
    sizeBytes: input.version.isDeleteMarker ? undefined : committed.version.sizeBytes,
    etag: input.version.isDeleteMarker ? undefined : committed.version.etag,
    versionId: reportVersionId ? committed.version.versionId : undefined,
    sequencer: committed.sequencer,
    eventTimeMs: committed.version.lastModifiedMs,
    requester: input.requester,
  });
  return { version: committed.version, bucket: committed.bucket, reportVersionId };
}

/** Sends the notification of a version removed for good, after its commit. */
export function notifyVersionRemoved(
  backend: S3Backend,
  bucket: BucketRecord,
  key: string,
  versionId: string | undefined,
  sequencerValue: number,
  requester: Requester,
): void {
  backend.notifications.objectChanged({
    bucket,
    eventName: 'ObjectRemoved:Delete',
    key,
    versionId: reportsVersionIds(bucket) ? versionId : undefined,
    sequencer: formatSequencer(sequencerValue),
    eventTimeMs: Date.now(),
    requester,
  });
}
