import { readLedger, isSettled } from '../../core/release/ledger.js';
import type { LedgerEntry, StepTiming } from '../../core/release/ledger.js';
import { readProgress } from '../../core/release/progress.js';
import type { ReleaseProgress } from '../../core/release/progress.js';
import type { AwsClients } from '../clients.js';
import { WaitTimeoutError } from '../errors.js';

/** Time after the upload when a release that has not started is worth a hint. */
const NOT_STARTED_WARNING_MS = 30_000;

export interface WatchOptions {
  bucket: string;
  functionName: string;
  stage: string;
  objectKey: string;
  /** The uploaded object version; without one, the first entry for the key appended after `startedAt` counts. */
  objectVersionId?: string;
  startedAt: Date;
  timeoutMs: number;
  pollIntervalMs: number;
  /** Called with each new step of the release, such as "published version 4". */
  onStep?: (step: string) => void;
}

/**
 * Follows a release by polling its progress object and the ledger until the ledger holds a
 * settled entry for the uploaded object version. Returns that entry; a failed entry that the
 * deploy function will retry is reported as a step and waited past.
 */
export async function waitForRelease(clients: AwsClients, options: WatchOptions): Promise<LedgerEntry> {
  const deadline = Date.now() + options.timeoutMs;
  const seen = new Set<string>();
  const report = (step: string): void => {
    if (seen.has(step)) return;
    seen.add(step);
    options.onStep?.(step);
  };

  for (;;) {
    const entries = await readLedger(clients.s3, options.bucket, options.functionName, options.stage);
    const mine = entries.filter((entry) => isThisUpload(entry, options));
    const settled = mine.find(isSettled);
    if (settled) {
      for (const step of describeSteps(settled.steps, settled.publishedVersion, settled.outcome !== 'succeeded')) report(step);
      return settled;
    }
    for (const entry of mine) report(`attempt failed, the deploy function will retry: ${entry.reason ?? 'no reason given'}`);

    const stored = await readProgress(clients.s3, options.bucket, options.functionName, options.stage);
    const progress = stored && isProgressOfThisUpload(stored, options) ? stored : undefined;
    if (progress) reportProgress(progress, report);

    const started = mine.length > 0 || progress !== undefined;
    if (!started && Date.now() - options.startedAt.getTime() > NOT_STARTED_WARNING_MS) {
      report(`no release has started after ${NOT_STARTED_WARNING_MS / 1000} s; check the upload notification with "keystage bootstrap --dry-run" and "keystage logs deploy"`);
    }

    if (Date.now() > deadline) {
      throw new WaitTimeoutError(
        `No result for the release of s3://${options.bucket}/${options.objectKey} after ${Math.round(options.timeoutMs / 1000)} s; ` +
          `it may still be running: check "keystage status" and "keystage logs deploy".`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
  }
}

function reportProgress(progress: ReleaseProgress, report: (step: string) => void): void {
  const failed = progress.phase === 'rolling-back' || (progress.outcome !== undefined && progress.outcome !== 'succeeded');
  for (const step of describeSteps(progress.steps, progress.publishedVersion, failed)) report(step);

  if (progress.phase === 'baking') report(`baking at ${formatPercent(progress.weight)}`);
  if (progress.phase === 'rolling-back') report('rolling back');
}

function isThisUpload(entry: LedgerEntry, options: WatchOptions): boolean {
  if (entry.kind !== 'deploy' || entry.objectKey !== options.objectKey) return false;
  if (options.objectVersionId) return entry.objectVersionId === options.objectVersionId;
  return Date.parse(entry.time) >= options.startedAt.getTime();
}

function isProgressOfThisUpload(progress: ReleaseProgress, options: WatchOptions): boolean {
  if (progress.objectKey !== options.objectKey) return false;
  if (options.objectVersionId) return progress.objectVersionId === options.objectVersionId;
  return Date.parse(progress.startedAt) >= options.startedAt.getTime();
}

/** Index of the last verification or bake step: the one that failed when a release failed. */
function lastCheck(steps: readonly StepTiming[]): number {
  for (let index = steps.length - 1; index >= 0; index -= 1) {
    const name = steps[index]?.name ?? '';
    if (name.startsWith('verify-') || name.startsWith('bake-')) return index;
  }
  return -1;
}

/**
 * Phrases the finished steps of a release, in order, for people: "code updated", "published
 * version 5", "10 % of traffic on version 5", "verified", "100 % of traffic on version 5".
 * Bookkeeping steps (the lease, the release marker) are left out. When the release `failed`, its
 * last verification or bake step is the one that failed, or else a last `update-code` step.
 */
export function describeSteps(steps: readonly StepTiming[], publishedVersion: string | null, failed = false): string[] {
  const version = publishedVersion ?? '?';
  const phrases: string[] = [];
  const failedStep = failed ? failingStep(steps) : -1;
  for (const [index, { name }] of steps.entries()) {
    if (index === failedStep && name === 'update-code') {
      phrases.push('code update failed');
      continue;
    }
    if (index === failedStep) {
      phrases.push(`${name === 'verify-alias' ? 'verification through the alias' : name.startsWith('bake-') ? 'bake' : `verification of version ${version}`} failed`);
      continue;
    }
    const weighted = /^(shift|bake)-(\d+)$/.exec(name);
    if (name === 'update-code') phrases.push('code updated');
    else if (name === 'publish-version') phrases.push(`published version ${version}`);
    else if (name === 'verify-version') phrases.push(`version ${version} verified`);
    else if (weighted?.[1] === 'shift') phrases.push(`${weighted[2]} % of traffic on version ${version}`);
    else if (weighted?.[1] === 'bake') phrases.push(`${weighted[2]} % baked without errors`);
    else if (name === 'finalize-alias') phrases.push(`100 % of traffic on version ${version}`);
    else if (name === 'verify-alias') phrases.push('verified through the alias');
    else if (name === 'restore-alias') phrases.push('alias restored to the previous version');
  }
  return phrases;
}

/** Returns the index of the step a failed release failed in: its last check, else a last `update-code` step, else -1. */
function failingStep(steps: readonly StepTiming[]): number {
  const check = lastCheck(steps);
  if (check >= 0) return check;

  const last = steps.length - 1;
  return steps[last]?.name === 'update-code' ? last : -1;
}

export function formatPercent(weight: number): string {
  return `${Math.round(weight * 1000) / 10} %`;
}
