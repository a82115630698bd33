import type { SqliteDatabase } from '../store/database.js';
import { migrate } from '../store/database.js';

/** A key's life-cycle state, as `KeyMetadata.KeyState` reports it. */
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

/** One KMS key as stored, scoped to its region. */
export interface KeyRecord {
  keyId: string;
  region: string;
  description: string;
  keyUsage: string;
  keySpec: string;
  origin: string;
  policy: string;
  keyState: KeyState;
  createdAt: Date;
  deletionDate?: Date;
  rotationEnabled: boolean;
  rotationPeriodInDays?: number;
  nextRotationDate?: Date;
  onDemandRotations: number;
  /** The backing key that encrypts new ciphertexts; older versions keep decrypting. */
  currentMaterialVersion: number;
}

/** One alias as stored; `aliasName` includes the `alias/` prefix. */
export interface AliasRecord {
  region: string;
  aliasName: string;
  keyId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** One completed rotation: the backing key version it added, when and how. */
export interface RotationRecord {
  materialVersion: number;
  rotationType: 'AUTOMATIC' | 'ON_DEMAND';
  rotatedAt: Date;
}

export interface Tag {
  TagKey: string;
  TagValue: string;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS kms_keys (
    key_id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    description TEXT NOT NULL,
    key_usage TEXT NOT NULL,
    key_spec TEXT NOT NULL,
    origin TEXT NOT NULL,
    policy TEXT NOT NULL,
    key_state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deletion_at INTEGER,
    rotation_enabled INTEGER NOT NULL DEFAULT 0,
    rotation_period_days INTEGER,
    next_rotation_at INTEGER,
    on_demand_rotations INTEGER NOT NULL DEFAULT 0
  )`,
  'CREATE INDEX IF NOT EXISTS kms_keys_by_region ON kms_keys (region)',
  'CREATE INDEX IF NOT EXISTS kms_keys_by_deletion ON kms_keys (key_state, deletion_at)',
  'CREATE INDEX IF NOT EXISTS kms_keys_by_rotation ON kms_keys (rotation_enabled, next_rotation_at)',
  // NOTE: key material is stored in plain form in the state database, so it is not protected at rest.
  `CREATE TABLE IF NOT EXISTS kms_key_materials (
    key_id TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    material BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, version)
  )`,
  `CREATE TABLE IF NOT EXISTS kms_key_rotations (
    key_id TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    material_version INTEGER NOT NULL,
    rotation_type TEXT NOT NULL,
    rotated_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, material_version)
  )`,
  `CREATE TABLE IF NOT EXISTS kms_aliases (
    region TEXT NOT NULL,
    alias_name TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (region, alias_name)
  )`,
  `CREATE TABLE IF NOT EXISTS kms_tags (
    key_id TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (key_id, tag_key)
  )`,
];

interface KeyRow {
  seq: number;
  key_id: string;
  region: string;
  description: string;
  key_usage: string;
  key_spec: string;
  origin: string;
  policy: string;
  key_state: KeyState;
  created_at: number;
  deletion_at: number | null;
  rotation_enabled: number;
  rotation_period_days: number | null;
  next_rotation_at: number | null;
  on_demand_rotations: number;
  material_version: number;
}

interface AliasRow {
  region: string;
  alias_name: string;
  key_id: string;
  created_at: number;
  updated_at: number;
}

const KEY_COLUMNS = `rowid AS seq, *, (SELECT MAX(version) FROM kms_key_materials m WHERE m.key_id = kms_keys.key_id) AS material_version`;

/** The KMS provider's tables, `kms_*`. Every write is one SQLite transaction. */
export class KmsStore {
  constructor(private readonly db: SqliteDatabase) {
    migrate(db, SCHEMA);
  }

  /** Inserts a key with its first backing key and its tags, all or nothing. */
  insertKey(key: KeyRecord, material: Buffer, tags: Tag[]): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO kms_keys (key_id, region, description, key_usage, key_spec, origin, policy, key_state, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(key.keyId, key.region, key.description, key.keyUsage, key.keySpec, key.origin, key.policy, key.keyState, key.createdAt.getTime());
      this.insertMaterial(key.keyId, 1, material, key.createdAt);
      this.putTags(key.keyId, tags);
    })();
  }

  getKey(region: string, keyId: string): KeyRecord | undefined {
    const row = this.db.prepare(`SELECT ${KEY_COLUMNS} FROM kms_keys WHERE region = ? AND key_id = ?`).get(region, keyId) as
      | KeyRow
      | undefined;
    return row && toKeyRecord(row);
  }

  /** Lists keys of a region in creation order, starting at the position `fromSeq`. */
  listKeys(region: string, fromSeq: number, limit: number): { keys: KeyRecord[]; nextSeq?: number } {
    const rows = this.db
      .prepare(`SELECT ${KEY_COLUMNS} FROM kms_keys WHERE region = ? AND rowid >= ? ORDER BY rowid LIMIT ?`)
      .all(region, fromSeq, limit + 1) as KeyRow[];
    const next = rows.length > limit ? rows[limit] : undefined;
    return { keys: rows.slice(0, limit).map(toKeyRecord), nextSeq: next?.seq };
  }

  /** Sets a key's state; `deletionDate` is kept only with PendingDeletion. */
  setKeyState(keyId: string, state: KeyState, deletionDate?: Date): void {
    this.db.prepare('UPDATE kms_keys SET key_state = ?, deletion_at = ? WHERE key_id = ?').run(state, deletionDate?.getTime() ?? null, keyId);
  }

  setPolicy(keyId: string, policy: string): void {
    this.db.prepare('UPDATE kms_keys SET policy = ? WHERE key_id = ?').run(policy, keyId);
  }

  setRotation(keyId: string, rotation: { enabled: boolean; periodInDays?: number; nextRotationDate?: Date }): void {
    this.db
      .prepare('UPDATE kms_keys SET rotation_enabled = ?, rotation_period_days = ?, next_rotation_at = ? WHERE key_id = ?')
      .run(rotation.enabled ? 1 : 0, rotation.periodInDays ?? null, rotation.nextRotationDate?.getTime() ?? null, keyId);
  }

  /** Adds the next backing key version and records the rotation; `onDemand` also counts it against the on-demand quota. */
  rotateMaterial(keyId: string, material: Buffer, rotatedAt: Date, options: { onDemand: boolean; nextRotationDate?: Date }): number {
    return this.db.transaction(() => {
      const current = this.db.prepare('SELECT MAX(version) AS version FROM kms_key_materials WHERE key_id = ?').get(keyId) as {
        version: number;
      };
      const version = current.version + 1;
      this.insertMaterial(keyId, version, material, rotatedAt);
      this.db
        .prepare('INSERT INTO kms_key_rotations (key_id, material_version, rotation_type, rotated_at) VALUES (?, ?, ?, ?)')
        .run(keyId, version, options.onDemand ? 'ON_DEMAND' : 'AUTOMATIC', rotatedAt.getTime());
      if (options.onDemand) this.db.prepare('UPDATE kms_keys SET on_demand_rotations = on_demand_rotations + 1 WHERE key_id = ?').run(keyId);
      if (options.nextRotationDate) {
        this.db.prepare('UPDATE kms_keys SET next_rotation_at = ? WHERE key_id = ?').run(options.nextRotationDate.getTime(), keyId);
      }
      return version;
    })();
  }

  /** Lists a key's completed rotations, oldest first, starting after `afterVersion`. */
  listRotations(keyId: string, afterVersion: number, limit: number): RotationRecord[] {
    return this.db
      .prepare(
        `SELECT material_version AS materialVersion, rotation_type AS rotationType, rotated_at AS rotatedAt FROM kms_key_rotations
         WHERE key_id = ? AND material_version > ? ORDER BY material_version LIMIT ?`,
      )
      .all(keyId, afterVersion, limit)
      .map((row) => {
        const rotation = row as { materialVersion: number; rotationType: RotationRecord['rotationType']; rotatedAt: number };
        return { ...rotation, rotatedAt: new Date(rotation.rotatedAt) };
      });
  }

  getMaterial(keyId: string, version: number): Buffer | undefined {
    const row = this.db.prepare('SELECT material FROM kms_key_materials WHERE key_id = ? AND version = ?').get(keyId, version) as
      | { material: Buffer }
      | undefined;
    return row?.material;
  }

  /** Keys, in every region, whose automatic rotation date has come. */
  keysDueForRotation(now: Date): KeyRecord[] {
    const rows = this.db
      .prepare(`SELECT ${KEY_COLUMNS} FROM kms_keys WHERE rotation_enabled = 1 AND key_state = 'Enabled' AND next_rotation_at <= ?`)
      .all(now.getTime()) as KeyRow[];
    return rows.map(toKeyRecord);
  }

  /** Deletes the keys whose deletion date has passed, with their aliases, tags and material; returns their ids and regions. */
  deleteExpiredKeys(now: Date): { keyId: string; region: string }[] {
    return this.db
      .prepare(`DELETE FROM kms_keys WHERE key_state = 'PendingDeletion' AND deletion_at <= ? RETURNING key_id AS keyId, region`)
      .all(now.getTime()) as { keyId: string; region: string }[];
  }

  getAlias(region: string, aliasName: string): AliasRecord | undefined {
    const row = this.db.prepare('SELECT * FROM kms_aliases WHERE region = ? AND alias_name = ?').get(region, aliasName) as
      | AliasRow
      | undefined;
    return row && toAliasRecord(row);
  }

  /** Inserts an alias; returns false when the name is taken. */
  insertAlias(alias: AliasRecord): boolean {
    const result = this.db
      .prepare('INSERT OR IGNORE INTO kms_aliases (region, alias_name, key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(alias.region, alias.aliasName, alias.keyId, alias.createdAt.getTime(), alias.updatedAt.getTime());
    return result.changes === 1;
  }

  retargetAlias(region: string, aliasName: string, keyId: string, updatedAt: Date): void {
    this.db
      .prepare('UPDATE kms_aliases SET key_id = ?, updated_at = ? WHERE region = ? AND alias_name = ?')
      .run(keyId, updatedAt.getTime(), region, aliasName);
  }

  deleteAlias(region: string, aliasName: string): boolean {
    return this.db.prepare('DELETE FROM kms_aliases WHERE region = ? AND alias_name = ?').run(region, aliasName).changes === 1;
  }

  /** Lists aliases of a region, or of one key, by name, starting after `afterName`. */
  listAliases(region: string, options: { keyId?: string; afterName?: string; limit: number }): AliasRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM kms_aliases WHERE region = ? AND (? IS NULL OR key_id = ?) AND alias_name > ?
         ORDER BY alias_name LIMIT ?`,
      )
      .all(region, options.keyId ?? null, options.keyId ?? null, options.afterName ?? '', options.limit) as AliasRow[];
    return rows.map(toAliasRecord);
  }

  putTags(keyId: string, tags: Tag[]): void {
    const statement = this.db.prepare(
      'INSERT INTO kms_tags (key_id, tag_key, tag_value) VALUES (?, ?, ?) ON CONFLICT (key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value',
    );
    this.db.transaction(() => {
      for (const tag of tags) statement.run(keyId, tag.TagKey, tag.TagValue);
    })();
  }

  deleteTags(keyId: string, tagKeys: string[]): void {
    const statement = this.db.prepare('DELETE FROM kms_tags WHERE key_id = ? AND tag_key = ?');
    this.db.transaction(() => {
      for (const tagKey of tagKeys) statement.run(keyId, tagKey);
    })();
  }

  /** Lists a key's tags by tag key. */
  listTags(keyId: string): Tag[] {
    return this.db
      .prepare('SELECT tag_key AS TagKey, tag_value AS TagValue FROM kms_tags WHERE key_id = ? ORDER BY tag_key')
      .all(keyId) as Tag[];
  }

  private insertMaterial(keyId: string, version: number, material: Buffer, createdAt: Date): void {
    this.db
      .prepare('INSERT INTO kms_key_materials (key_id, version, material, created_at) VALUES (?, ?, ?, ?)')
      .run(keyId, version, material, createdAt.getTime());
  }
}

function toKeyRecord(row: KeyRow): KeyRecord {
  return {
    keyId: row.key_id,
    region: row.region,
    description: row.description,
    keyUsage: row.key_usage,
    keySpec: row.key_spec,
    origin: row.origin,
    policy: row.policy,
    keyState: row.key_state,
    createdAt: new Date(row.created_at),
    deletionDate: row.deletion_at === null ? undefined : new Date(row.deletion_at),
    rotationEnabled: row.rotation_enabled === 1,
    rotationPeriodInDays: row.rotation_period_days ?? undefined,
    nextRotationDate: row.next_rotation_at === null ? undefined : new Date(row.next_rotation_at),
    onDemandRotations: row.on_demand_rotations,
    currentMaterialVersion: row.material_version,
  };
}

function toAliasRecord(row: AliasRow): AliasRecord {
  return {
    region: row.region,
    aliasName: row.alias_name,
    keyId: row.key_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
