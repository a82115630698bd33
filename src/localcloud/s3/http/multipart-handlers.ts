import type { LocalResponse } from '../../request.js';
import { childNodes, childText, xmlResponse } from '../../protocol/rest-xml.js';
import { requireBucket } from '../buckets.js';
import { CHECKSUM_ALGORITHMS, checksumHeader, checksumMember } from '../checksums.js';
import { InvalidArgument, InvalidRequest, MalformedXML } from '../errors.js';
import {
  AbortMultipartUpload,
  CompleteMultipartUpload,
  CreateMultipartUpload,
  ListParts,
  UploadPart,
  parsePartNumber,
  requireUpload,
} from '../multipart.js';
import type { CompletedPart } from '../multipart.js';
import { UploadPartCopy } from '../multipart-copy.js';
import { ListMultipartUploads } from '../multipart-listing.js';
import { MAX_SINGLE_UPLOAD_BYTES, receiveBody } from '../request-body.js';
import type { ChecksumAlgorithm } from '../store.js';
import type { S3HttpContext } from './context.js';
import { header, readChecksumAlgorithm, readConditions, readMetadata, readObjectHeaders, readStorageClass, requesterOf } from './headers.js';
import { parseCopySource } from './object-handlers.js';
import { requireXmlBody } from './xml-body.js';

/** HTTP handlers of multipart uploads. */

export function handleCreateMultipartUpload(context: S3HttpContext): LocalResponse {
  const { request } = context;
  const checksumType = header(request, 'x-amz-checksum-type');
  if (checksumType !== undefined && checksumType !== 'FULL_OBJECT' && checksumType !== 'COMPOSITE') {
    throw new InvalidRequest(`Value for x-amz-checksum-type header is invalid: "${checksumType}". Use FULL_OBJECT or COMPOSITE.`);
  }

  const upload = CreateMultipartUpload(context.backend, {
    bucket: context.bucket,
    key: context.key,
    headers: readObjectHeaders(request),
    metadata: readMetadata(request),
    storageClass: readStorageClass(request),
    checksumAlgorithm: readChecksumAlgorithm(request),
    checksumType,
  });

  const headers: Record<string, string> = { 'x-amz-server-side-encryption': 'AES256' };
  if (upload.checksumAlgorithm) headers['x-amz-checksum-algorithm'] = upload.checksumAlgorithm;
  if (upload.checksumType) headers['x-amz-checksum-type'] = upload.checksumType;
  return xmlResponse('InitiateMultipartUploadResult', { Bucket: context.bucket, Key: context.key, UploadId: upload.uploadId }, headers);
}

export async function handleUploadPart(context: S3HttpContext): Promise<LocalResponse> {
  const { request, backend } = context;
  if (header(request, 'x-amz-copy-source') !== undefined) return handleUploadPartCopy(context);
  const partNumber = parsePartNumber(request.query.get('partNumber'));
  const uploadId = request.query.get('uploadId') ?? '';
  const upload = requireUpload(backend, context.bucket, context.key, uploadId);

  const body = await receiveBody(request, backend.blobs, { maxBytes: MAX_SINGLE_UPLOAD_BYTES, defaultAlgorithm: upload.checksumAlgorithm });
  const part = UploadPart(backend, { bucket: context.bucket, key: context.key, uploadId, partNumber, body });

  const headers: Record<string, string> = { etag: part.etag, 'x-amz-server-side-encryption': 'AES256' };
  if (part.checksum) headers[checksumHeader(part.checksum.algorithm)] = part.checksum.value;
  return { status: 200, headers };
}

async function handleUploadPartCopy(context: S3HttpContext): Promise<LocalResponse> {
  const { request, backend } = context;
  const copied = await UploadPartCopy(backend, {
    bucket: context.bucket,
    key: context.key,
    uploadId: request.query.get('uploadId') ?? '',
    partNumber: parsePartNumber(request.query.get('partNumber')),
    source: parseCopySource(header(request, 'x-amz-copy-source') ?? ''),
    sourceRange: header(request, 'x-amz-copy-source-range'),
    sourceConditions: readConditions(request, 'x-amz-copy-source-'),
  });

  const { part } = copied;
  const headers: Record<string, string> = { 'x-amz-server-side-encryption': 'AES256' };
  if (copied.reportSourceVersionId) headers['x-amz-copy-source-version-id'] = copied.source.versionId;
  return xmlResponse(
    'CopyPartResult',
    {
      ETag: part.etag,
      LastModified: new Date(part.lastModifiedMs),
      ...(part.checksum ? { [checksumMember(part.checksum.algorithm)]: part.checksum.value } : {}),
    },
    headers,
  );
}

