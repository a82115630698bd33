import { formEncodeKey } from './addressing.js';
import type { Requester } from './backend.js';
import type { BucketRecord } from './store.js';

/**
 * The event records S3 sends to notification targets, and the sequencer that orders the
 * events of one key.
 */

/** Event names of the changes this S3 makes, without the `s3:` prefix, as records carry them. */
export type ObjectEventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete'
  | 'ObjectRemoved:DeleteMarkerCreated';

/** One committed change of an object, as the notification dispatcher receives it. */
export interface ObjectChange {
  bucket: BucketRecord;
  eventName: ObjectEventName;
  key: string;
  /** Present for ObjectCreated events. */
  sizeBytes?: number;
  /** With quotes, as stored; present for ObjectCreated events. */
  etag?: string;
  /** Present when the bucket has or had versioning. */
  versionId?: string;
  sequencer: string;
  eventTimeMs: number;
  requester: Requester;
}

/** The `Records[]` entry of an S3 event, event version 2.1. */
export interface S3EventRecord {
  eventVersion: '2.1';
  eventSource: 'aws:s3';
  awsRegion: string;
  eventTime: string;
  eventName: ObjectEventName;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer: string };
  };
}

/** Width of a sequencer in hex digits, as in AWS's examples (`0055AED6DCD90281E5`). */
const SEQUENCER_DIGITS = 18;

/** Formats a counter value as a sequencer: upper-case hex, zero-padded to a fixed width. */
export function formatSequencer(value: number): string {
  return value.toString(16).toUpperCase().padStart(SEQUENCER_DIGITS, '0');
}

/**
 * Orders two sequencers of the same key: the greater hexadecimal value is the later event.
 * Values of different lengths are compared after padding the shorter with leading zeros.
 * Returns a negative number, zero or a positive number, like a sort comparator.
 */
export function compareSequencers(first: string, second: string): number {
  const width = Math.max(first.length, second.length);
  const a = first.toUpperCase().padStart(width, '0');
  const b = second.toUpperCase().padStart(width, '0');
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Returns the principal id that S3 reports for a requester: `AWS:<access key>`, or `Anonymous`. */
export function principalIdOf(requester: Requester): string {
  return requester.accessKeyId ? `AWS:${requester.accessKeyId}` : 'Anonymous';
}

/** Builds the record for one change and one matching configuration. */
export function buildEventRecord(change: ObjectChange, configurationId: string, ownerId: string, hostId: string): S3EventRecord {
  const object = { key: formEncodeKey(change.key) } as S3EventRecord['s3']['object'];
  if (change.sizeBytes !== undefined) object.size = change.sizeBytes;
  if (change.etag !== undefined) object.eTag = change.etag.replace(/"/g, '');
  if (change.versionId !== undefined) object.versionId = change.versionId;
  object.sequencer = change.sequencer;

  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: change.bucket.region,
    eventTime: new Date(change.eventTimeMs).toISOString(),
    eventName: change.eventName,
    userIdentity: { principalId: principalIdOf(change.requester) },
    requestParameters: { sourceIPAddress: change.requester.sourceIp },
    responseElements: { 'x-amz-request-id': change.requester.requestId, 'x-amz-id-2': hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: { name: change.bucket.name, ownerIdentity: { principalId: ownerId }, arn: `arn:aws:s3:::${change.bucket.name}` },
      object,
    },
  };
}
