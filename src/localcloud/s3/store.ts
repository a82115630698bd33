import type { Statement, Transaction } from 'better-sqlite3';

import type { SqliteDatabase } from '../store/database.js';
import { migrate } from '../store/database.js';
import { SCHEMA, toBucket, toObject, toPart, toUpload } from './store-rows.js';
import type { BucketRow, ObjectRow, PartRow, UploadRow } from './store-rows.js';

/**
 * The S3 provider's durable state: buckets, object versions, multipart uploads and their
 * parts, in tables prefixed `s3_`. Bodies live in the blob store, referenced by digest.
 * Every method is one statement; callers group the statements of one operation with
 * `transaction()` so that an operation is committed whole or not at all.
 */

/** Versioning state as GetBucketVersioning reports it; `undefined` for a never-versioned bucket. */
export type VersioningStatus = 'Enabled' | 'Suspended';

export interface BucketRecord {
  name: string;
  region: string;
  createdMs: number;
  versioning?: VersioningStatus;
  /** The bucket's notification configuration as JSON, or undefined when it has none. */
  notificationJson?: string;
}

/** The bucket subresources stored as one JSON document each in `s3_bucket_configurations`. */
export type BucketConfigurationKind = 'policy' | 'publicAccessBlock' | 'encryption' | 'lifecycle' | 'tagging' | 'cors';

/** Stored headers of an object, returned as they were sent. */
export interface ObjectHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
}

/** A checksum of an object or part: its algorithm, base64 value and whether it covers the whole object. */
export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256';

/** One version of an object, or a delete marker. Unversioned buckets hold version `null`. */
export interface ObjectVersionRecord {
  /** Insertion order; a later write of a key always has a larger sequence. */
  sequence: number;
  bucket: string;
  key: string;
  versionId: string;
  isLatest: boolean;
  isDeleteMarker: boolean;
  blobDigest?: string;
  sizeBytes: number;
  /** The ETag with its quotes, as S3 returns it. */
  etag: string;
  lastModifiedMs: number;
  headers: ObjectHeaders;
  /** User metadata with lower-case names and without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
  checksum?: StoredChecksum;
  partsCount?: number;
  storageClass: string;
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiatedMs: number;
  headers: ObjectHeaders;
  metadata: Record<string, string>;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  storageClass: string;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  blobDigest: string;
  sizeBytes: number;
  etag: string;
  lastModifiedMs: number;
  checksum?: StoredChecksum;
}

/** Creates the `s3_` tables when missing and returns the store over them. */
export function openS3Store(db: SqliteDatabase): S3Store {
  migrate(db, SCHEMA);
  return new S3Store(db);
}

export class S3Store {
  /** Prepared once per SQL text: preparing costs more than running these one-row statements. */
  private readonly statements = new Map<string, Statement>();
  private readonly runInTransaction: Transaction<(work: () => unknown) => unknown>;

  constructor(private readonly db: SqliteDatabase) {
    this.runInTransaction = db.transaction((work: () => unknown) => work());
  }