export async function handleCompleteMultipartUpload(context: S3HttpContext): Promise<LocalResponse> {
  const { request, backend } = context;
  requireBucket(backend, context.bucket);
  const document = await requireXmlBody(context, 'CompleteMultipartUpload', ['Part']);
  const parts = childNodes(document, 'Part').map(toCompletedPart);

  const committed = await CompleteMultipartUpload(backend, {
    bucket: context.bucket,
    key: context.key,
    uploadId: request.query.get('uploadId') ?? '',
    parts,
    conditions: readConditions(request),
    requester: requesterOf(request),
  });

  const { version } = committed;
  const headers: Record<string, string> = { 'x-amz-server-side-encryption': 'AES256' };
  if (committed.reportVersionId) headers['x-amz-version-id'] = version.versionId;
  const location = `${context.backend.endpointUrl()}/${context.bucket}/${encodeURIComponent(context.key).replace(/%2F/g, '/')}`;
  return xmlResponse(
    'CompleteMultipartUploadResult',
    {
      Location: location,
      Bucket: context.bucket,
      Key: context.key,
      ETag: version.etag,
      ...(version.checksum ? { [checksumMember(version.checksum.algorithm)]: version.checksum.value } : {}),
      ChecksumType: version.checksum?.type,
    },
    headers,
  );
}

export function handleAbortMultipartUpload(context: S3HttpContext): LocalResponse {
  AbortMultipartUpload(context.backend, context.bucket, context.key, context.request.query.get('uploadId') ?? '');
  return { status: 204 };
}

export function handleListParts(context: S3HttpContext): LocalResponse {
  const { query } = context.request;
  const maxParts = Math.min(parseInteger(query.get('max-parts'), 'max-parts', 1000), 1000);
  const partNumberMarker = parseInteger(query.get('part-number-marker'), 'part-number-marker', 0);

  const output = ListParts(context.backend, {
    bucket: context.bucket,
    key: context.key,
    uploadId: query.get('uploadId') ?? '',
    maxParts,
    partNumberMarker,
  });
  const owner = { ID: context.backend.ownerId, DisplayName: 'local' };

  return xmlResponse('ListPartsResult', {
    Bucket: context.bucket,
    Key: context.key,
    UploadId: output.upload.uploadId,
    PartNumberMarker: partNumberMarker,
    NextPartNumberMarker: output.nextPartNumberMarker,
    MaxParts: maxParts,
    IsTruncated: output.isTruncated,
    Part: output.parts.map((part) => ({
      PartNumber: part.partNumber,
      LastModified: new Date(part.lastModifiedMs),
      ETag: part.etag,
      Size: part.sizeBytes,
      ...(part.checksum ? { [checksumMember(part.checksum.algorithm)]: part.checksum.value } : {}),
    })),
    Initiator: owner,
    Owner: owner,
    StorageClass: output.upload.storageClass,
    ChecksumAlgorithm: output.upload.checksumAlgorithm,
    ChecksumType: output.upload.checksumType,
  });
}

export function handleListMultipartUploads(context: S3HttpContext): LocalResponse {
  const { query } = context.request;
  const maxUploads = Math.min(parseInteger(query.get('max-uploads'), 'max-uploads', 1000), 1000);
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;

  const output = ListMultipartUploads(context.backend, {
    bucket: context.bucket,
    prefix,
    delimiter,
    maxUploads,
    keyMarker: query.get('key-marker') ?? undefined,
    uploadIdMarker: query.get('upload-id-marker') ?? undefined,
  });
  const owner = { ID: context.backend.ownerId, DisplayName: 'local' };

  return xmlResponse('ListMultipartUploadsResult', {
    Bucket: context.bucket,
    KeyMarker: query.get('key-marker') ?? '',
    UploadIdMarker: query.get('upload-id-marker') ?? '',
    NextKeyMarker: output.isTruncated ? output.nextKeyMarker : undefined,
    NextUploadIdMarker: output.isTruncated ? output.nextUploadIdMarker : undefined,
    Prefix: prefix,
    Delimiter: delimiter,
    MaxUploads: maxUploads,
    IsTruncated: output.isTruncated,
    Upload: output.uploads.map((upload) => ({
      UploadId: upload.uploadId,
      Key: upload.key,
      Initiated: new Date(upload.initiatedMs),
      StorageClass: upload.storageClass,
      Owner: owner,
      Initiator: owner,
      ChecksumAlgorithm: upload.checksumAlgorithm,
      ChecksumType: upload.checksumType,
    })),
    CommonPrefixes: output.commonPrefixes.map((commonPrefix) => ({ Prefix: commonPrefix })),
  });
}

function toCompletedPart(node: Parameters<typeof childText>[0]): CompletedPart {
  const partNumberText = childText(node, 'PartNumber');
  const etag = childText(node, 'ETag');
  if (partNumberText === undefined || etag === undefined) throw new MalformedXML('every <Part> needs a <PartNumber> and an <ETag>.');

  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = childText(node, checksumMember(algorithm));
    if (value !== undefined) checksums[algorithm] = value;
  }
  return { partNumber: parsePartNumber(partNumberText.trim()), etag, checksums };
}

function parseInteger(value: string | null, name: string, fallback: number): number {
  if (value === null) return fallback;
  if (!/^\d+$/.test(value)) throw new InvalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  return Number(value);
}
