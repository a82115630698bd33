import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

import type { S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { createChecksumHasher } from './checksums.js';
import type { ConditionalHeaders } from './conditional.js';
import { InvalidArgument } from './errors.js';
import { requireUpload } from './multipart.js';
import { evaluateCopySourceConditions, findCopySource } from './objects-write.js';
import type { CopySource } from './objects-write.js';
import type { ByteRange } from './range.js';
import type { ObjectVersionRecord, PartRecord, StoredChecksum } from './store.js';

/** UploadPartCopy: a part of a multipart upload taken from a byte range of an existing object. */

export interface UploadPartCopyInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  source: CopySource;
  /** `x-amz-copy-source-range`; absent copies the whole source. */
  sourceRange?: string;
  sourceConditions: ConditionalHeaders;
}

export interface UploadPartCopyOutput {
  part: PartRecord;
  source: ObjectVersionRecord;
  reportSourceVersionId: boolean;
}

/** Copies the source range into a new part blob, hashing it for its ETag, address and checksum. */
export async function UploadPartCopy(backend: S3Backend, input: UploadPartCopyInput): Promise<UploadPartCopyOutput> {
  const upload = requireUpload(backend, input.bucket, input.key, input.uploadId);
  const sourceBucket = requireBucket(backend, input.source.bucket);
  const source = findCopySource(backend, input.source);
  evaluateCopySourceConditions(input.sourceConditions, source);
  const range = parseCopySourceRange(input.sourceRange, source.sizeBytes);

  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  const checksum = upload.checksumAlgorithm ? createChecksumHasher(upload.checksumAlgorithm) : undefined;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      sha256.update(chunk);
      checksum?.update(chunk);
      callback(null, chunk);
    },
  });

  const temporaryFile = backend.blobs.temporaryPath();
  try {
    const reader = range && source.sizeBytes > 0 ? backend.blobs.stream(source.blobDigest!, range) : backend.blobs.stream(source.blobDigest!);
    await pipeline(reader, hashing, createWriteStream(temporaryFile));
  } catch (error) {
    rmSync(temporaryFile, { force: true });
    throw error;
  }
  const blobDigest = sha256.digest('hex');
  backend.blobs.adopt(temporaryFile, blobDigest);

  const partChecksum: StoredChecksum | undefined = checksum
    ? { algorithm: upload.checksumAlgorithm!, value: checksum.digestBase64(), type: 'FULL_OBJECT' }
    : undefined;
  const part: PartRecord = {
    uploadId: input.uploadId,
    partNumber: input.partNumber,
    blobDigest,
    sizeBytes: range ? range.end - range.start + 1 : source.sizeBytes,
    etag: `"${md5.digest('hex')}"`,
    lastModifiedMs: Date.now(),
    checksum: partChecksum,
  };
  backend.store.transaction(() => {
    requireUpload(backend, input.bucket, input.key, input.uploadId);
    backend.store.putPart(part);
  });
  return { part, source, reportSourceVersionId: sourceBucket.versioning !== undefined };
}

/**
 * Reads `x-amz-copy-source-range`, which must be `bytes=first-last` inside the source.
 * Unlike a GET Range, an invalid range is an error rather than a whole-object copy.
 */
export function parseCopySourceRange(header: string | undefined, sourceSizeBytes: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (!match || start > end || end >= sourceSizeBytes) {
    throw new InvalidArgument(
      `Range specified is not valid for source object of size: ${sourceSizeBytes}`,
      'x-amz-copy-source-range',
      header,
    );
  }
  return { start, end };
}