  /** Runs `work` in one SQLite transaction, committed when it returns and rolled back when it throws. */
  transaction<T>(work: () => T): T {
    return this.runInTransaction.immediate(work) as T;
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  getBucket(name: string): BucketRecord | undefined {
    const row = this.prepare('SELECT * FROM s3_buckets WHERE name = ?').get(name) as BucketRow | undefined;
    return row ? toBucket(row) : undefined;
  }

  listBuckets(): BucketRecord[] {
    const rows = this.prepare('SELECT * FROM s3_buckets ORDER BY name').all() as BucketRow[];
    return rows.map(toBucket);
  }

  insertBucket(bucket: BucketRecord): void {
    this.prepare('INSERT INTO s3_buckets (name, region, created_ms, versioning, notification_json) VALUES (?, ?, ?, ?, ?)')
      .run(bucket.name, bucket.region, bucket.createdMs, bucket.versioning ?? null, bucket.notificationJson ?? null);
  }

  deleteBucket(name: string): void {
    this.prepare('DELETE FROM s3_buckets WHERE name = ?').run(name);
  }

  setVersioning(name: string, status: VersioningStatus): void {
    this.prepare('UPDATE s3_buckets SET versioning = ? WHERE name = ?').run(status, name);
  }

  setNotificationJson(name: string, json: string | undefined): void {
    this.prepare('UPDATE s3_buckets SET notification_json = ? WHERE name = ?').run(json ?? null, name);
  }

  /** Returns one stored bucket configuration (`policy`, `lifecycle`, …) as JSON, or undefined when the bucket has none. */
  getBucketConfiguration(bucket: string, kind: BucketConfigurationKind): string | undefined {
    const row = this.prepare('SELECT configuration_json FROM s3_bucket_configurations WHERE bucket = ? AND kind = ?')
      .get(bucket, kind) as { configuration_json: string } | undefined;
    return row?.configuration_json;
  }

  /** Replaces one bucket configuration. Deleting the bucket deletes its configurations. */
  putBucketConfiguration(bucket: string, kind: BucketConfigurationKind, json: string): void {
    this.prepare('INSERT OR REPLACE INTO s3_bucket_configurations (bucket, kind, configuration_json) VALUES (?, ?, ?)')
      .run(bucket, kind, json);
  }

  deleteBucketConfiguration(bucket: string, kind: BucketConfigurationKind): void {
    this.prepare('DELETE FROM s3_bucket_configurations WHERE bucket = ? AND kind = ?').run(bucket, kind);
  }

  /** True when the bucket contains any object version, delete marker or unfinished upload. */
  bucketHasContent(name: string): boolean {
    const object = this.prepare('SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1').get(name);
    const upload = this.prepare('SELECT 1 FROM s3_uploads WHERE bucket = ? LIMIT 1').get(name);
    return object !== undefined || upload !== undefined;
  }

  /** The current version of a key, which may be a delete marker. */
  getLatest(bucket: string, key: string): ObjectVersionRecord | undefined {
    const row = this.prepare('SELECT * FROM s3_objects WHERE bucket = ? AND key = ? AND is_latest = 1').get(bucket, key) as
      | ObjectRow
      | undefined;
    return row ? toObject(row) : undefined;
  }

  getVersion(bucket: string, key: string, versionId: string): ObjectVersionRecord | undefined {
    const row = this.prepare('SELECT * FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ?')
      .get(bucket, key, versionId) as ObjectRow | undefined;
    return row ? toObject(row) : undefined;
  }

  /**
   * Stores a new current version of a key. A version with the same id (the `null` version
   * of an unversioned or suspended bucket) is replaced; older versions stop being latest.
   */
  putVersion(version: Omit<ObjectVersionRecord, 'sequence' | 'isLatest'>): ObjectVersionRecord {
    this.prepare('DELETE FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ?').run(version.bucket, version.key, version.versionId);
    this.prepare('UPDATE s3_objects SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1').run(version.bucket, version.key);
    const result = this.prepare(
        `INSERT INTO s3_objects (bucket, key, version_id, is_latest, is_delete_marker, blob_digest, size_bytes, etag,
           last_modified_ms, headers_json, metadata_json, checksum_json, parts_count, storage_class)
         VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        version.bucket,
        version.key,
        version.versionId,
        version.isDeleteMarker ? 1 : 0,
        version.blobDigest ?? null,
        version.sizeBytes,
        version.etag,
        version.lastModifiedMs,
        JSON.stringify(version.headers),
        JSON.stringify(version.metadata),
        version.checksum ? JSON.stringify(version.checksum) : null,
        version.partsCount ?? null,
        version.storageClass,
      );
    return { ...version, sequence: Number(result.lastInsertRowid), isLatest: true };
  }

  /** Removes one version; when it was the current one, the newest remaining version becomes current. */
  deleteVersion(bucket: string, key: string, versionId: string): void {
    this.prepare('DELETE FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ?').run(bucket, key, versionId);
    const hasLatest = this.prepare('SELECT 1 FROM s3_objects WHERE bucket = ? AND key = ? AND is_latest = 1').get(bucket, key);
    if (hasLatest) return;
    this.prepare(
        `UPDATE s3_objects SET is_latest = 1 WHERE sequence =
           (SELECT MAX(sequence) FROM s3_objects WHERE bucket = ? AND key = ?)`,
      )
      .run(bucket, key);
  }

  /** Current, non-deleted objects with keys after `afterKey` and starting with `prefix`, in UTF-8 byte order. */
  listLatest(bucket: string, prefix: string, afterKey: string, limit: number): ObjectVersionRecord[] {
    const rows = this.prepare(
        `SELECT * FROM s3_objects
         WHERE bucket = ? AND is_latest = 1 AND is_delete_marker = 0 AND key > ? AND key >= ? AND substr(key, 1, length(?)) = ?
         ORDER BY key LIMIT ?`,
      )
      .all(bucket, afterKey, prefix, prefix, prefix, limit) as ObjectRow[];
    return rows.map(toObject);
  }

  /**
   * Versions and delete markers in ListObjectVersions order: keys in UTF-8 byte order, each
   * key's versions newest first, starting after (`afterKey`, `afterSequence`).
   */
  listVersions(bucket: string, prefix: string, afterKey: string, afterSequence: number, limit: number): ObjectVersionRecord[] {
    const rows = this.prepare(
        `SELECT * FROM s3_objects
         WHERE bucket = ? AND key >= ? AND substr(key, 1, length(?)) = ? AND (key > ? OR (key = ? AND sequence < ?))
         ORDER BY key, sequence DESC LIMIT ?`,
      )
      .all(bucket, prefix, prefix, prefix, afterKey, afterKey, afterSequence, limit) as ObjectRow[];
    return rows.map(toObject);
  }

  /** Returns the next value of the notification sequencer, which grows with every object change. */
  nextSequencerValue(): number {
    this.prepare('INSERT INTO s3_sequencer (id, value) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET value = value + 1').run();
    const row = this.prepare('SELECT value FROM s3_sequencer WHERE id = 1').get() as { value: number };
    return row.value;
  }

  insertUpload(upload: UploadRecord): void {
    this.prepare(
        `INSERT INTO s3_uploads (upload_id, bucket, key, initiated_ms, headers_json, metadata_json, checksum_algorithm,
           checksum_type, storage_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        upload.uploadId,
        upload.bucket,
        upload.key,
        upload.initiatedMs,
        JSON.stringify(upload.headers),
        JSON.stringify(upload.metadata),
        upload.checksumAlgorithm ?? null,
        upload.checksumType ?? null,
        upload.storageClass,
      );
  }

  getUpload(uploadId: string): UploadRecord | undefined {
    const row = this.prepare('SELECT * FROM s3_uploads WHERE upload_id = ?').get(uploadId) as UploadRow | undefined;
    return row ? toUpload(row) : undefined;
  }

  listUploads(bucket: string): UploadRecord[] {
    const rows = this.prepare('SELECT * FROM s3_uploads WHERE bucket = ? ORDER BY key, initiated_ms').all(bucket) as UploadRow[];
    return rows.map(toUpload);
  }

  deleteUpload(uploadId: string): void {
    this.prepare('DELETE FROM s3_uploads WHERE upload_id = ?').run(uploadId);
  }

  putPart(part: PartRecord): void {
    this.prepare(
        `INSERT OR REPLACE INTO s3_parts (upload_id, part_number, blob_digest, size_bytes, etag, last_modified_ms, checksum_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        part.uploadId,
        part.partNumber,
        part.blobDigest,
        part.sizeBytes,
        part.etag,
        part.lastModifiedMs,
        part.checksum ? JSON.stringify(part.checksum) : null,
      );
  }

  listParts(uploadId: string, afterPartNumber = 0, limit = 10_000): PartRecord[] {
    const rows = this.prepare('SELECT * FROM s3_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?')
      .all(uploadId, afterPartNumber, limit) as PartRow[];
    return rows.map(toPart);
  }
}

