import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, rmSync, writeFileSync } from 'node:fs';
import { Transform, Writable } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { AwsError } from '../errors.js';
import type { LocalRequest } from '../request.js';
import type { BlobStore } from '../store/blobs.js';
import { AwsChunkedDecoder } from './aws-chunked.js';
import {
  CHECKSUM_ALGORITHMS,
  checksumHeader,
  createChecksumHasher,
  parseChecksumAlgorithm,
  validateChecksumValue,
  verifyChecksum,
  verifyContentMd5,
} from './checksums.js';
import type { ChecksumHasher } from './checksums.js';
import { EntityTooLarge, IncompleteBody, InvalidRequest, MissingContentLength, XAmzContentSHA256Mismatch } from './errors.js';
import type { ChecksumAlgorithm, StoredChecksum } from './store.js';

/**
 * Receives an object or part body: streams it to a temporary file while hashing it,
 * de-chunks `aws-chunked` bodies, verifies Content-MD5, `x-amz-content-sha256` and the
 * flexible checksum (from a header or an aws-chunked trailer), then moves the file into
 * the blob store. A body that fails a check is deleted and never stored.
 */

/** Largest body of one PutObject or UploadPart: 5 GiB. */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;

/**
 * Bodies that declare at most this size are received in memory and written with one
 * synchronous write, which costs far less than a file stream's open, writes and close on
 * the thread pool. Larger bodies stream to a temporary file so memory stays bounded.
 */
const IN_MEMORY_BODY_MAX_BYTES = 8 * 1024 ** 2;

/** A stored body: where it is, and its digests. */
export interface ReceivedBody {
  blobDigest: string;
  sizeBytes: number;
  md5: Buffer;
  /** The flexible checksum that was sent or requested, already verified. */
  checksum?: StoredChecksum;
}

export interface ReceiveOptions {
  maxBytes: number;
  /** The algorithm to compute when the request names none (an upload created with one). */
  defaultAlgorithm?: ChecksumAlgorithm;
}

interface ChecksumPlan {
  algorithm: ChecksumAlgorithm;
  /** The value from a header; undefined when it comes in a trailer or is only requested. */
  headerValue?: string;
  fromTrailer: boolean;
}

