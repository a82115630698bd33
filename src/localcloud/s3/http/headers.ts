import type { LocalRequest } from '../../request.js';
import type { Requester } from '../backend.js';
import { checksumHeader, parseChecksumAlgorithm } from '../checksums.js';
import type { ConditionalHeaders } from '../conditional.js';
import { InvalidStorageClass } from '../errors.js';
import type { ByteRange } from '../range.js';
import type { ChecksumAlgorithm, ObjectHeaders, ObjectVersionRecord } from '../store.js';

/** Reading object headers from requests and writing them on responses. */

const METADATA_PREFIX = 'x-amz-meta-';

/** Storage classes of the S3 API's `StorageClass` enumeration. */
const STORAGE_CLASSES = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'OUTPOSTS',
  'GLACIER_IR',
  'SNOW',
  'EXPRESS_ONEZONE',
  'FSX_OPENZFS',
  'FSX_ONTAP',
]);

/** Reads one header as a string: the first value of a repeated header, or undefined. */
export function header(request: LocalRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) return value[0];
  return value;
}

/** Reads the content headers that S3 stores with an object. `aws-chunked` is transfer framing, not content, so it is dropped. */
export function readObjectHeaders(request: LocalRequest): ObjectHeaders {
  const encoding = header(request, 'content-encoding')
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part.toLowerCase() !== 'aws-chunked')
    .join(',');
  return dropUndefined({
    contentType: header(request, 'content-type'),
    contentEncoding: encoding || undefined,
    contentDisposition: header(request, 'content-disposition'),
    contentLanguage: header(request, 'content-language'),
    cacheControl: header(request, 'cache-control'),
    expires: header(request, 'expires'),
  });
}

/** User metadata from `x-amz-meta-*` headers, names lower-cased (HTTP header names are case-insensitive). */
export function readMetadata(request: LocalRequest): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!name.startsWith(METADATA_PREFIX) || value === undefined) continue;
    metadata[name.slice(METADATA_PREFIX.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return metadata;
}

/** Reads `x-amz-storage-class` and checks it against the API's storage classes. */
export function readStorageClass(request: LocalRequest): string | undefined {
  const value = header(request, 'x-amz-storage-class');
  if (value === undefined) return undefined;
  if (STORAGE_CLASSES.has(value)) return value;
  throw new InvalidStorageClass(value);
}

export function readConditions(request: LocalRequest, prefix = ''): ConditionalHeaders {
  return dropUndefined({
    ifMatch: header(request, `${prefix}if-match`),
    ifNoneMatch: header(request, `${prefix}if-none-match`),
    ifModifiedSince: header(request, `${prefix}if-modified-since`),
    ifUnmodifiedSince: header(request, `${prefix}if-unmodified-since`),
  });
}

/** Reads the algorithm of `x-amz-checksum-algorithm` (CreateMultipartUpload, CopyObject), if any. */
export function readChecksumAlgorithm(request: LocalRequest): ChecksumAlgorithm | undefined {
  const value = header(request, 'x-amz-checksum-algorithm');
  return value === undefined ? undefined : parseChecksumAlgorithm(value, 'x-amz-checksum-algorithm');
}

export function requesterOf(request: LocalRequest): Requester {
  return {
    accessKeyId: request.accessKeyId,
    sourceIp: (request.stream.socket?.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    requestId: request.requestId,
    region: request.region,
  };
}

/** Last-Modified and other HTTP dates: IMF-fixdate, in whole seconds. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export interface ObjectHeaderOptions {
  reportVersionId: boolean;
  /** `x-amz-checksum-mode: ENABLED` was sent; a range read never carries the checksum. */
  includeChecksum: boolean;
  range?: ByteRange;
  /** `response-*` query overrides of a GetObject. */
  overrides?: URLSearchParams;
}

/** The response headers of GetObject and HeadObject for one version. */
export function objectResponseHeaders(version: ObjectVersionRecord, options: ObjectHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': version.headers.contentType ?? 'binary/octet-stream',
    etag: version.etag,
    'last-modified': httpDate(version.lastModifiedMs),
    'accept-ranges': 'bytes',
    'x-amz-server-side-encryption': 'AES256',
  };
  if (version.headers.contentEncoding) headers['content-encoding'] = version.headers.contentEncoding;
  if (version.headers.contentDisposition) headers['content-disposition'] = version.headers.contentDisposition;
  if (version.headers.contentLanguage) headers['content-language'] = version.headers.contentLanguage;
  if (version.headers.cacheControl) headers['cache-control'] = version.headers.cacheControl;
  if (version.headers.expires) headers.expires = version.headers.expires;
  if (version.storageClass !== 'STANDARD') headers['x-amz-storage-class'] = version.storageClass;
  if (options.reportVersionId) headers['x-amz-version-id'] = version.versionId;
  for (const [name, value] of Object.entries(version.metadata)) headers[`${METADATA_PREFIX}${name}`] = value;

  if (options.includeChecksum && !options.range && version.checksum) {
    headers[checksumHeader(version.checksum.algorithm)] = version.checksum.value;
    headers['x-amz-checksum-type'] = version.checksum.type;
  }

  applyOverrides(headers, options.overrides);
  return headers;
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

function applyOverrides(headers: Record<string, string>, overrides: URLSearchParams | undefined): void {
  if (!overrides) return;
  for (const [parameter, headerName] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = overrides.get(parameter);
    if (value !== null) headers[headerName] = value;
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
