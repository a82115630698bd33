import type { Logger } from '../log.js';
import type { BlobStore } from '../store/blobs.js';
import type { NotificationDispatcher } from './notification-dispatch.js';
import type { S3Store } from './store.js';

/** The state and services that S3 operations use: the store, the blobs, and the notification dispatcher. */
export interface S3Backend {
  store: S3Store;
  blobs: BlobStore;
  accountId: string;
  /** The canonical user id of the account, as S3 reports owners (64 hex digits). */
  ownerId: string;
  logger: Logger;
  /** The URL clients reach the local cloud on, for `Location` values. */
  endpointUrl(): string;
  notifications: NotificationDispatcher;
}

/** The caller of a request as event records report it: SigV4 access key, client address and request id. */
export interface Requester {
  accessKeyId: string;
  sourceIp: string;
  requestId: string;
  region: string;
}
