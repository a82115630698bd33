import type { SqliteDatabase } from '../store/database.js';
import { migrate } from '../store/database.js';

/** One set of temporary credentials that STS issued, with the role session it belongs to. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  roleId: string;
  sessionName: string;
  expiration: Date;
  issuedAt: Date;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sts_credentials (
    access_key_id TEXT PRIMARY KEY,
    secret_access_key TEXT NOT NULL,
    session_token TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    role_id TEXT NOT NULL,
    session_name TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    issued_at INTEGER NOT NULL
  )`,
];

interface CredentialsRow {
  access_key_id: string;
  secret_access_key: string;
  session_token: string;
  role_arn: string;
  role_id: string;
  session_name: string;
  expires_at: number;
  issued_at: number;
}

/**
 * The STS provider's table, `sts_credentials`, so issued keys keep their identity across
 * restarts. Expired rows stay, so that an expired key still maps to its role session rather
 * than to the account root, which every unknown key maps to.
 */
export class StsStore {
  constructor(private readonly db: SqliteDatabase) {
    migrate(db, SCHEMA);
  }

  insert(credentials: IssuedCredentials): void {
    this.db
      .prepare(
        `INSERT INTO sts_credentials (access_key_id, secret_access_key, session_token, role_arn, role_id, session_name, expires_at, issued_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        credentials.accessKeyId,
        credentials.secretAccessKey,
        credentials.sessionToken,
        credentials.roleArn,
        credentials.roleId,
        credentials.sessionName,
        credentials.expiration.getTime(),
        credentials.issuedAt.getTime(),
      );
  }

  find(accessKeyId: string): IssuedCredentials | undefined {
    const row = this.db.prepare('SELECT * FROM sts_credentials WHERE access_key_id = ?').get(accessKeyId) as CredentialsRow | undefined;
    if (!row) return undefined;
    return {
      accessKeyId: row.access_key_id,
      secretAccessKey: row.secret_access_key,
      sessionToken: row.session_token,
      roleArn: row.role_arn,
      roleId: row.role_id,
      sessionName: row.session_name,
      expiration: new Date(row.expires_at),
      issuedAt: new Date(row.issued_at),
    };
  }
}
