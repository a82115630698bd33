import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

import type { Requester, S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { createChecksumHasher } from './checksums.js';
import { NotModified, evaluateReadConditions } from './conditional.js';
import type { ConditionalHeaders } from './conditional.js';
import { InvalidRequest, KeyTooLongError, MetadataTooLarge, NoSuchKey, NoSuchVersion, PreconditionFailed } from './errors.js';
import { commitVersion } from './object-commit.js';
import type { CommittedVersion } from './object-commit.js';
import type { ReceivedBody } from './request-body.js';
import type { ChecksumAlgorithm, ObjectHeaders, ObjectVersionRecord, StoredChecksum } from './store.js';
import { validateVersionId } from './versioning.js';

/** Object writes: PutObject and CopyObject. */

/** Maximum key length that S3 accepts, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;
/** Largest user metadata S3 accepts: names and values together, in bytes of UTF-8. */
export const MAX_METADATA_BYTES = 2048;

export interface PutObjectInput {
  bucket: string;
  key: string;
  body: ReceivedBody;
  headers: ObjectHeaders;
  metadata: Record<string, string>;
  storageClass?: string;
  conditions: ConditionalHeaders;
  requester: Requester;
}

/** Stores a received body as the key's new current version. */
export function PutObject(backend: S3Backend, input: PutObjectInput): CommittedVersion {
  validateKey(input.key);
  validateMetadata(input.metadata);

  return commitVersion(backend, {
    bucket: input.bucket,
    key: input.key,
    version: {
      isDeleteMarker: false,
      blobDigest: input.body.blobDigest,
      sizeBytes: input.body.sizeBytes,
      etag: `"${input.body.md5.toString('hex')}"`,
      headers: input.headers,
      metadata: input.metadata,
      checksum: input.body.checksum,
      storageClass: input.storageClass ?? 'STANDARD',
    },
    eventName: 'ObjectCreated:Put',
    requester: input.requester,
    conditions: input.conditions,
  });
}

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface CopyObjectInput {
  bucket: string;
  key: string;
  source: CopySource;
  metadataDirective: 'COPY' | 'REPLACE';
  /** Used when the directive is REPLACE. */
  headers: ObjectHeaders;
  metadata: Record<string, string>;
  storageClass?: string;
  /** `x-amz-copy-source-if-*`, evaluated against the source. */
  sourceConditions: ConditionalHeaders;
  /** A checksum algorithm for the copy; without it the source's checksum is kept. */
  checksumAlgorithm?: ChecksumAlgorithm;
  requester: Requester;
}

export interface CopyObjectOutput extends CommittedVersion {
  source: ObjectVersionRecord;
  /** Whether the source bucket names version ids (for `x-amz-copy-source-version-id`). */
  reportSourceVersionId: boolean;
}

/**
 * Copies an object version to a key, keeping its metadata (COPY) or taking the request's
 * (REPLACE). Copying an object onto itself must change something, as S3 requires.
 */
export async function CopyObject(backend: S3Backend, input: CopyObjectInput): Promise<CopyObjectOutput> {
  validateKey(input.key);
  validateMetadata(input.metadata);
  requireBucket(backend, input.bucket);
  const sourceBucket = requireBucket(backend, input.source.bucket);
  const source = findCopySource(backend, input.source);
  evaluateCopySourceConditions(input.sourceConditions, source);

  const sameObject = input.source.bucket === input.bucket && input.source.key === input.key;
  const changesSomething = input.metadataDirective === 'REPLACE' || input.storageClass !== undefined || input.checksumAlgorithm !== undefined;
  if (sameObject && !changesSomething) {
    throw new InvalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }

  const blobPath = backend.blobs.path(source.blobDigest!);
  const etag = source.etag.includes('-') ? `"${await hashFile(blobPath, () => createHash('md5'), 'hex')}"` : source.etag;
  const checksum = await copiedChecksum(blobPath, source.checksum, input.checksumAlgorithm);
  const replace = input.metadataDirective === 'REPLACE';

  const committed = commitVersion(backend, {
    bucket: input.bucket,
    key: input.key,
    version: {
      isDeleteMarker: false,
      blobDigest: source.blobDigest,
      sizeBytes: source.sizeBytes,
      etag,
      headers: replace ? input.headers : source.headers,
      metadata: replace ? input.metadata : source.metadata,
      checksum,
      storageClass: input.storageClass ?? source.storageClass,
    },
    eventName: 'ObjectCreated:Copy',
    requester: input.requester,
  });
  return { ...committed, source, reportSourceVersionId: sourceBucket.versioning !== undefined };
}

/** Throws `KeyTooLongError` for a key over 1,024 bytes of UTF-8 and `InvalidRequest` for an empty key. */
export function validateKey(key: string): void {
  const keyBytes = Buffer.byteLength(key, 'utf8');
  if (keyBytes > MAX_KEY_BYTES) throw new KeyTooLongError(keyBytes);
  if (keyBytes === 0) throw new InvalidRequest('An object key must not be empty.');
}

/** Throws `MetadataTooLarge` when user metadata exceeds 2 KB. */
export function validateMetadata(metadata: Record<string, string>): void {
  let sizeBytes = 0;
  for (const [name, value] of Object.entries(metadata)) sizeBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  if (sizeBytes > MAX_METADATA_BYTES) throw new MetadataTooLarge(sizeBytes, MAX_METADATA_BYTES);
}

/** Finds the version a copy reads: a named version, or the current one. Throws S3's errors for a missing or deleted source. */
export function findCopySource(backend: S3Backend, source: CopySource): ObjectVersionRecord {
  if (source.versionId !== undefined) {
    validateVersionId(source.versionId);
    const version = backend.store.getVersion(source.bucket, source.key, source.versionId);
    if (!version) throw new NoSuchVersion(source.key, source.versionId);
    if (version.isDeleteMarker) throw new InvalidRequest('The source of a copy request may not specifically refer to a delete marker by version id.');
    return version;
  }

  const latest = backend.store.getLatest(source.bucket, source.key);
  if (!latest || latest.isDeleteMarker) throw new NoSuchKey(source.key);
  return latest;
}

/** Copy-source conditions fail with 412 in every case, including the ones that are 304 on a GET. */
export function evaluateCopySourceConditions(conditions: ConditionalHeaders, source: ObjectVersionRecord): void {
  try {
    evaluateReadConditions(conditions, source);
  } catch (error) {
    if (!(error instanceof NotModified)) throw error;
    const condition = conditions.ifNoneMatch !== undefined ? 'x-amz-copy-source-If-None-Match' : 'x-amz-copy-source-If-Modified-Since';
    throw new PreconditionFailed(condition);
  }
}

async function copiedChecksum(
  blobPath: string,
  sourceChecksum: StoredChecksum | undefined,
  requested: ChecksumAlgorithm | undefined,
): Promise<StoredChecksum | undefined> {
  const algorithm = requested ?? sourceChecksum?.algorithm;
  if (!algorithm) return undefined;
  if (sourceChecksum && sourceChecksum.algorithm === algorithm && sourceChecksum.type === 'FULL_OBJECT') return sourceChecksum;

  const hasher = createChecksumHasher(algorithm);
  await forEachChunk(blobPath, (chunk) => hasher.update(chunk));
  return { algorithm, value: hasher.digestBase64(), type: 'FULL_OBJECT' };
}

/** Hashes a stored file without reading it into memory at once. */
export async function hashFile(path: string, create: () => ReturnType<typeof createHash>, encoding: 'hex' | 'base64'): Promise<string> {
  const hash = create();
  await forEachChunk(path, (chunk) => hash.update(chunk));
  return hash.digest(encoding);
}

async function forEachChunk(path: string, consume: (chunk: Buffer) => void): Promise<void> {
  for await (const chunk of createReadStream(path)) consume(chunk as Buffer);
}
