import type { S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import type { UploadRecord } from './store.js';

/** ListMultipartUploads: the unfinished uploads of a bucket, by key and then by start time. */

export interface ListMultipartUploadsInput {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxUploads: number;
  keyMarker?: string;
  uploadIdMarker?: string;
}

export interface ListMultipartUploadsOutput {
  uploads: UploadRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/**
 * Lists uploads after the markers: after every upload of `keyMarker` without an upload-id
 * marker, or after that one upload of `keyMarker` with it. Keys that share a prefix up to
 * the delimiter roll up into one common prefix, which counts once toward `maxUploads`.
 */
export function ListMultipartUploads(backend: S3Backend, input: ListMultipartUploadsInput): ListMultipartUploadsOutput {
  requireBucket(backend, input.bucket);
  const candidates = backend.store
    .listUploads(input.bucket)
    .filter((upload) => upload.key.startsWith(input.prefix))
    .filter((upload) => isAfterMarkers(upload, input, backend));

  const output: ListMultipartUploadsOutput = { uploads: [], commonPrefixes: [], isTruncated: false };
  for (const upload of candidates) {
    const commonPrefix = commonPrefixOf(upload.key, input.prefix, input.delimiter);
    if (commonPrefix !== undefined && output.commonPrefixes.at(-1) === commonPrefix) continue;

    if (output.uploads.length + output.commonPrefixes.length === input.maxUploads) {
      output.isTruncated = true;
      break;
    }

    if (commonPrefix !== undefined) {
      output.commonPrefixes.push(commonPrefix);
      output.nextKeyMarker = commonPrefix;
      output.nextUploadIdMarker = undefined;
      continue;
    }
    output.uploads.push(upload);
    output.nextKeyMarker = upload.key;
    output.nextUploadIdMarker = upload.uploadId;
  }
  return output;
}

function isAfterMarkers(upload: UploadRecord, input: ListMultipartUploadsInput, backend: S3Backend): boolean {
  if (input.keyMarker === undefined) return true;

  // A key marker that is a common prefix (`dir/`) continues after every key under it.
  const markerIsPrefix = input.delimiter !== undefined && input.keyMarker.endsWith(input.delimiter);
  if (upload.key > input.keyMarker) return !(markerIsPrefix && upload.key.startsWith(input.keyMarker));
  if (upload.key < input.keyMarker || input.uploadIdMarker === undefined) return false;

  const marker = backend.store.getUpload(input.uploadIdMarker);
  return marker !== undefined && upload.initiatedMs > marker.initiatedMs;
}

function commonPrefixOf(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined;
  const index = key.indexOf(delimiter, prefix.length);
  return index === -1 ? undefined : key.slice(0, index + delimiter.length);
}
