import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * Opens the local cloud's state database in `dataDir`. WAL mode with `synchronous = NORMAL`
 * keeps every committed transaction across a crash or `kill -9` of the process. Only a power
 * loss can drop the last transactions, which is the trade-off SQLite documents for WAL mode.
 */
export function openDatabase(dataDir: string): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'state.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * Applies a provider's schema once. Each provider owns the tables named with its prefix
 * (`s3_`, `kms_`, `lambda_`, `iam_`) and never reads another provider's tables.
 */
export function migrate(db: SqliteDatabase, statements: string[]): void {
  db.transaction(() => {
    for (const statement of statements) db.exec(statement);
  })();
}
