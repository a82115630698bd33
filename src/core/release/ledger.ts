/**
 * The release ledger: one JSON object per function and stage in the artifact bucket, holding
 * every deployment, promotion and rollback in the order they were appended. Appends are
 * conditional writes, so concurrent writers never lose an entry.
 *
 * NOTE: every append reads and rewrites the whole object, and nothing prunes old entries, so
 * the cost of an append grows with the history of the function and stage.
 */
import type { S3Client } from '@aws-sdk/client-s3';

import { WriteConflictError } from './errors.js';
import { ledgerKey } from './keys.js';
import { DEFAULT_CONFLICT_RETRY, isPreconditionFailed, retrying, sleep as realSleep } from './retry.js';
import type { Sleep } from './retry.js';
import { conditionFor, getDocument, putDocument } from './s3-documents.js';
import { compareSequencers } from './sequencer.js';

export type ReleaseOutcome = 'succeeded' | 'failed' | 'rolled-back' | 'skipped';
export type ReleaseKind = 'deploy' | 'promote' | 'rollback';

/** Alias routing as Lambda stores it: the primary version and at most one weighted extra version. */
export interface AliasTarget {
  functionVersion: string;
  /** Version to weight (0..1) of traffic routed away from the primary; empty when none. */
  additionalVersionWeights: Record<string, number>;
}

/** How long one step of a release took. */
export interface StepTiming {
  name: string;
  durationMs: number;
}

/** One release attempt of a function in a stage, as the ledger stores it. */
export interface LedgerEntry {
  /** ISO 8601 time the entry was appended. */
  time: string;
  kind: ReleaseKind;
  outcome: ReleaseOutcome;
  /** Reason the release failed, rolled back or was skipped; null when it succeeded. */
  reason: string | null;
  /** Artifact key and object version; null for promotions and rollbacks of versions without one. */
  objectKey: string | null;
  objectVersionId: string | null;
  /** S3 event sequencer of the upload; null outside S3-triggered deployments. */
  sequencer: string | null;
  /** SHA-256 of the code as Lambda reports it (`CodeSha256`, base64); null when nothing was published. */
  sha256: string | null;
  description: string | null;
  /** Version the alias was moved to (or would have been); null when none was published. */
  publishedVersion: string | null;
  /** Primary version of the alias before the release; null when the alias did not exist. */
  previousVersion: string | null;
  /** Weighted routing of the alias before the release; empty when none. */
  previousRouting: Record<string, number>;
  strategy: string;
  steps: StepTiming[];
  /** True when a failed release may succeed on a later delivery; absent for other outcomes. */
  retryable?: boolean;
}

/** The ledger object: every entry of one function and stage, oldest first. */
export interface LedgerDocument {
  functionName: string;
  stage: string;
  entries: LedgerEntry[];
}

export interface AppendOptions {
  sleep?: Sleep;
  maxAttempts?: number;
}

/** Reads the ledger of a function and stage, oldest entry first; empty when nothing was released yet. */
export async function readLedger(s3: S3Client, bucket: string, functionName: string, stage: string): Promise<LedgerEntry[]> {
  const stored = await getDocument<LedgerDocument>(s3, bucket, ledgerKey(functionName, stage));
  return stored?.value.entries ?? [];
}

/**
 * Appends `entry`. On `412` (another writer appended first) the ledger is read again and the
 * append retried with backoff; throws `WriteConflictError` when every attempt lost.
 */
export async function appendLedgerEntry(
  s3: S3Client,
  bucket: string,
  functionName: string,
  stage: string,
  entry: LedgerEntry,
  options: AppendOptions = {},
): Promise<void> {
  const key = ledgerKey(functionName, stage);
  const retry = { ...DEFAULT_CONFLICT_RETRY, sleep: options.sleep ?? realSleep, maxAttempts: options.maxAttempts ?? 20 };

  try {
    await retrying(
      async () => {
        const stored = await getDocument<LedgerDocument>(s3, bucket, key);
        const entries = [...(stored?.value.entries ?? []), entry];
        await putDocument(s3, bucket, key, { functionName, stage, entries } satisfies LedgerDocument, conditionFor(stored));
      },
      isPreconditionFailed,
      retry,
    );
  } catch (error) {
    if (!isPreconditionFailed(error)) throw error;
    throw new WriteConflictError(`Appending to the ledger s3://${bucket}/${key} lost to concurrent writers ${retry.maxAttempts} times.`, { cause: error });
  }
}

/**
 * True when an entry closed its release for good: it succeeded, rolled back, or failed for a
 * reason a retry cannot fix. A later delivery of the same object version is then a duplicate.
 */
export function isSettled(entry: LedgerEntry): boolean {
  if (entry.outcome === 'succeeded' || entry.outcome === 'rolled-back') return true;
  return entry.outcome === 'failed' && entry.retryable !== true;
}

/** The settled deployment of this object version, if any. */
export function findSettledDeployment(entries: LedgerEntry[], objectKey: string, objectVersionId: string): LedgerEntry | undefined {
  return entries.find(
    (entry) => entry.kind === 'deploy' && isSettled(entry) && entry.objectKey === objectKey && entry.objectVersionId === objectVersionId,
  );
}

/** Returns the newest sequencer of a settled deployment of `objectKey`, if any. */
export function lastAppliedSequencer(entries: LedgerEntry[], objectKey: string): string | undefined {
  let newest: string | undefined;
  for (const entry of entries) {
    if (entry.kind !== 'deploy' || !isSettled(entry) || entry.objectKey !== objectKey || !entry.sequencer) continue;
    if (newest === undefined || compareSequencers(entry.sequencer, newest) > 0) newest = entry.sequencer;
  }
  return newest;
}

/**
 * The version a rollback returns to: the newest version a successful release moved the stage
 * to, other than `currentVersion` and other than versions that earlier rollbacks moved away
 * from. So two rollbacks in a row step back two releases rather than toggling.
 */
export function previousGoodVersion(entries: LedgerEntry[], currentVersion: string): string | undefined {
  const rolledAway = new Set<string>();
  for (const entry of [...entries].reverse()) {
    if (entry.outcome !== 'succeeded' || entry.publishedVersion === null) continue;

    if (entry.kind === 'rollback' && entry.previousVersion !== null) rolledAway.add(entry.previousVersion);
    if (entry.kind === 'rollback') continue;

    if (entry.publishedVersion !== currentVersion && !rolledAway.has(entry.publishedVersion)) return entry.publishedVersion;
  }
  return undefined;
}

/** Finds the newest successful entry that moved the stage to `version`, if any. */
export function findReleaseOf(entries: LedgerEntry[], version: string): LedgerEntry | undefined {
  return [...entries].reverse().find((entry) => entry.outcome === 'succeeded' && entry.publishedVersion === version);
}
