import type { Logger } from './log.js';
import type { BlobStore } from './store/blobs.js';
import type { SqliteDatabase } from './store/database.js';

/** Dependencies of every provider: the shared database and blob store, the account and the endpoint. */
export interface ProviderContext {
  db: SqliteDatabase;
  blobs: BlobStore;
  dataDir: string;
  /** The one account of the local cloud, used in every ARN. */
  accountId: string;
  logger: Logger;
  /** The URL clients reach the local cloud on; known only once the listener is up. */
  endpointUrl(): string;
}