const STREAMING_PAYLOADS = new Set([
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);

/** Reads, verifies and stores the request body. Throws S3's errors; leaves nothing behind on failure. */
export async function receiveBody(request: LocalRequest, blobs: BlobStore, options: ReceiveOptions): Promise<ReceivedBody> {
  const chunked = isAwsChunked(request);
  const framed = request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
  if (!framed) throw new MissingContentLength();
  const declaredBytes = declaredBodyBytes(request, chunked);
  if (declaredBytes !== undefined && declaredBytes > options.maxBytes) {
    request.stream.resume();
    throw new EntityTooLarge(declaredBytes, options.maxBytes);
  }

  const plan = planChecksum(request, options.defaultAlgorithm);
  const meter = new BodyMeter(options.maxBytes, plan ? createChecksumHasher(plan.algorithm) : undefined);
  const decoder = chunked ? new AwsChunkedDecoder() : undefined;
  const inMemory = declaredBytes !== undefined && declaredBytes <= IN_MEMORY_BODY_MAX_BYTES;
  if (inMemory && !decoder) return receivePlainBody(request, blobs, meter, plan, declaredBytes);

  const sink = inMemory ? new BufferSink(declaredBytes) : undefined;
  const temporaryFile = inMemory ? undefined : blobs.temporaryPath();

  try {
    await writeBody(request, decoder, meter, sink ?? createWriteStream(temporaryFile!));
    verifyBody(request, meter, decoder, plan, declaredBytes);
  } catch (error) {
    if (temporaryFile) rmSync(temporaryFile, { force: true });
    throw error;
  }

  // NOTE: the body is stored before the operation commits, so a write that then fails (a
  // precondition, a deleted upload) leaves an unreferenced blob, which nothing removes yet.
  const blobDigest = meter.sha256.digest('hex');
  if (sink) storeBuffer(blobs, sink.contents(), blobDigest);
  else blobs.adopt(temporaryFile!, blobDigest);
  const checksum = plan && meter.checksum ? { algorithm: plan.algorithm, value: meter.checksumCopy(), type: 'FULL_OBJECT' as const } : undefined;
  return { blobDigest, sizeBytes: meter.receivedBytes, md5: meter.md5.digest(), checksum };
}

/**
 * Receives a small body without aws-chunked framing in one buffer and measures it in one
 * pass, skipping the stream pipeline that large and chunked bodies go through.
 */
async function receivePlainBody(
  request: LocalRequest,
  blobs: BlobStore,
  meter: BodyMeter,
  plan: ChecksumPlan | undefined,
  declaredBytes: number,
): Promise<ReceivedBody> {
  const body = await readWholeBody(request, declaredBytes);
  meter.measure(body);
  verifyBody(request, meter, undefined, plan, declaredBytes);

  const blobDigest = meter.sha256.digest('hex');
  storeBuffer(blobs, body, blobDigest);
  const checksum = plan && meter.checksum ? { algorithm: plan.algorithm, value: meter.checksumCopy(), type: 'FULL_OBJECT' as const } : undefined;
  return { blobDigest, sizeBytes: meter.receivedBytes, md5: meter.md5.digest(), checksum };
}

async function readWholeBody(request: LocalRequest, declaredBytes: number): Promise<Buffer> {
  try {
    return await request.readBody(declaredBytes, () => new IncompleteBody(`The body is longer than the ${declaredBytes} bytes that the request declared.`));
  } catch (error) {
    if (error instanceof AwsError) throw error;
    throw new IncompleteBody(`The request body could not be read completely: ${(error as Error).message}`);
  }
}

/** True for a body in aws-chunked framing, which clients announce in Content-Encoding or x-amz-content-sha256. */
export function isAwsChunked(request: LocalRequest): boolean {
  const encoding = String(request.headers['content-encoding'] ?? '').toLowerCase();
  const payload = String(request.headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((part) => part.trim() === 'aws-chunked') || STREAMING_PAYLOADS.has(payload);
}

function declaredBodyBytes(request: LocalRequest, chunked: boolean): number | undefined {
  const header = chunked ? request.headers['x-amz-decoded-content-length'] : request.headers['content-length'];
  if (header === undefined) return undefined;
  const bytes = Number(header);
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new InvalidRequest(`The ${chunked ? 'x-amz-decoded-content-length' : 'Content-Length'} header "${String(header)}" is not a byte count.`);
  }
  return bytes;
}

function planChecksum(request: LocalRequest, defaultAlgorithm: ChecksumAlgorithm | undefined): ChecksumPlan | undefined {
  const inHeaders = CHECKSUM_ALGORITHMS.filter((algorithm) => request.headers[checksumHeader(algorithm)] !== undefined);
  if (inHeaders.length > 1) {
    throw new InvalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  rejectUnsupportedChecksumHeaders(request);

  const trailer = String(request.headers['x-amz-trailer'] ?? '').trim().toLowerCase();
  const sdkAlgorithm = request.headers['x-amz-sdk-checksum-algorithm'];
  const named = inHeaders[0];

  if (named) {
    const headerValue = String(request.headers[checksumHeader(named)]);
    validateChecksumValue(named, headerValue);
    return { algorithm: named, headerValue, fromTrailer: false };
  }
  if (trailer.startsWith('x-amz-checksum-')) {
    return { algorithm: parseChecksumAlgorithm(trailer.slice('x-amz-checksum-'.length), 'x-amz-trailer'), fromTrailer: true };
  }
  if (typeof sdkAlgorithm === 'string') {
    return { algorithm: parseChecksumAlgorithm(sdkAlgorithm, 'x-amz-sdk-checksum-algorithm'), fromTrailer: false };
  }
  if (defaultAlgorithm) return { algorithm: defaultAlgorithm, fromTrailer: false };
  return undefined;
}

/** Headers that start with `x-amz-checksum-` but carry no checksum value. */
const CHECKSUM_SETTING_HEADERS = new Set(['x-amz-checksum-algorithm', 'x-amz-checksum-type', 'x-amz-checksum-mode']);

function rejectUnsupportedChecksumHeaders(request: LocalRequest): void {
  for (const name of Object.keys(request.headers)) {
    if (!name.startsWith('x-amz-checksum-') || CHECKSUM_SETTING_HEADERS.has(name)) continue;

    const algorithm = name.slice('x-amz-checksum-'.length).toUpperCase() as ChecksumAlgorithm;
    if (!CHECKSUM_ALGORITHMS.includes(algorithm)) {
      throw new InvalidRequest(`The checksum header ${name} names an algorithm the local cloud does not support; use CRC32, CRC32C, SHA1 or SHA256.`);
    }
  }
}

/**
 * Writes a body that was received in memory. The blob store names bodies by digest, so a
 * body that is already stored is not written again.
 */
function storeBuffer(blobs: BlobStore, body: Buffer, digest: string): void {
  if (existsSync(blobs.path(digest))) return;

  const temporaryFile = blobs.temporaryPath();
  writeFileSync(temporaryFile, body);
  blobs.adopt(temporaryFile, digest);
}

async function writeBody(request: LocalRequest, decoder: AwsChunkedDecoder | undefined, meter: BodyMeter, output: Writable): Promise<void> {
  try {
    if (decoder) await pipeline(request.stream, decoder, meter, output);
    else await pipeline(request.stream, meter, output);
  } catch (error) {
    request.stream.resume();
    if (error instanceof AwsError) throw error;
    throw new IncompleteBody(`The request body could not be read completely: ${(error as Error).message}`);
  }
}

function verifyBody(
  request: LocalRequest,
  meter: BodyMeter,
  decoder: AwsChunkedDecoder | undefined,
  plan: ChecksumPlan | undefined,
  declaredBytes: number | undefined,
): void {
  if (declaredBytes !== undefined && meter.receivedBytes !== declaredBytes) {
    throw new IncompleteBody(`The body has ${meter.receivedBytes} bytes, but the request declared ${declaredBytes}.`);
  }

  const contentMd5 = request.headers['content-md5'];
  if (typeof contentMd5 === 'string') verifyContentMd5(contentMd5, meter.md5Copy());

  const payloadHash = String(request.headers['x-amz-content-sha256'] ?? '');
  if (/^[0-9a-f]{64}$/.test(payloadHash) && meter.sha256Copy() !== payloadHash) {
    throw new XAmzContentSHA256Mismatch(payloadHash, meter.sha256Copy());
  }

  if (!plan || !meter.checksum) return;
  const expected = plan.fromTrailer ? decoder?.trailers.get(checksumHeader(plan.algorithm)) : plan.headerValue;
  if (plan.fromTrailer && expected === undefined) {
    throw new InvalidRequest(`The request announced the trailer ${checksumHeader(plan.algorithm)} but the body did not contain it.`);
  }
  if (expected === undefined) return;
  validateChecksumValue(plan.algorithm, expected);
  verifyChecksum({ algorithm: plan.algorithm, value: expected, type: 'FULL_OBJECT' }, meter.checksumCopy());
}

/** Collects a small body in memory, so that it is written to disk once, after it is verified. */
class BufferSink extends Writable {
  private readonly chunks: Buffer[] = [];
  private receivedBytes = 0;

  constructor(private readonly declaredBytes: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.receivedBytes += chunk.length;
    if (this.receivedBytes > this.declaredBytes) {
      callback(new IncompleteBody(`The body is longer than the ${this.declaredBytes} bytes that the request declared.`));
      return;
    }
    this.chunks.push(chunk);
    callback();
  }

  contents(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }
}

/** Counts and hashes the decoded body as it passes, and stops it at the size limit. */
class BodyMeter extends Transform {
  readonly md5 = createHash('md5');
  readonly sha256 = createHash('sha256');
  receivedBytes = 0;
  private checksumValue?: string;

  constructor(
    private readonly maxBytes: number,
    readonly checksum: ChecksumHasher | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.measure(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, chunk);
  }

  /** Counts and hashes one piece of the body; throws `EntityTooLarge` past the limit. */
  measure(chunk: Buffer): void {
    this.receivedBytes += chunk.length;
    if (this.receivedBytes > this.maxBytes) throw new EntityTooLarge(this.receivedBytes, this.maxBytes);
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.checksum?.update(chunk);
  }

  md5Copy(): Buffer {
    return this.md5.copy().digest();
  }

  sha256Copy(): string {
    return this.sha256.copy().digest('hex');
  }

  checksumCopy(): string {
    this.checksumValue ??= this.checksum?.digestBase64() ?? '';
    return this.checksumValue;
  }
}
