/**
 * A lease per function and stage that serialises releases across concurrent invocations of the
 * deploy function. The lease is an S3 object created with `If-None-Match: *`. An expired lease,
 * whose holder crashed, is taken over with `If-Match: <etag>`. A release replaces its lease
 * with an expired one when done. Expiry uses the clocks of the deploy function's hosts.
 */
import type { S3Client } from '@aws-sdk/client-s3';

import { LeaseUnavailableError } from './errors.js';
import { leaseKey } from './keys.js';
import { backoffDelayMs, isPreconditionFailed } from './retry.js';
import type { Sleep } from './retry.js';
import { getDocument, putDocument } from './s3-documents.js';

/** The lease object. */
export interface LeaseDocument {
  /** Holder of the lease; null once released. */
  owner: string | null;
  acquiredAt: string;
  expiresAt: string;
}

export interface LeaseOptions {
  owner: string;
  ttlMs: number;
  /** How long to wait for a busy lease before giving up. */
  maxWaitMs: number;
  sleep: Sleep;
  now: () => number;
}

/** A lease this release holds. */
export interface HeldLease {
  owner: string;
  /** Extends the lease to `ttlMs` from now; throws `LeaseUnavailableError` when it was lost. */
  renew(ttlMs: number): Promise<void>;
  /** Renews the lease only when more than half of `ttlMs` passed since it was last written, to save calls. */
  keepAlive(ttlMs: number): Promise<void>;
  /** Gives the lease up. A lost lease is not an error here: the holder then is someone else. */
  release(): Promise<void>;
}

const WAIT_BASE_DELAY_MS = 200;
const WAIT_MAX_DELAY_MS = 5_000;

/**
 * Acquires the lease of `functionName` in `stage`, waiting with backoff while another owner
 * holds it. A lease held by `options.owner` already (a resumed release) is taken over at once.
 * Throws `LeaseUnavailableError` after `maxWaitMs`.
 */
export async function acquireLease(s3: S3Client, bucket: string, functionName: string, stage: string, options: LeaseOptions): Promise<HeldLease> {
  const key = leaseKey(functionName, stage);
  const deadline = options.now() + options.maxWaitMs;

  for (let attempt = 0; ; attempt += 1) {
    const etag = await tryAcquire(s3, bucket, key, options);
    if (etag !== undefined) return heldLease(s3, bucket, key, etag, options);

    const delayMs = backoffDelayMs(attempt, WAIT_BASE_DELAY_MS, WAIT_MAX_DELAY_MS);
    if (options.now() + delayMs > deadline) {
      throw new LeaseUnavailableError(
        `Another release of ${functionName} in ${stage} held the lease s3://${bucket}/${key} for more than ${options.maxWaitMs} ms; the event will be retried.`,
      );
    }
    await options.sleep(delayMs);
  }
}

/** Tries once. Returns the new ETag when acquired, undefined when another owner holds a live lease or won a race. */
async function tryAcquire(s3: S3Client, bucket: string, key: string, options: LeaseOptions): Promise<string | undefined> {
  const document = leaseDocument(options.owner, options.now(), options.ttlMs);
  try {
    return await putDocument(s3, bucket, key, document, { ifNoneMatch: '*' });
  } catch (error) {
    if (!isPreconditionFailed(error)) throw error;
  }

  const current = await getDocument<LeaseDocument>(s3, bucket, key);
  if (!current) return undefined;

  const free = current.value.owner === null || current.value.owner === options.owner || Date.parse(current.value.expiresAt) <= options.now();
  if (!free) return undefined;

  try {
    return await putDocument(s3, bucket, key, document, { ifMatch: current.etag });
  } catch (error) {
    if (isPreconditionFailed(error)) return undefined;
    throw error;
  }
}

function heldLease(s3: S3Client, bucket: string, key: string, initialEtag: string, options: LeaseOptions): HeldLease {
  let etag = initialEtag;
  let writtenAtMs = options.now();

  return {
    owner: options.owner,

    async renew(ttlMs: number): Promise<void> {
      try {
        etag = await putDocument(s3, bucket, key, leaseDocument(options.owner, options.now(), ttlMs), { ifMatch: etag });
        writtenAtMs = options.now();
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        throw new LeaseUnavailableError(`The lease s3://${bucket}/${key} was taken over by another release after it expired.`);
      }
    },

    async keepAlive(ttlMs: number): Promise<void> {
      if (options.now() - writtenAtMs > ttlMs / 2) await this.renew(ttlMs);
    },

    async release(): Promise<void> {
      const released: LeaseDocument = { owner: null, acquiredAt: new Date(options.now()).toISOString(), expiresAt: new Date(options.now()).toISOString() };
      try {
        await putDocument(s3, bucket, key, released, { ifMatch: etag });
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
    },
  };
}

function leaseDocument(owner: string, nowMs: number, ttlMs: number): LeaseDocument {
  return { owner, acquiredAt: new Date(nowMs).toISOString(), expiresAt: new Date(nowMs + ttlMs).toISOString() };
}
