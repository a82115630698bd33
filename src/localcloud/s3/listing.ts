import type { S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { InvalidArgument } from './errors.js';
import type { ObjectVersionRecord } from './store.js';

/**
 * Listings: ListObjectsV2, ListObjects and ListObjectVersions. Keys come in UTF-8 byte order,
 * which is SQLite's binary collation over UTF-8 text. With a delimiter, keys that share the
 * part up to the first delimiter after the prefix roll up into one common prefix. A common
 * prefix counts once toward MaxKeys.
 */

/** Default and largest page size of every S3 listing. */
export const MAX_LIST_KEYS = 1000;

/** Sorts after every key that starts with a given common prefix (U+10FFFF is a noncharacter). */
const AFTER_PREFIX = '\u{10FFFF}';
const BATCH_SIZE = 1000;

export interface ListObjectsV2Input {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  continuationToken?: string;
  startAfter?: string;
}

export interface ListPage<T> {
  items: T[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned, from which the next page continues. */
  lastMarker?: string;
}

export interface ListObjectsV2Output extends ListPage<ObjectVersionRecord> {
  nextContinuationToken?: string;
}

/** Lists current objects; the continuation token is opaque to clients. */
export function ListObjectsV2(backend: S3Backend, input: ListObjectsV2Input): ListObjectsV2Output {
  requireBucket(backend, input.bucket);
  const after = input.continuationToken !== undefined ? decodeContinuationToken(input.continuationToken) : (input.startAfter ?? '');

  const page = listCurrent(backend, input.bucket, input.prefix, input.delimiter, input.maxKeys, after);
  const nextContinuationToken = page.isTruncated && page.lastMarker !== undefined ? encodeContinuationToken(page.lastMarker) : undefined;
  return { ...page, nextContinuationToken };
}

export interface ListObjectsInput {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  marker?: string;
}

/** Lists current objects the version 1 way, continuing after `marker`. */
export function ListObjects(backend: S3Backend, input: ListObjectsInput): ListPage<ObjectVersionRecord> {
  requireBucket(backend, input.bucket);
  return listCurrent(backend, input.bucket, input.prefix, input.delimiter, input.maxKeys, input.marker ?? '');
}

export interface ListObjectVersionsInput {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  keyMarker?: string;
  versionIdMarker?: string;
}

export interface ListObjectVersionsOutput extends ListPage<ObjectVersionRecord> {
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** Lists every version and delete marker: keys in order, each key's versions newest first. */
export function ListObjectVersions(backend: S3Backend, input: ListObjectVersionsInput): ListObjectVersionsOutput {
  requireBucket(backend, input.bucket);
  if (input.versionIdMarker !== undefined && !input.keyMarker) {
    throw new InvalidArgument('A version-id marker cannot be specified without a key marker.', 'version-id-marker', input.versionIdMarker);
  }

  let cursor = { key: input.keyMarker ?? '', sequence: 0 };
  if (input.keyMarker !== undefined && input.versionIdMarker !== undefined) {
    const marker = backend.store.getVersion(input.bucket, input.keyMarker, input.versionIdMarker);
    if (!marker) throw new InvalidArgument('Invalid version id specified', 'version-id-marker', input.versionIdMarker);
    cursor = { key: input.keyMarker, sequence: marker.sequence };
  }

  const page = collectPage<ObjectVersionRecord>({
    prefix: input.prefix,
    delimiter: input.delimiter,
    maxKeys: input.maxKeys,
    startAfter: input.keyMarker ?? '',
    keyOf: (version) => version.key,
    nextBatch: () => {
      const batch = backend.store.listVersions(input.bucket, input.prefix, cursor.key, cursor.sequence, BATCH_SIZE);
      const last = batch.at(-1);
      if (last) cursor = { key: last.key, sequence: last.sequence };
      return batch;
    },
    skipPrefix: (commonPrefix) => {
      cursor = { key: commonPrefix + AFTER_PREFIX, sequence: 0 };
    },
  });

  const lastItem = page.items.at(-1);
  const endedOnItem = lastItem !== undefined && page.lastMarker === lastItem.key;
  return {
    ...page,
    nextKeyMarker: page.isTruncated ? page.lastMarker : undefined,
    nextVersionIdMarker: page.isTruncated && endedOnItem ? lastItem.versionId : undefined,
  };
}

/** Reads and checks MaxKeys: an integer from 0, capped at 1,000. */
export function parseMaxKeys(value: string | null, parameterName = 'max-keys'): number {
  if (value === null) return MAX_LIST_KEYS;
  const maxKeys = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(maxKeys)) {
    throw new InvalidArgument(`Provided ${parameterName} not an integer or within integer range`, parameterName, value);
  }
  return Math.min(maxKeys, MAX_LIST_KEYS);
}

function listCurrent(
  backend: S3Backend,
  bucket: string,
  prefix: string,
  delimiter: string | undefined,
  maxKeys: number,
  startAfter: string,
): ListPage<ObjectVersionRecord> {
  let cursor = startAfter;
  return collectPage<ObjectVersionRecord>({
    prefix,
    delimiter,
    maxKeys,
    startAfter,
    keyOf: (version) => version.key,
    nextBatch: () => {
      const batch = backend.store.listLatest(bucket, prefix, cursor, BATCH_SIZE);
      const last = batch.at(-1);
      if (last) cursor = last.key;
      return batch;
    },
    skipPrefix: (commonPrefix) => {
      cursor = commonPrefix + AFTER_PREFIX;
    },
  });
}

interface PageSource<T> {
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  startAfter: string;
  keyOf(item: T): string;
  nextBatch(): T[];
  /** Moves the source past every key that starts with the common prefix. */
  skipPrefix(commonPrefix: string): void;
}

/** Fills one page from an ordered source, rolling keys up into common prefixes. */
function collectPage<T>(source: PageSource<T>): ListPage<T> {
  const page: ListPage<T> = { items: [], commonPrefixes: [], isTruncated: false };
  let count = 0;
  let batch = source.maxKeys > 0 ? source.nextBatch() : [];

  while (batch.length > 0) {
    let skipped = false;
    for (const item of batch) {
      const key = source.keyOf(item);
      const commonPrefix = commonPrefixOf(key, source.prefix, source.delimiter);
      if (commonPrefix !== undefined && source.startAfter.startsWith(commonPrefix)) {
        source.skipPrefix(commonPrefix);
        skipped = true;
        break;
      }

      if (count === source.maxKeys) {
        page.isTruncated = true;
        return page;
      }

      if (commonPrefix === undefined) {
        page.items.push(item);
        page.lastMarker = key;
        count++;
        continue;
      }

      page.commonPrefixes.push(commonPrefix);
      page.lastMarker = commonPrefix;
      count++;
      source.skipPrefix(commonPrefix);
      skipped = true;
      break;
    }
    if (!skipped && batch.length < BATCH_SIZE) break;
    batch = source.nextBatch();
  }
  return page;
}

function commonPrefixOf(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined;
  const index = key.indexOf(delimiter, prefix.length);
  return index === -1 ? undefined : key.slice(0, index + delimiter.length);
}

function encodeContinuationToken(marker: string): string {
  return Buffer.from(`v1:${marker}`, 'utf8').toString('base64');
}

function decodeContinuationToken(token: string): string {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  if (!decoded.startsWith('v1:')) throw new InvalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  return decoded.slice(3);
}

