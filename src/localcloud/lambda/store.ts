import type { SqliteDatabase } from '../store/database.js';
import { migrate } from '../store/database.js';

/** The configuration members that a version freezes and `UpdateFunctionConfiguration` edits. */
export interface FunctionSettings {
  runtime: string;
  role: string;
  handler: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  environment: Record<string, string>;
  description: string;
}

/** The kind of the last change to `$LATEST`: a creation or an update. */
export type ChangeKind = 'create' | 'update';

/** One version of a function: `$LATEST` or a published, immutable number. */
export interface VersionRecord {
  region: string;
  name: string;
  version: string;
  settings: FunctionSettings;
  /** Lowercase hex SHA-256 of the zip, the key of the code in the blob store. */
  codeDigest: string;
  codeSizeBytes: number;
  /** The revision while the change settles. */
  revisionId: string;
  /** The revision once the change has settled; Lambda issues a new one when an update completes. */
  settledRevisionId: string;
  /** ISO 8601 time of the last change. */
  lastModified: string;
  changeKind: ChangeKind;
  /** Epoch milliseconds at which `Pending` becomes `Active` or `InProgress` becomes final. */
  settlesAtMs: number;
  /** The status the change ends in once settled. */
  finalStatus: 'Successful' | 'Failed';
  finalStatusReason?: string;
  /** A published version's own `Description`, given to `PublishVersion`. */
  versionDescription?: string;
  /** The code and configuration of `$LATEST` before the update now `InProgress`, which invocations use until it settles. */
  previous?: ExecutedCode;
}

/** The code and configuration that an execution environment runs. */
export interface ExecutedCode {
  settings: FunctionSettings;
  codeDigest: string;
  settledRevisionId: string;
}

/** The function itself: what versions share. */
export interface FunctionRecord {
  region: string;
  name: string;
  /** The number the next published version gets; numbers are never reused. */
  nextVersion: number;
  tags: Record<string, string>;
}

/** An alias and its weighted routing. */
export interface AliasRecord {
  region: string;
  name: string;
  alias: string;
  functionVersion: string;
  description: string;
  /** At most one entry: version number to weight in [0, 1]. */
  additionalVersionWeights: Record<string, number>;
  revisionId: string;
}

