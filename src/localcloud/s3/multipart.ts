import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import type { WriteStream } from 'node:fs';

import type { Requester, S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { compositeChecksum, createChecksumHasher } from './checksums.js';
import type { ConditionalHeaders } from './conditional.js';
import { EntityTooSmall, InvalidArgument, InvalidPart, InvalidPartOrder, InvalidRequest, MalformedXML, NoSuchUpload } from './errors.js';
import { commitVersion } from './object-commit.js';
import type { CommittedVersion } from './object-commit.js';
import { validateKey, validateMetadata } from './objects-write.js';
import type { ReceivedBody } from './request-body.js';
import type { ChecksumAlgorithm, ObjectHeaders, PartRecord, StoredChecksum, UploadRecord } from './store.js';

/**
 * Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload and ListParts. Parts are stored as blobs; completing an upload
 * concatenates them into one blob, so a completed object reads like any other.
 */

/** Smallest part except the last: 5 MiB. */
export const MIN_PART_BYTES = 5 * 1024 ** 2;
export const MAX_PART_NUMBER = 10_000;

export interface CreateMultipartUploadInput {
  bucket: string;
  key: string;
  headers: ObjectHeaders;
  metadata: Record<string, string>;
  storageClass?: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
}

export function CreateMultipartUpload(backend: S3Backend, input: CreateMultipartUploadInput): UploadRecord {
  validateKey(input.key);
  validateMetadata(input.metadata);
  if (input.checksumType && !input.checksumAlgorithm) {
    throw new InvalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  }
  if (input.checksumType === 'FULL_OBJECT' && (input.checksumAlgorithm === 'SHA1' || input.checksumAlgorithm === 'SHA256')) {
    throw new InvalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${input.checksumAlgorithm} checksum algorithm.`);
  }

  const upload: UploadRecord = {
    uploadId: randomBytes(36).toString('base64url'),
    bucket: input.bucket,
    key: input.key,
    initiatedMs: Date.now(),
    headers: input.headers,
    metadata: input.metadata,
    checksumAlgorithm: input.checksumAlgorithm,
    checksumType: input.checksumAlgorithm ? (input.checksumType ?? 'COMPOSITE') : undefined,
    storageClass: input.storageClass ?? 'STANDARD',
  };
  backend.store.transaction(() => {
    requireBucket(backend, input.bucket);
    backend.store.insertUpload(upload);
  });
  return upload;
}

/** Returns the upload, or throws `NoSuchUpload` when it is unknown or belongs to another key. */
export function requireUpload(backend: S3Backend, bucket: string, key: string, uploadId: string): UploadRecord {
  requireBucket(backend, bucket);
  const upload = backend.store.getUpload(uploadId);
  if (!upload || upload.bucket !== bucket || upload.key !== key) throw new NoSuchUpload(uploadId);
  return upload;
}

/** Throws `InvalidArgument` unless the part number is an integer from 1 to 10,000. */
export function parsePartNumber(value: string | null): number {
  const partNumber = Number(value);
  if (value === null || !/^\d+$/.test(value) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new InvalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', value ?? '');
  }
  return partNumber;
}

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  body: ReceivedBody;
}

/** Records a received part body; a part uploaded again under the same number replaces the earlier one. */
export function UploadPart(backend: S3Backend, input: UploadPartInput): PartRecord {
  const part: PartRecord = {
    uploadId: input.uploadId,
    partNumber: input.partNumber,
    blobDigest: input.body.blobDigest,
    sizeBytes: input.body.sizeBytes,
    etag: `"${input.body.md5.toString('hex')}"`,
    lastModifiedMs: Date.now(),
    checksum: input.body.checksum,
  };
  backend.store.transaction(() => {
    requireUpload(backend, input.bucket, input.key, input.uploadId);
    backend.store.putPart(part);
  });
  return part;
}

/** A part as CompleteMultipartUpload lists it. */
export interface CompletedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface CompleteMultipartUploadInput {
  bucket: string;
  key: string;
  uploadId: string;
  parts: CompletedPart[];
  conditions: ConditionalHeaders;
  requester: Requester;
}

/**
 * Joins the listed parts into the object. Parts must be listed in ascending order, exist
 * with the given ETags, and be at least 5 MiB except the last. The ETag is the MD5 of the
 * parts' binary MD5s followed by `-<part count>`.
 */
export async function CompleteMultipartUpload(backend: S3Backend, input: CompleteMultipartUploadInput): Promise<CommittedVersion> {
  const upload = requireUpload(backend, input.bucket, input.key, input.uploadId);
  const parts = matchParts(backend, upload, input.parts);

  const joined = await joinParts(backend, upload, parts);
  const checksum = upload.checksumType === 'COMPOSITE' ? compositeOf(upload, parts) : joined.checksum;
  const partMd5s = Buffer.concat(parts.map((part) => Buffer.from(part.etag.replace(/"/g, ''), 'hex')));
  const etag = `"${createHash('md5').update(partMd5s).digest('hex')}-${parts.length}"`;

  return commitVersion(backend, {
    bucket: input.bucket,
    key: input.key,
    version: {
      isDeleteMarker: false,
      blobDigest: joined.blobDigest,
      sizeBytes: joined.sizeBytes,
      etag,
      headers: upload.headers,
      metadata: upload.metadata,
      checksum,
      partsCount: parts.length,
      storageClass: upload.storageClass,
    },
    eventName: 'ObjectCreated:CompleteMultipartUpload',
    requester: input.requester,
    conditions: input.conditions,
    beforeCommit: () => {
      requireUpload(backend, input.bucket, input.key, input.uploadId);
      backend.store.deleteUpload(input.uploadId);
    },
  });
}

/** Discards an upload and its parts. */
export function AbortMultipartUpload(backend: S3Backend, bucket: string, key: string, uploadId: string): void {
  backend.store.transaction(() => {
    requireUpload(backend, bucket, key, uploadId);
    backend.store.deleteUpload(uploadId);
  });
}

export interface ListPartsInput {
  bucket: string;
  key: string;
  uploadId: string;
  maxParts: number;
  partNumberMarker: number;
}

export interface ListPartsOutput {
  upload: UploadRecord;
  parts: PartRecord[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

export function ListParts(backend: S3Backend, input: ListPartsInput): ListPartsOutput {
  const upload = requireUpload(backend, input.bucket, input.key, input.uploadId);
  const fetched = backend.store.listParts(input.uploadId, input.partNumberMarker, input.maxParts + 1);
  const parts = fetched.slice(0, input.maxParts);
  const isTruncated = fetched.length > input.maxParts;
  return { upload, parts, isTruncated, nextPartNumberMarker: parts.at(-1)?.partNumber };
}

function matchParts(backend: S3Backend, upload: UploadRecord, listed: CompletedPart[]): PartRecord[] {
  if (listed.length === 0) throw new MalformedXML('CompleteMultipartUpload must list at least one part.');
  const stored = new Map(backend.store.listParts(upload.uploadId).map((part) => [part.partNumber, part]));

  const parts: PartRecord[] = [];
  let previousNumber = 0;
  for (const entry of listed) {
    if (entry.partNumber <= previousNumber) throw new InvalidPartOrder();
    previousNumber = entry.partNumber;

    const part = stored.get(entry.partNumber);
    if (!part || normalizeEtag(part.etag) !== normalizeEtag(entry.etag)) throw new InvalidPart(entry.partNumber, entry.etag);
    for (const [algorithm, value] of Object.entries(entry.checksums)) {
      if (part.checksum?.algorithm === algorithm && part.checksum.value !== value) throw new InvalidPart(entry.partNumber, entry.etag);
    }
    parts.push(part);
  }

  parts.slice(0, -1).forEach((part) => {
    if (part.sizeBytes < MIN_PART_BYTES) throw new EntityTooSmall(part.partNumber, part.sizeBytes, MIN_PART_BYTES);
  });
  return parts;
}

function compositeOf(upload: UploadRecord, parts: PartRecord[]): StoredChecksum | undefined {
  const algorithm = upload.checksumAlgorithm!;
  const values = parts.map((part) => (part.checksum?.algorithm === algorithm ? part.checksum.value : undefined));
  const missing = values.findIndex((value) => value === undefined);
  if (missing !== -1) {
    throw new InvalidRequest(
      `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${parts[missing]!.partNumber} in the request.`,
    );
  }
  return { algorithm, value: compositeChecksum(algorithm, values as string[]), type: 'COMPOSITE' };
}

interface JoinedBody {
  blobDigest: string;
  sizeBytes: number;
  checksum?: StoredChecksum;
}

/** Concatenates the parts into a new blob, hashing it on the way for its address and full-object checksum. */
async function joinParts(backend: S3Backend, upload: UploadRecord, parts: PartRecord[]): Promise<JoinedBody> {
  const sha256 = createHash('sha256');
  const checksum = upload.checksumType === 'FULL_OBJECT' ? createChecksumHasher(upload.checksumAlgorithm!) : undefined;
  const temporaryFile = backend.blobs.temporaryPath();
  const output = createWriteStream(temporaryFile);
  let sizeBytes = 0;

  try {
    for (const part of parts) {
      for await (const chunk of createReadStream(backend.blobs.path(part.blobDigest))) {
        const bytes = chunk as Buffer;
        sha256.update(bytes);
        checksum?.update(bytes);
        sizeBytes += bytes.length;
        await write(output, bytes);
      }
    }
    await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
  } catch (error) {
    output.destroy();
    rmSync(temporaryFile, { force: true });
    throw error;
  }

  const blobDigest = sha256.digest('hex');
  backend.blobs.adopt(temporaryFile, blobDigest);
  const fullObject = checksum ? { algorithm: upload.checksumAlgorithm!, value: checksum.digestBase64(), type: 'FULL_OBJECT' as const } : undefined;
  return { blobDigest, sizeBytes, checksum: fullObject };
}

function write(output: WriteStream, bytes: Buffer): Promise<void> {
  if (output.write(bytes)) return Promise.resolve();
  return new Promise((resolve) => output.once('drain', resolve));
}

function normalizeEtag(etag: string): string {
  return etag.replace(/"/g, '').trim();
}
