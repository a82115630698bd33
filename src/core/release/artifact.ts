/**
 * Turning one S3 event record into a deployment plan: decode and match the key, read the pinned
 * object version's metadata, and verify its checksum. Nothing changes in Lambda here.
 */
import { createHash } from 'node:crypto';

import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';

import { ChecksumMismatchError, InvalidReleaseMetadataError } from './errors.js';
import { decodeEventKey, parseArtifactKey } from './keys.js';
import { parseReleaseMetadata } from './metadata.js';
import type { ReleaseMetadata } from './metadata.js';
import type { ReleasePlan } from './runtime.js';
import { isSequencer } from './sequencer.js';
import { formatStrategy } from './strategy.js';

/** The parts of an S3 event record (AWS's shape) the deploy service reads. */
export interface S3EventRecord {
  eventName?: string;
  s3?: {
    bucket?: { name?: string };
    object?: { key?: string; size?: number; versionId?: string; sequencer?: string };
  };
}

/** A record that names a deployable artifact: where it is and which function and stage it targets. */
export interface ArtifactRecord {
  bucket: string;
  key: string;
  versionId: string | null;
  sequencer: string | null;
  functionName: string;
  stage: string;
}

/** Outcome of matching a record: an artifact, or the reason it is not one (logged, not a failure). */
export type RecordMatch = { artifact: ArtifactRecord } | { key: string; ignored: string };

/**
 * Matches a record against `<stage>/<function>.zip` and the allow-list. Throws
 * `InvalidReleaseMetadataError` only for a key that is not valid URL encoding.
 */
export function matchRecord(record: S3EventRecord, deployableFunctions: ReadonlySet<string>, artifactBucket: string | undefined): RecordMatch {
  const key = decodeEventKey(record.s3?.object?.key ?? '');
  const eventName = record.eventName ?? '';
  if (!eventName.startsWith('ObjectCreated:')) return { key, ignored: `event ${eventName || '(none)'} is not an ObjectCreated event` };

  const bucket = record.s3?.bucket?.name ?? '';
  if (artifactBucket && bucket !== artifactBucket) return { key, ignored: `bucket ${bucket} is not the artifact bucket ${artifactBucket}` };

  if (key.endsWith('/') && (record.s3?.object?.size ?? 0) === 0) return { key, ignored: `key ${key} is a folder placeholder` };

  const target = parseArtifactKey(key);
  if (!target) return { key, ignored: `key ${key} does not match <stage>/<function>.zip` };
  if (!deployableFunctions.has(target.functionName)) {
    return { key, ignored: `function ${target.functionName} is not in DEPLOYABLE_FUNCTIONS (${[...deployableFunctions].join(',') || 'empty'})` };
  }

  const sequencer = record.s3?.object?.sequencer;
  return {
    artifact: {
      bucket,
      key,
      versionId: record.s3?.object?.versionId || null,
      sequencer: sequencer && isSequencer(sequencer) ? sequencer : null,
      ...target,
    },
  };
}

/**
 * Reads the metadata of the record's object version, validates it, verifies `sha256` when given,
 * and returns the plan. Throws `InvalidReleaseMetadataError` or `ChecksumMismatchError`.
 */
export async function planDeployment(s3: S3Client, artifact: ArtifactRecord, onDefaultDescription: (description: string) => void): Promise<ReleasePlan> {
  if (artifact.versionId === null) {
    throw new InvalidReleaseMetadataError(`The event for s3://${artifact.bucket}/${artifact.key} has no versionId; enable versioning on the artifact bucket and upload again.`);
  }

  const head = await headObjectVersion(s3, artifact.bucket, artifact.key, artifact.versionId);
  const defaultDescription = `Deployed from s3://${artifact.bucket}/${artifact.key} version ${artifact.versionId}`.slice(0, 256);
  const metadata = parseReleaseMetadata(head.Metadata, defaultDescription);
  if (metadata.defaultedDescription) onDefaultDescription(metadata.description);

  if (metadata.sha256 !== undefined) await verifyChecksum(s3, artifact, metadata);

  return {
    kind: 'deploy',
    functionName: artifact.functionName,
    stage: artifact.stage,
    strategy: formatStrategy(metadata.strategy),
    description: metadata.description,
    objectKey: artifact.key,
    objectVersionId: artifact.versionId,
    sequencer: artifact.sequencer,
    artifactBucket: artifact.bucket,
    version: null,
  };
}

async function headObjectVersion(s3: S3Client, bucket: string, key: string, versionId: string): Promise<HeadObjectCommandOutput> {
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
    throw new InvalidReleaseMetadataError(`s3://${bucket}/${key} version ${versionId} no longer exists; upload the build again.`, { cause: error });
  }
}

async function verifyChecksum(s3: S3Client, artifact: ArtifactRecord, metadata: ReleaseMetadata): Promise<void> {
  const object = await s3.send(new GetObjectCommand({ Bucket: artifact.bucket, Key: artifact.key, VersionId: artifact.versionId ?? undefined }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  const actual = hash.digest('hex');

  if (actual !== metadata.sha256) {
    throw new ChecksumMismatchError(
      `The SHA-256 of s3://${artifact.bucket}/${artifact.key} version ${artifact.versionId} is ${actual}, but its sha256 metadata gives ${metadata.sha256}. Upload the intended build again.`,
    );
  }
}
