import type { LocalResponse } from '../../request.js';
import { childNodes, childText, xmlResponse } from '../../protocol/rest-xml.js';
import type { XmlOutput } from '../../protocol/rest-xml.js';
import { formEncodeKey } from '../addressing.js';
import { InvalidArgument, MalformedXML } from '../errors.js';
import { ListObjectVersions, ListObjects, ListObjectsV2, parseMaxKeys } from '../listing.js';
import { DeleteObjects, MAX_DELETE_OBJECTS } from '../objects-delete.js';
import type { DeleteObjectsOutput } from '../objects-delete.js';
import { deleteDenial } from './authorization.js';
import type { ObjectVersionRecord } from '../store.js';
import type { S3HttpContext } from './context.js';
import { requesterOf } from './headers.js';
import { requireXmlBody } from './xml-body.js';

/** HTTP handlers of listings (ListObjectsV2, ListObjects, ListObjectVersions) and DeleteObjects. */

export function handleListObjectsV2(context: S3HttpContext): LocalResponse {
  const { query } = context.request;
  const encode = encoderFor(query.get('encoding-type'));
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const maxKeys = parseMaxKeys(query.get('max-keys'));

  const page = ListObjectsV2(context.backend, {
    bucket: context.bucket,
    prefix,
    delimiter,
    maxKeys,
    continuationToken: query.get('continuation-token') ?? undefined,
    startAfter: query.get('start-after') ?? undefined,
  });

  return xmlResponse('ListBucketResult', {
    Name: context.bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    MaxKeys: maxKeys,
    EncodingType: query.get('encoding-type') ?? undefined,
    KeyCount: page.items.length + page.commonPrefixes.length,
    IsTruncated: page.isTruncated,
    ContinuationToken: query.get('continuation-token') ?? undefined,
    NextContinuationToken: page.nextContinuationToken,
    StartAfter: query.has('start-after') ? encode(query.get('start-after')!) : undefined,
    Contents: page.items.map((item) => objectEntry(item, encode, query.get('fetch-owner') === 'true' ? context.backend.ownerId : undefined)),
    CommonPrefixes: page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) })),
  });
}

export function handleListObjects(context: S3HttpContext): LocalResponse {
  const { query } = context.request;
  const encode = encoderFor(query.get('encoding-type'));
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const maxKeys = parseMaxKeys(query.get('max-keys'));
  const marker = query.get('marker') ?? '';

  const page = ListObjects(context.backend, { bucket: context.bucket, prefix, delimiter, maxKeys, marker });
  return xmlResponse('ListBucketResult', {
    Name: context.bucket,
    Prefix: encode(prefix),
    Marker: encode(marker),
    NextMarker: page.isTruncated && delimiter !== undefined && page.lastMarker !== undefined ? encode(page.lastMarker) : undefined,
    MaxKeys: maxKeys,
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    EncodingType: query.get('encoding-type') ?? undefined,
    IsTruncated: page.isTruncated,
    Contents: page.items.map((item) => objectEntry(item, encode, context.backend.ownerId)),
    CommonPrefixes: page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) })),
  });
}

export function handleListObjectVersions(context: S3HttpContext): LocalResponse {
  const { query } = context.request;
  const encode = encoderFor(query.get('encoding-type'));
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const maxKeys = parseMaxKeys(query.get('max-keys'));
  const keyMarker = query.get('key-marker') ?? undefined;
  const versionIdMarker = query.get('version-id-marker') || undefined;

  const page = ListObjectVersions(context.backend, { bucket: context.bucket, prefix, delimiter, maxKeys, keyMarker, versionIdMarker });
  const owner = { ID: context.backend.ownerId, DisplayName: 'local' };

  return xmlResponse('ListVersionsResult', {
    Name: context.bucket,
    Prefix: encode(prefix),
    KeyMarker: encode(keyMarker ?? ''),
    VersionIdMarker: versionIdMarker ?? '',
    NextKeyMarker: page.nextKeyMarker === undefined ? undefined : encode(page.nextKeyMarker),
    NextVersionIdMarker: page.nextVersionIdMarker,
    MaxKeys: maxKeys,
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    EncodingType: query.get('encoding-type') ?? undefined,
    IsTruncated: page.isTruncated,
    Version: page.items
      .filter((item) => !item.isDeleteMarker)
      .map((item) => ({
        Key: encode(item.key),
        VersionId: item.versionId,
        IsLatest: item.isLatest,
        LastModified: new Date(item.lastModifiedMs),
        ETag: item.etag,
        Size: item.sizeBytes,
        StorageClass: item.storageClass,
        Owner: owner,
        ChecksumAlgorithm: item.checksum?.algorithm,
        ChecksumType: item.checksum?.type,
      })),
    DeleteMarker: page.items
      .filter((item) => item.isDeleteMarker)
      .map((item) => ({
        Key: encode(item.key),
        VersionId: item.versionId,
        IsLatest: item.isLatest,
        LastModified: new Date(item.lastModifiedMs),
        Owner: owner,
      })),
    CommonPrefixes: page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) })),
  });
}

export async function handleDeleteObjects(context: S3HttpContext): Promise<LocalResponse> {
  const document = await requireXmlBody(context, 'Delete', ['Object']);
  const objects = childNodes(document, 'Object').map((node) => {
    const key = childText(node, 'Key');
    if (key === undefined) throw new MalformedXML('every <Object> in <Delete> needs a <Key>.');
    const versionId = childText(node, 'VersionId');
    return versionId === undefined ? { key } : { key, versionId };
  });
  if (objects.length === 0) throw new MalformedXML('<Delete> must contain at least one <Object>.');
  if (objects.length > MAX_DELETE_OBJECTS) {
    throw new MalformedXML(`<Delete> contains ${objects.length} objects; the maximum is ${MAX_DELETE_OBJECTS}.`);
  }

  const quiet = childText(document, 'Quiet')?.trim().toLowerCase() === 'true';
  const denied: DeleteObjectsOutput['errors'] = [];
  const allowed = objects.filter((object) => {
    const denial = deleteDenial(context, object.key, object.versionId);
    if (denial) denied.push({ key: object.key, versionId: object.versionId, code: denial.code, message: denial.message });
    return denial === undefined;
  });
  const output = DeleteObjects(context.backend, { bucket: context.bucket, objects: allowed, requester: requesterOf(context.request) });
  output.errors.push(...denied);
  return xmlResponse('DeleteResult', {
    Deleted: quiet
      ? []
      : output.deleted.map((entry) => ({
          Key: entry.key,
          VersionId: entry.versionId,
          DeleteMarker: entry.deleteMarker,
          DeleteMarkerVersionId: entry.deleteMarkerVersionId,
        })),
    Error: output.errors.map((entry) => ({ Key: entry.key, VersionId: entry.versionId, Code: entry.code, Message: entry.message })),
  });
}

function objectEntry(item: ObjectVersionRecord, encode: (value: string) => string, ownerId: string | undefined): XmlOutput {
  return {
    Key: encode(item.key),
    LastModified: new Date(item.lastModifiedMs),
    ETag: item.etag,
    ChecksumAlgorithm: item.checksum?.algorithm,
    ChecksumType: item.checksum?.type,
    Size: item.sizeBytes,
    StorageClass: item.storageClass,
    Owner: ownerId ? { ID: ownerId, DisplayName: 'local' } : undefined,
  };
}

function encoderFor(encodingType: string | null): (value: string) => string {
  if (encodingType === null) return (value) => value;
  if (encodingType !== 'url') throw new InvalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  return formEncodeKey;
}
