import type {
  BucketRecord,
  ChecksumAlgorithm,
  ObjectHeaders,
  ObjectVersionRecord,
  PartRecord,
  StoredChecksum,
  UploadRecord,
  VersioningStatus,
} from './store.js';

/** The `s3_` tables and the mapping of their rows to the store's records. */

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS s3_buckets (
    name TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    versioning TEXT,
    notification_json TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS s3_objects (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket TEXT NOT NULL REFERENCES s3_buckets(name),
    key TEXT NOT NULL,
    version_id TEXT NOT NULL,
    is_latest INTEGER NOT NULL,
    is_delete_marker INTEGER NOT NULL,
    blob_digest TEXT,
    size_bytes INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified_ms INTEGER NOT NULL,
    headers_json TEXT NOT NULL,
    metadata_json TEXT NOT NULL,
    checksum_json TEXT,
    parts_count INTEGER,
    storage_class TEXT NOT NULL,
    UNIQUE (bucket, key, version_id)
  )`,
  `CREATE INDEX IF NOT EXISTS s3_objects_latest ON s3_objects (bucket, is_latest, key)`,
  `CREATE INDEX IF NOT EXISTS s3_objects_key ON s3_objects (bucket, key, sequence)`,
  `CREATE TABLE IF NOT EXISTS s3_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL REFERENCES s3_buckets(name),
    key TEXT NOT NULL,
    initiated_ms INTEGER NOT NULL,
    headers_json TEXT NOT NULL,
    metadata_json TEXT NOT NULL,
    checksum_algorithm TEXT,
    checksum_type TEXT,
    storage_class TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS s3_parts (
    upload_id TEXT NOT NULL REFERENCES s3_uploads(upload_id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL,
    blob_digest TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified_ms INTEGER NOT NULL,
    checksum_json TEXT,
    PRIMARY KEY (upload_id, part_number)
  )`,
  `CREATE TABLE IF NOT EXISTS s3_bucket_configurations (
    bucket TEXT NOT NULL REFERENCES s3_buckets(name) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    configuration_json TEXT NOT NULL,
    PRIMARY KEY (bucket, kind)
  )`,
  `CREATE TABLE IF NOT EXISTS s3_sequencer (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
  )`,
];

export interface ObjectRow {
  sequence: number;
  bucket: string;
  key: string;
  version_id: string;
  is_latest: number;
  is_delete_marker: number;
  blob_digest: string | null;
  size_bytes: number;
  etag: string;
  last_modified_ms: number;
  headers_json: string;
  metadata_json: string;
  checksum_json: string | null;
  parts_count: number | null;
  storage_class: string;
}

export interface BucketRow {
  name: string;
  region: string;
  created_ms: number;
  versioning: string | null;
  notification_json: string | null;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated_ms: number;
  headers_json: string;
  metadata_json: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  storage_class: string;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  blob_digest: string;
  size_bytes: number;
  etag: string;
  last_modified_ms: number;
  checksum_json: string | null;
}

export function toBucket(row: BucketRow): BucketRecord {
  return {
    name: row.name,
    region: row.region,
    createdMs: row.created_ms,
    versioning: (row.versioning ?? undefined) as VersioningStatus | undefined,
    notificationJson: row.notification_json ?? undefined,
  };
}

export function toObject(row: ObjectRow): ObjectVersionRecord {
  return {
    sequence: row.sequence,
    bucket: row.bucket,
    key: row.key,
    versionId: row.version_id,
    isLatest: row.is_latest === 1,
    isDeleteMarker: row.is_delete_marker === 1,
    blobDigest: row.blob_digest ?? undefined,
    sizeBytes: row.size_bytes,
    etag: row.etag,
    lastModifiedMs: row.last_modified_ms,
    headers: JSON.parse(row.headers_json) as ObjectHeaders,
    metadata: JSON.parse(row.metadata_json) as Record<string, string>,
    checksum: row.checksum_json ? (JSON.parse(row.checksum_json) as StoredChecksum) : undefined,
    partsCount: row.parts_count ?? undefined,
    storageClass: row.storage_class,
  };
}

export function toUpload(row: UploadRow): UploadRecord {
  return {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    initiatedMs: row.initiated_ms,
    headers: JSON.parse(row.headers_json) as ObjectHeaders,
    metadata: JSON.parse(row.metadata_json) as Record<string, string>,
    checksumAlgorithm: (row.checksum_algorithm ?? undefined) as ChecksumAlgorithm | undefined,
    checksumType: (row.checksum_type ?? undefined) as UploadRecord['checksumType'],
    storageClass: row.storage_class,
  };
}

export function toPart(row: PartRow): PartRecord {
  return {
    uploadId: row.upload_id,
    partNumber: row.part_number,
    blobDigest: row.blob_digest,
    sizeBytes: row.size_bytes,
    etag: row.etag,
    lastModifiedMs: row.last_modified_ms,
    checksum: row.checksum_json ? (JSON.parse(row.checksum_json) as StoredChecksum) : undefined,
  };
}