/** The resource policy of a function (`qualifier` '') or of one version or alias. */
export interface PolicyRecord {
  region: string;
  name: string;
  qualifier: string;
  statements: Record<string, unknown>[];
  revisionId: string;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS lambda_functions (
     region TEXT NOT NULL, name TEXT NOT NULL, next_version INTEGER NOT NULL, tags TEXT NOT NULL,
     PRIMARY KEY (region, name))`,
  `CREATE TABLE IF NOT EXISTS lambda_versions (
     region TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, settings TEXT NOT NULL,
     code_digest TEXT NOT NULL, code_size INTEGER NOT NULL, revision_id TEXT NOT NULL,
     settled_revision_id TEXT NOT NULL, last_modified TEXT NOT NULL, change_kind TEXT NOT NULL,
     settles_at_ms INTEGER NOT NULL, final_status TEXT NOT NULL, final_status_reason TEXT,
     version_description TEXT, previous TEXT,
     PRIMARY KEY (region, name, version),
     FOREIGN KEY (region, name) REFERENCES lambda_functions (region, name) ON DELETE CASCADE)`,
  `CREATE TABLE IF NOT EXISTS lambda_aliases (
     region TEXT NOT NULL, name TEXT NOT NULL, alias TEXT NOT NULL, function_version TEXT NOT NULL,
     description TEXT NOT NULL, weights TEXT NOT NULL, revision_id TEXT NOT NULL,
     PRIMARY KEY (region, name, alias),
     FOREIGN KEY (region, name) REFERENCES lambda_functions (region, name) ON DELETE CASCADE)`,
  `CREATE TABLE IF NOT EXISTS lambda_policies (
     region TEXT NOT NULL, name TEXT NOT NULL, qualifier TEXT NOT NULL, statements TEXT NOT NULL,
     revision_id TEXT NOT NULL,
     PRIMARY KEY (region, name, qualifier),
     FOREIGN KEY (region, name) REFERENCES lambda_functions (region, name) ON DELETE CASCADE)`,
];

interface VersionRow {
  region: string;
  name: string;
  version: string;
  settings: string;
  code_digest: string;
  code_size: number;
  revision_id: string;
  settled_revision_id: string;
  last_modified: string;
  change_kind: ChangeKind;
  settles_at_ms: number;
  final_status: 'Successful' | 'Failed';
  final_status_reason: string | null;
  version_description: string | null;
  previous: string | null;
}

/**
 * The Lambda provider's tables: functions, versions (with `$LATEST`), aliases and resource
 * policies. Every method is one statement or one transaction, so a crash leaves each change
 * whole or absent.
 */
export class LambdaStore {
  constructor(private readonly db: SqliteDatabase) {
    migrate(db, SCHEMA);
    this.addMissingColumns();
  }

  /** Adds the columns that later versions of the schema introduced to an older database. */
  private addMissingColumns(): void {
    const columns = new Set((this.db.prepare('PRAGMA table_info(lambda_versions)').all() as { name: string }[]).map((column) => column.name));
    for (const column of ['version_description', 'previous']) {
      if (!columns.has(column)) this.db.exec(`ALTER TABLE lambda_versions ADD COLUMN ${column} TEXT`);
    }
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  getFunction(region: string, name: string): FunctionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM lambda_functions WHERE region = ? AND name = ?').get(region, name) as
      | { region: string; name: string; next_version: number; tags: string }
      | undefined;
    if (!row) return undefined;
    return { region: row.region, name: row.name, nextVersion: row.next_version, tags: JSON.parse(row.tags) as Record<string, string> };
  }

  listFunctions(region: string): FunctionRecord[] {
    const rows = this.db.prepare('SELECT name FROM lambda_functions WHERE region = ? ORDER BY name').all(region) as { name: string }[];
    return rows.map((row) => this.getFunction(region, row.name)!);
  }

  insertFunction(record: FunctionRecord, latest: VersionRecord): void {
    this.transaction(() => {
      this.db
        .prepare('INSERT INTO lambda_functions (region, name, next_version, tags) VALUES (?, ?, ?, ?)')
        .run(record.region, record.name, record.nextVersion, JSON.stringify(record.tags));
      this.putVersion(latest);
    });
  }

  setNextVersion(region: string, name: string, nextVersion: number): void {
    this.db.prepare('UPDATE lambda_functions SET next_version = ? WHERE region = ? AND name = ?').run(nextVersion, region, name);
  }

  setTags(region: string, name: string, tags: Record<string, string>): void {
    this.db.prepare('UPDATE lambda_functions SET tags = ? WHERE region = ? AND name = ?').run(JSON.stringify(tags), region, name);
  }

  deleteFunction(region: string, name: string): void {
    this.db.prepare('DELETE FROM lambda_functions WHERE region = ? AND name = ?').run(region, name);
  }

  getVersion(region: string, name: string, version: string): VersionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM lambda_versions WHERE region = ? AND name = ? AND version = ?').get(region, name, version) as
      | VersionRow
      | undefined;
    return row && toVersion(row);
  }

  /** `$LATEST` first, then published versions in increasing number. */
  listVersions(region: string, name: string): VersionRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM lambda_versions WHERE region = ? AND name = ?
         ORDER BY CASE WHEN version = '$LATEST' THEN -1 ELSE CAST(version AS INTEGER) END`,
      )
      .all(region, name) as VersionRow[];
    return rows.map(toVersion);
  }

  /** Inserts a version or replaces `$LATEST`. Published versions are written once. */
  putVersion(record: VersionRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO lambda_versions (region, name, version, settings, code_digest, code_size, revision_id,
           settled_revision_id, last_modified, change_kind, settles_at_ms, final_status, final_status_reason,
           version_description, previous)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.region,
        record.name,
        record.version,
        JSON.stringify(record.settings),
        record.codeDigest,
        record.codeSizeBytes,
        record.revisionId,
        record.settledRevisionId,
        record.lastModified,
        record.changeKind,
        record.settlesAtMs,
        record.finalStatus,
        record.finalStatusReason ?? null,
        record.versionDescription ?? null,
        record.previous ? JSON.stringify(record.previous) : null,
      );
  }

  deleteVersion(region: string, name: string, version: string): void {
    this.db.prepare('DELETE FROM lambda_versions WHERE region = ? AND name = ? AND version = ?').run(region, name, version);
    this.db.prepare('DELETE FROM lambda_policies WHERE region = ? AND name = ? AND qualifier = ?').run(region, name, version);
  }

  /** True when any code version of any function still uses the code digest. */
  isCodeInUse(codeDigest: string): boolean {
    return this.db.prepare('SELECT 1 FROM lambda_versions WHERE code_digest = ? LIMIT 1').get(codeDigest) !== undefined;
  }

  getAlias(region: string, name: string, alias: string): AliasRecord | undefined {
    const row = this.db.prepare('SELECT * FROM lambda_aliases WHERE region = ? AND name = ? AND alias = ?').get(region, name, alias) as
      | AliasRow
      | undefined;
    return row && toAlias(row);
  }

  listAliases(region: string, name: string): AliasRecord[] {
    const rows = this.db.prepare('SELECT * FROM lambda_aliases WHERE region = ? AND name = ? ORDER BY alias').all(region, name) as AliasRow[];
    return rows.map(toAlias);
  }

  putAlias(record: AliasRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO lambda_aliases (region, name, alias, function_version, description, weights, revision_id)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.region,
        record.name,
        record.alias,
        record.functionVersion,
        record.description,
        JSON.stringify(record.additionalVersionWeights),
        record.revisionId,
      );
  }

  deleteAlias(region: string, name: string, alias: string): void {
    this.db.prepare('DELETE FROM lambda_aliases WHERE region = ? AND name = ? AND alias = ?').run(region, name, alias);
    this.db.prepare('DELETE FROM lambda_policies WHERE region = ? AND name = ? AND qualifier = ?').run(region, name, alias);
  }

  getPolicy(region: string, name: string, qualifier: string): PolicyRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM lambda_policies WHERE region = ? AND name = ? AND qualifier = ?')
      .get(region, name, qualifier) as { statements: string; revision_id: string } | undefined;
    if (!row) return undefined;
    return { region, name, qualifier, statements: JSON.parse(row.statements) as Record<string, unknown>[], revisionId: row.revision_id };
  }

  /** Stores a policy, or removes it when it has no statements left. */
  putPolicy(record: PolicyRecord): void {
    if (record.statements.length === 0) {
      this.db.prepare('DELETE FROM lambda_policies WHERE region = ? AND name = ? AND qualifier = ?').run(record.region, record.name, record.qualifier);
      return;
    }
    this.db
      .prepare('INSERT OR REPLACE INTO lambda_policies (region, name, qualifier, statements, revision_id) VALUES (?, ?, ?, ?, ?)')
      .run(record.region, record.name, record.qualifier, JSON.stringify(record.statements), record.revisionId);
  }
}

interface AliasRow {
  region: string;
  name: string;
  alias: string;
  function_version: string;
  description: string;
  weights: string;
  revision_id: string;
}

function toVersion(row: VersionRow): VersionRecord {
  return {
    region: row.region,
    name: row.name,
    version: row.version,
    settings: JSON.parse(row.settings) as FunctionSettings,
    codeDigest: row.code_digest,
    codeSizeBytes: row.code_size,
    revisionId: row.revision_id,
    settledRevisionId: row.settled_revision_id,
    lastModified: row.last_modified,
    changeKind: row.change_kind,
    settlesAtMs: row.settles_at_ms,
    finalStatus: row.final_status,
    finalStatusReason: row.final_status_reason ?? undefined,
    versionDescription: row.version_description ?? undefined,
    previous: row.previous ? (JSON.parse(row.previous) as ExecutedCode) : undefined,
  };
}

function toAlias(row: AliasRow): AliasRecord {
  return {
    region: row.region,
    name: row.name,
    alias: row.alias,
    functionVersion: row.function_version,
    description: row.description,
    additionalVersionWeights: JSON.parse(row.weights) as Record<string, number>,
    revisionId: row.revision_id,
  };
}
