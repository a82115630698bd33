import type { LocalResponse } from '../../request.js';
import { xmlResponse } from '../../protocol/rest-xml.js';
import { requireBucket } from '../buckets.js';
import { checksumHeader, checksumMember } from '../checksums.js';
import { decodePath } from '../addressing.js';
import { InvalidArgument, InvalidRequest } from '../errors.js';
import { DeleteObject } from '../objects-delete.js';
import { GetObject, HeadObject } from '../objects-read.js';
import type { GetObjectInput } from '../objects-read.js';
import { CopyObject, PutObject, validateKey } from '../objects-write.js';
import type { CopySource } from '../objects-write.js';
import { contentRange } from '../range.js';
import { MAX_SINGLE_UPLOAD_BYTES, receiveBody } from '../request-body.js';
import type { ObjectVersionRecord } from '../store.js';
import type { S3HttpContext } from './context.js';
import {
  header,
  objectResponseHeaders,
  readChecksumAlgorithm,
  readConditions,
  readMetadata,
  readObjectHeaders,
  readStorageClass,
  requesterOf,
} from './headers.js';

/** HTTP handlers of the single-object operations: PutObject, CopyObject, GetObject, HeadObject, DeleteObject. */

/**
 * Objects up to this size are read with one synchronous read and sent as one buffer, which
 * costs far less than a file stream's many 64 KiB reads on the thread pool. Larger objects
 * and ranges are streamed.
 */
const BUFFERED_READ_MAX_BYTES = 8 * 1024 ** 2;

export async function handlePutObject(context: S3HttpContext): Promise<LocalResponse> {
  const { request, backend } = context;
  validateKey(context.key);
  requireBucket(backend, context.bucket);
  const headers = readObjectHeaders(request);
  const metadata = readMetadata(request);
  const storageClass = readStorageClass(request);
  const conditions = readConditions(request);

  const body = await receiveBody(request, backend.blobs, { maxBytes: MAX_SINGLE_UPLOAD_BYTES });
  const committed = PutObject(backend, {
    bucket: context.bucket,
    key: context.key,
    body,
    headers,
    metadata,
    storageClass,
    conditions,
    requester: requesterOf(request),
  });

  const responseHeaders: Record<string, string> = { etag: committed.version.etag, 'x-amz-server-side-encryption': 'AES256' };
  if (committed.reportVersionId) responseHeaders['x-amz-version-id'] = committed.version.versionId;
  addChecksumHeaders(responseHeaders, committed.version);
  return { status: 200, headers: responseHeaders };
}

export async function handleCopyObject(context: S3HttpContext): Promise<LocalResponse> {
  const { request, backend } = context;
  const directive = header(request, 'x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new InvalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
  }

  const copied = await CopyObject(backend, {
    bucket: context.bucket,
    key: context.key,
    source: parseCopySource(header(request, 'x-amz-copy-source') ?? ''),
    metadataDirective: directive,
    headers: readObjectHeaders(request),
    metadata: readMetadata(request),
    storageClass: readStorageClass(request),
    sourceConditions: readConditions(request, 'x-amz-copy-source-'),
    checksumAlgorithm: readChecksumAlgorithm(request),
    requester: requesterOf(request),
  });

  const headers: Record<string, string> = { 'x-amz-server-side-encryption': 'AES256' };
  if (copied.reportVersionId) headers['x-amz-version-id'] = copied.version.versionId;
  if (copied.reportSourceVersionId) headers['x-amz-copy-source-version-id'] = copied.source.versionId;
  const checksum = copied.version.checksum;
  return xmlResponse(
    'CopyObjectResult',
    {
      ETag: copied.version.etag,
      LastModified: new Date(copied.version.lastModifiedMs),
      ChecksumType: checksum?.type,
      ...(checksum ? { [checksumMember(checksum.algorithm)]: checksum.value } : {}),
    },
    headers,
  );
}

/**
 * Reads `x-amz-copy-source`: `[/]<bucket>/<key>[?versionId=<id>]`, percent-encoded. The
 * query is split off before decoding, so an encoded `?` (`%3F`) stays part of the key.
 */
export function parseCopySource(value: string): CopySource {
  const [path = '', query] = value.split('?', 2);
  const withoutSlash = path.replace(/^\//, '');
  const slash = withoutSlash.indexOf('/');
  if (slash <= 0 || slash === withoutSlash.length - 1) {
    throw new InvalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', value);
  }

  const source: CopySource = { bucket: decodePath(withoutSlash.slice(0, slash)), key: decodePath(withoutSlash.slice(slash + 1)) };
  const versionId = query === undefined ? null : new URLSearchParams(query).get('versionId');
  if (versionId !== null) source.versionId = versionId;
  return source;
}

export async function handleGetObject(context: S3HttpContext): Promise<LocalResponse> {
  const { request, backend } = context;
  const found = GetObject(backend, readGetInput(context));
  const { version, range } = found;

  const headers = objectResponseHeaders(version, {
    reportVersionId: found.reportVersionId,
    includeChecksum: checksumModeEnabled(context),
    range,
    overrides: request.query,
  });
  if (version.sizeBytes === 0) return { status: 200, headers: { ...headers, 'content-length': '0' }, body: Buffer.alloc(0) };

  const digest = version.blobDigest!;
  if (!range) {
    const body = version.sizeBytes <= BUFFERED_READ_MAX_BYTES ? backend.blobs.read(digest) : backend.blobs.stream(digest);
    return { status: 200, headers: { ...headers, 'content-length': String(version.sizeBytes) }, body };
  }
  return {
    status: 206,
    headers: { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': contentRange(range, version.sizeBytes) },
    body: backend.blobs.stream(digest, range),
  };
}

export function handleHeadObject(context: S3HttpContext): LocalResponse {
  const found = HeadObject(context.backend, readGetInput(context));
  const headers = objectResponseHeaders(found.version, {
    reportVersionId: found.reportVersionId,
    includeChecksum: checksumModeEnabled(context),
    range: found.range,
  });
  if (!found.range) return { status: 200, headers: { ...headers, 'content-length': String(found.version.sizeBytes) } };

  const partial = found.range.end - found.range.start + 1;
  return { status: 206, headers: { ...headers, 'content-length': String(partial), 'content-range': contentRange(found.range, found.version.sizeBytes) } };
}

export function handleDeleteObject(context: S3HttpContext): LocalResponse {
  const result = DeleteObject(context.backend, {
    bucket: context.bucket,
    key: context.key,
    versionId: context.request.query.get('versionId') ?? undefined,
    requester: requesterOf(context.request),
  });

  const headers: Record<string, string> = {};
  if (result.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  if (result.versionId !== undefined) headers['x-amz-version-id'] = result.versionId;
  return { status: 204, headers };
}

function readGetInput(context: S3HttpContext): GetObjectInput {
  const { request } = context;
  if (request.query.has('partNumber')) {
    throw new InvalidRequest('Reading one part of a multipart object (partNumber) is not supported by the local cloud; use a Range instead.');
  }
  return {
    bucket: context.bucket,
    key: context.key,
    versionId: request.query.get('versionId') ?? undefined,
    conditions: readConditions(request),
    range: header(request, 'range'),
  };
}

function checksumModeEnabled(context: S3HttpContext): boolean {
  return header(context.request, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
}

function addChecksumHeaders(headers: Record<string, string>, version: ObjectVersionRecord): void {
  if (!version.checksum) return;
  headers[checksumHeader(version.checksum.algorithm)] = version.checksum.value;
  headers['x-amz-checksum-type'] = version.checksum.type;
}
