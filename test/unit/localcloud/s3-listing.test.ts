import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLogger } from '../../../src/localcloud/log.js';
import type { S3Backend } from '../../../src/localcloud/s3/backend.js';
import { ListObjectVersions, ListObjectsV2 } from '../../../src/localcloud/s3/listing.js';
import { openS3Store } from '../../../src/localcloud/s3/store.js';
import type { ObjectVersionRecord } from '../../../src/localcloud/s3/store.js';
import { BlobStore } from '../../../src/localcloud/store/blobs.js';
import { openDatabase } from '../../../src/localcloud/store/database.js';
import type { SqliteDatabase } from '../../../src/localcloud/store/database.js';

const BUCKET = 'listing-bucket';
/** More keys than one store batch (1,000), so paging crosses batch boundaries. */
const FLAT_KEYS = Array.from({ length: 2300 }, (_, index) => `flat/${String(index).padStart(5, '0')}`);
const NESTED_KEYS = Array.from({ length: 1200 }, (_, index) => `nested/dir${index % 3}/${String(index).padStart(5, '0')}`);
const OTHER_KEYS = ['a', 'b/c', 'é', 'z'];

let dataDir: string;
let db: SqliteDatabase;
let backend: S3Backend;

function version(key: string, versionId: string, isDeleteMarker = false): Omit<ObjectVersionRecord, 'sequence' | 'isLatest'> {
  return {
    bucket: BUCKET,
    key,
    versionId,
    isDeleteMarker,
    sizeBytes: 1,
    etag: '"e"',
    lastModifiedMs: 0,
    headers: {},
    metadata: {},
    storageClass: 'STANDARD',
  };
}

function listAllV2(prefix: string, delimiter: string | undefined, maxKeys: number): { keys: string[]; prefixes: string[]; pages: number } {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = ListObjectsV2(backend, { bucket: BUCKET, prefix, delimiter, maxKeys, continuationToken: token });
    keys.push(...page.items.map((item) => item.key));
    prefixes.push(...page.commonPrefixes);
    token = page.nextContinuationToken;
    pages++;
  } while (token);
  return { keys, prefixes, pages };
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keystage-s3-listing-'));
  db = openDatabase(dataDir);
  const store = openS3Store(db);
  backend = {
    store,
    blobs: new BlobStore(dataDir),
    accountId: '000000000000',
    ownerId: 'owner',
    logger: createLogger('error'),
    endpointUrl: () => 'http://127.0.0.1:4566',
    notifications: { objectChanged: () => undefined },
  };

  store.transaction(() => {
    store.insertBucket({ name: BUCKET, region: 'us-east-1', createdMs: 0, versioning: 'Enabled' });
    for (const key of [...FLAT_KEYS, ...NESTED_KEYS, ...OTHER_KEYS]) store.putVersion(version(key, `v1-${key}`));
    for (const key of FLAT_KEYS.slice(0, 1500)) store.putVersion(version(key, `v2-${key}`));
    store.putVersion(version('z', 'marker-z', true));
  });
});

afterAll(() => {
  db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ListObjectsV2', () => {
  it('pages through more keys than one batch without loss or repeats', () => {
    const { keys, pages } = listAllV2('flat/', undefined, 1000);

    expect(keys).toEqual(FLAT_KEYS);
    expect(pages).toBe(3);
  });

  it('pages with a small MaxKeys across batch boundaries', () => {
    expect(listAllV2('flat/', undefined, 7).keys).toEqual(FLAT_KEYS);
  });

  it('rolls up more than a batch of keys into common prefixes', () => {
    const { keys, prefixes } = listAllV2('nested/', '/', 1000);

    expect(keys).toEqual([]);
    expect(prefixes).toEqual(['nested/dir0/', 'nested/dir1/', 'nested/dir2/']);
  });

  it('pages common prefixes one at a time', () => {
    const { prefixes, pages } = listAllV2('nested/', '/', 1);

    expect(prefixes).toEqual(['nested/dir0/', 'nested/dir1/', 'nested/dir2/']);
    expect(pages).toBe(3);
  });

  it('orders keys by UTF-8 bytes and hides current delete markers', () => {
    const { keys, prefixes } = listAllV2('', '/', 1000);

    expect(keys).toEqual(['a', 'é']);
    expect(prefixes).toEqual(['b/', 'flat/', 'nested/']);
  });

  it('rejects a continuation token it did not issue', () => {
    expect(() => ListObjectsV2(backend, { bucket: BUCKET, prefix: '', maxKeys: 10, continuationToken: 'bm90LWEtdG9rZW4=' })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
  });
});

describe('ListObjectVersions', () => {
  it('pages through every version with markers across batch boundaries', () => {
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    let truncated = true;
    while (truncated) {
      const page = ListObjectVersions(backend, { bucket: BUCKET, prefix: 'flat/', maxKeys: 333, keyMarker, versionIdMarker });
      seen.push(...page.items.map((item) => item.versionId));
      truncated = page.isTruncated;
      keyMarker = page.nextKeyMarker;
      versionIdMarker = page.nextVersionIdMarker;
    }

    const expected = FLAT_KEYS.flatMap((key, index) => (index < 1500 ? [`v2-${key}`, `v1-${key}`] : [`v1-${key}`]));
    expect(seen).toEqual(expected);
  });

  it('lists a delete marker before the version it hides', () => {
    const page = ListObjectVersions(backend, { bucket: BUCKET, prefix: 'z', maxKeys: 10 });

    expect(page.items.map((item) => [item.versionId, item.isDeleteMarker, item.isLatest])).toEqual([
      ['marker-z', true, true],
      ['v1-z', false, false],
    ]);
  });

  it('rolls up versions into common prefixes', () => {
    const page = ListObjectVersions(backend, { bucket: BUCKET, prefix: 'nested/', delimiter: '/', maxKeys: 1000 });

    expect(page.commonPrefixes).toEqual(['nested/dir0/', 'nested/dir1/', 'nested/dir2/']);
    expect(page.items).toEqual([]);
  });
});
