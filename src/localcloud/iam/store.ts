import type { SqliteDatabase } from '../store/database.js';
import { migrate } from '../store/database.js';

/** One role as stored. IAM is global, so roles have no region. */
export interface RoleRecord {
  roleName: string;
  roleId: string;
  path: string;
  description?: string;
  /** The trust policy exactly as the caller sent it, decoded from the form body. */
  assumeRolePolicyDocument: string;
  maxSessionDurationSeconds: number;
  createdAt: Date;
}

export interface RoleTag {
  Key: string;
  Value: string;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS iam_roles (
    role_name TEXT PRIMARY KEY COLLATE NOCASE,
    role_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    description TEXT,
    trust_policy TEXT NOT NULL,
    max_session_duration INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS iam_role_policies (
    role_name TEXT NOT NULL COLLATE NOCASE REFERENCES iam_roles (role_name) ON DELETE CASCADE,
    policy_name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (role_name, policy_name)
  )`,
  `CREATE TABLE IF NOT EXISTS iam_role_attached_policies (
    role_name TEXT NOT NULL COLLATE NOCASE REFERENCES iam_roles (role_name) ON DELETE CASCADE,
    policy_arn TEXT NOT NULL,
    attached_at INTEGER NOT NULL,
    PRIMARY KEY (role_name, policy_arn)
  )`,
  `CREATE TABLE IF NOT EXISTS iam_role_tags (
    role_name TEXT NOT NULL COLLATE NOCASE REFERENCES iam_roles (role_name) ON DELETE CASCADE,
    tag_key TEXT NOT NULL COLLATE NOCASE,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (role_name, tag_key)
  )`,
];

interface RoleRow {
  role_name: string;
  role_id: string;
  path: string;
  description: string | null;
  trust_policy: string;
  max_session_duration: number;
  created_at: number;
}

/** The IAM provider's tables, `iam_*`. Role names compare case-insensitively, as in IAM. */
export class IamStore {
  constructor(private readonly db: SqliteDatabase) {
    migrate(db, SCHEMA);
  }

  /** Inserts a role with its tags; returns false when a role of that name (in any case) exists. */
  insertRole(role: RoleRecord, tags: RoleTag[]): boolean {
    return this.db.transaction(() => {
      const result = this.db
        .prepare(
          `INSERT OR IGNORE INTO iam_roles (role_name, role_id, path, description, trust_policy, max_session_duration, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(role.roleName, role.roleId, role.path, role.description ?? null, role.assumeRolePolicyDocument, role.maxSessionDurationSeconds, role.createdAt.getTime());
      if (result.changes === 0) return false;
      this.putTags(role.roleName, tags);
      return true;
    })();
  }

  getRole(roleName: string): RoleRecord | undefined {
    const row = this.db.prepare('SELECT * FROM iam_roles WHERE role_name = ?').get(roleName) as RoleRow | undefined;
    return row && toRoleRecord(row);
  }

  /** Sets the description and maximum session duration of a role, leaving any undefined one as it is. */
  updateRole(roleName: string, changes: { description?: string; maxSessionDurationSeconds?: number }): void {
    this.db
      .prepare('UPDATE iam_roles SET description = COALESCE(?, description), max_session_duration = COALESCE(?, max_session_duration) WHERE role_name = ?')
      .run(changes.description ?? null, changes.maxSessionDurationSeconds ?? null, roleName);
  }

  setTrustPolicy(roleName: string, document: string): void {
    this.db.prepare('UPDATE iam_roles SET trust_policy = ? WHERE role_name = ?').run(document, roleName);
  }

  deleteRole(roleName: string): void {
    this.db.prepare('DELETE FROM iam_roles WHERE role_name = ?').run(roleName);
  }

  /** Lists roles whose path starts with `pathPrefix`, by name, after `afterName`. */
  listRoles(pathPrefix: string, afterName: string, limit: number): RoleRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM iam_roles WHERE substr(path, 1, length(?)) = ? AND role_name > ? ORDER BY role_name LIMIT ?`)
      .all(pathPrefix, pathPrefix, afterName, limit) as RoleRow[];
    return rows.map(toRoleRecord);
  }

  putRolePolicy(roleName: string, policyName: string, document: string): void {
    this.db
      .prepare(
        `INSERT INTO iam_role_policies (role_name, policy_name, document) VALUES (?, ?, ?)
         ON CONFLICT (role_name, policy_name) DO UPDATE SET document = excluded.document`,
      )
      .run(roleName, policyName, document);
  }

  getRolePolicy(roleName: string, policyName: string): string | undefined {
    const row = this.db
      .prepare('SELECT document FROM iam_role_policies WHERE role_name = ? AND policy_name = ?')
      .get(roleName, policyName) as { document: string } | undefined;
    return row?.document;
  }

  deleteRolePolicy(roleName: string, policyName: string): boolean {
    return this.db.prepare('DELETE FROM iam_role_policies WHERE role_name = ? AND policy_name = ?').run(roleName, policyName).changes === 1;
  }

  /** Lists the role's inline policies by name, with their documents. */
  listRolePolicies(roleName: string): { policyName: string; document: string }[] {
    return this.db
      .prepare('SELECT policy_name AS policyName, document FROM iam_role_policies WHERE role_name = ? ORDER BY policy_name')
      .all(roleName) as { policyName: string; document: string }[];
  }

  /** Attaches a managed policy; attaching one that is attached already changes nothing. */
  attachPolicy(roleName: string, policyArn: string, attachedAt: Date): void {
    this.db
      .prepare('INSERT OR IGNORE INTO iam_role_attached_policies (role_name, policy_arn, attached_at) VALUES (?, ?, ?)')
      .run(roleName, policyArn, attachedAt.getTime());
  }

  detachPolicy(roleName: string, policyArn: string): boolean {
    return (
      this.db.prepare('DELETE FROM iam_role_attached_policies WHERE role_name = ? AND policy_arn = ?').run(roleName, policyArn).changes === 1
    );
  }

  listAttachedPolicyArns(roleName: string): string[] {
    const rows = this.db
      .prepare('SELECT policy_arn FROM iam_role_attached_policies WHERE role_name = ? ORDER BY attached_at, policy_arn')
      .all(roleName) as { policy_arn: string }[];
    return rows.map((row) => row.policy_arn);
  }

  /** Adds tags or replaces their values; tag keys compare case-insensitively, as in IAM. */
  putTags(roleName: string, tags: RoleTag[]): void {
    const statement = this.db.prepare(
      `INSERT INTO iam_role_tags (role_name, tag_key, tag_value) VALUES (?, ?, ?)
       ON CONFLICT (role_name, tag_key) DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value`,
    );
    this.db.transaction(() => {
      for (const tag of tags) statement.run(roleName, tag.Key, tag.Value);
    })();
  }

  deleteTags(roleName: string, tagKeys: string[]): void {
    const statement = this.db.prepare('DELETE FROM iam_role_tags WHERE role_name = ? AND tag_key = ?');
    this.db.transaction(() => {
      for (const tagKey of tagKeys) statement.run(roleName, tagKey);
    })();
  }

  listTags(roleName: string): RoleTag[] {
    return this.db
      .prepare('SELECT tag_key AS Key, tag_value AS Value FROM iam_role_tags WHERE role_name = ? ORDER BY tag_key')
      .all(roleName) as RoleTag[];
  }
}

function toRoleRecord(row: RoleRow): RoleRecord {
  return {
    roleName: row.role_name,
    roleId: row.role_id,
    path: row.path,
    description: row.description ?? undefined,
    assumeRolePolicyDocument: row.trust_policy,
    maxSessionDurationSeconds: row.max_session_duration,
    createdAt: new Date(row.created_at),
  };
}
