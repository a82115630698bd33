/**
 * The release engine: one release of a function in a stage, under the lease, from the ledger
 * check to the ledger entry. Deployments publish a version from an uploaded object; promotions
 * and rollbacks move the alias to an existing version. All of them verify, shift with a
 * strategy, and restore the previous alias routing when something fails after the shift began.
 */
import { randomUUID } from 'node:crypto';

import { GetFunctionConfigurationCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';

import { getAlias } from './alias.js';
import { InvalidCommandError, ReleaseError, ReleaseSupersededError } from './errors.js';
import { publishVersion, releaseMarker, setReleaseMarker, updateCode } from './function-code.js';
import { acquireLease } from './lease.js';
import type { HeldLease } from './lease.js';
import { appendLedgerEntry, findSettledDeployment, lastAppliedSequencer, readLedger } from './ledger.js';
import type { LedgerEntry, ReleaseOutcome } from './ledger.js';
import { readProgress, writeProgress } from './progress.js';
import type { ReleasePhase } from './progress.js';
import type { ReleasePlan, ReleaseRuntime, ReleaseState } from './runtime.js';
import { compareSequencers } from './sequencer.js';
import { restoreAlias, shiftAlias, verifyOrThrow } from './shift.js';
import { readSmokeEvent } from './verification.js';

/** Outcome of a release; `continued` when a follow-up invocation carries on with it. */
export interface ReleaseResult {
  outcome: ReleaseOutcome | 'continued';
  reason: string | null;
  /** True when a later delivery of the same event may succeed. */
  retryable: boolean;
  functionName: string;
  stage: string;
  publishedVersion: string | null;
  previousVersion: string | null;
  entry: LedgerEntry | null;
}

/**
 * Chooses the version of a promotion or rollback once the lease is held. Receives the stage's
 * ledger and current version; returns the version and the ledger fields describing it.
 */
export type VersionResolver = (entries: LedgerEntry[], currentVersion: string | null) => Promise<Partial<ReleasePlan> & { version: string }>;

/** Runs a new release of `plan`. `resolveVersion` is required for promotions and rollbacks. */
export async function runRelease(runtime: ReleaseRuntime, plan: ReleasePlan, resolveVersion?: VersionResolver): Promise<ReleaseResult> {
  const state = newState(runtime, plan);
  return underLease(runtime, state, (lease) => startRelease(runtime, state, lease, resolveVersion));
}

function newState(runtime: ReleaseRuntime, plan: ReleasePlan): ReleaseState {
  return {
    releaseId: randomUUID(),
    plan,
    startedAt: new Date(runtime.now()).toISOString(),
    leaseOwner: runtime.owner,
    publishedVersion: null,
    sha256: null,
    previousTarget: null,
    aliasChanged: false,
    stepIndex: 0,
    bakeStartedAtMs: null,
    steps: [],
  };
}

/**
 * Records a release that ended before it took the lease (invalid metadata, a duplicate seen
 * early). Appends to the ledger only; progress belongs to the lease holder.
 */
export async function recordWithoutLease(
  runtime: ReleaseRuntime,
  plan: ReleasePlan,
  outcome: ReleaseOutcome,
  reason: string,
  retryable: boolean,
): Promise<ReleaseResult> {
  return settle(runtime, newState(runtime, plan), outcome, reason, retryable, false);
}

/** Resumes a release handed over by an earlier invocation (see `ReleaseRuntime.continueLater`). */
export async function resumeRelease(runtime: ReleaseRuntime, state: ReleaseState): Promise<ReleaseResult> {
  return underLease(runtime, state, async (lease) => {
    try {
      await checkStillShifting(runtime, state);
    } catch (error) {
      return fail(runtime, state, error);
    }
    return finishRelease(runtime, state, lease);
  });
}

/**
 * Checks that the alias still routes the partial weight this release set before handing over.
 * When the lease expired in between and another release moved the alias, this one stops
 * without touching the alias.
 */
async function checkStillShifting(runtime: ReleaseRuntime, state: ReleaseState): Promise<void> {
  const { functionName, stage } = state.plan;
  const alias = await getAlias(runtime.lambda, functionName, stage);
  const primaryKept = alias?.target.functionVersion === state.previousTarget?.functionVersion;
  const weightKept = (alias?.target.additionalVersionWeights[state.publishedVersion ?? ''] ?? 0) > 0;
  if (primaryKept && weightKept) return;

  state.aliasChanged = false;
  throw new ReleaseSupersededError(
    `The alias ${functionName}:${stage} changed while this release waited for its follow-up invocation, so the release stopped and left the alias as it is.`,
  );
}

async function underLease(runtime: ReleaseRuntime, state: ReleaseState, body: (lease: HeldLease) => Promise<ReleaseResult>): Promise<ReleaseResult> {
  const { functionName, stage } = state.plan;
  let lease: HeldLease;
  try {
    lease = await timed(runtime, state, 'acquire-lease', () =>
      acquireLease(runtime.s3, runtime.bucket, functionName, stage, {
        owner: state.leaseOwner,
        ttlMs: runtime.settings.leaseTtlMs,
        maxWaitMs: Math.max(0, Math.min(runtime.settings.leaseMaxWaitMs, runtime.remainingTimeMs() - runtime.settings.safetyMarginMs)),
        sleep: runtime.sleep,
        now: runtime.now,
      }),
    );
  } catch (error) {
    return fail(runtime, state, error, false);
  }

  let result: ReleaseResult | undefined;
  try {
    result = await body(lease);
    return result;
  } finally {
    if (result?.outcome !== 'continued') await lease.release().catch((error: unknown) => runtime.logger.warn('Releasing the lease failed', { error }));
  }
}

async function startRelease(runtime: ReleaseRuntime, state: ReleaseState, lease: HeldLease, resolveVersion?: VersionResolver): Promise<ReleaseResult> {
  const { plan } = state;
  try {
    const entries = await readLedger(runtime.s3, runtime.bucket, plan.functionName, plan.stage);
    const skipReason = plan.kind === 'deploy' ? deliverySkipReason(plan, entries) : undefined;
    if (skipReason !== undefined) return await settle(runtime, state, 'skipped', skipReason, false);

    const alias = await getAlias(runtime.lambda, plan.functionName, plan.stage);
    state.previousTarget = alias?.target ?? null;
    await adoptInterruptedRelease(runtime, state);

    if (plan.kind === 'deploy') {
      await publish(runtime, state);
    } else {
      await resolveExisting(runtime, state, entries, alias?.target.functionVersion ?? null, resolveVersion);
    }
    await lease.keepAlive(runtime.settings.leaseTtlMs);
  } catch (error) {
    return fail(runtime, state, error);
  }

  return finishRelease(runtime, state, lease, true);
}

/** Verifies the published version, shifts the alias and records the outcome. */
async function finishRelease(runtime: ReleaseRuntime, state: ReleaseState, lease: HeldLease, verifyFirst = false): Promise<ReleaseResult> {
  const { plan } = state;
  try {
    const smokeEvent = await readSmokeEvent(runtime.s3, runtime.bucket, plan.functionName);
    if (verifyFirst && smokeEvent !== undefined) {
      await report(runtime, state, 'verifying', 0);
      await timed(runtime, state, 'verify-version', () => verifyOrThrow(runtime, plan.functionName, state.publishedVersion ?? '', plan.stage, smokeEvent));
    }

    await report(runtime, state, 'shifting', 0);
    const shifted = await shiftAlias(runtime, state, lease, smokeEvent, {
      timed: (name, step) => timed(runtime, state, name, step),
      report: (phase, weight) => report(runtime, state, phase, weight),
    });
    if (shifted === 'continued') return resultOf(state, 'continued', null, false, null);

    return await settle(runtime, state, 'succeeded', null, false);
  } catch (error) {
    return fail(runtime, state, error);
  }
}

/** UpdateFunctionCode, the release marker and PublishVersion. */
async function publish(runtime: ReleaseRuntime, state: ReleaseState): Promise<void> {
  const { plan } = state;
  const artifact = { bucket: plan.artifactBucket ?? runtime.bucket, key: plan.objectKey ?? '', versionId: plan.objectVersionId ?? '' };
  const options = { sleep: runtime.sleep, updateWaitSeconds: runtime.settings.updateWaitSeconds };

  await report(runtime, state, 'updating-code', 0);
  state.sha256 = await timed(runtime, state, 'update-code', () => updateCode(runtime.lambda, plan.functionName, artifact, options));
  await timed(runtime, state, 'set-release-marker', () => setReleaseMarker(runtime.lambda, plan.functionName, releaseMarker(artifact), options));

  await report(runtime, state, 'publishing', 0);
  state.publishedVersion = await timed(runtime, state, 'publish-version', () =>
    publishVersion(runtime.lambda, plan.functionName, plan.description ?? '', state.sha256 ?? '', options),
  );
  runtime.logger.info('Published version', { publishedVersion: state.publishedVersion });
}

/** Resolves the version of a promotion or rollback and checks that it exists. */
async function resolveExisting(
  runtime: ReleaseRuntime,
  state: ReleaseState,
  entries: LedgerEntry[],
  currentVersion: string | null,
  resolveVersion?: VersionResolver,
): Promise<void> {
  const resolved = resolveVersion ? await resolveVersion(entries, currentVersion) : { version: state.plan.version ?? '' };
  state.plan = { ...state.plan, ...resolved };
  state.publishedVersion = resolved.version;

  try {
    const configuration = await runtime.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: state.plan.functionName, Qualifier: resolved.version }));
    state.sha256 = configuration.CodeSha256 ?? null;
    state.plan.description ??= configuration.Description ?? null;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new InvalidCommandError(`Version ${resolved.version} of ${state.plan.functionName} does not exist; list versions with \`keystage history\`.`);
    }
    throw error;
  }
}

/**
 * When an earlier delivery of the same upload stopped half way (its progress is not `done`),
 * takes the alias routing it recorded as the one to restore, because the alias may already
 * show that release's own weights.
 */
async function adoptInterruptedRelease(runtime: ReleaseRuntime, state: ReleaseState): Promise<void> {
  if (state.plan.kind !== 'deploy') return;

  const progress = await readProgress(runtime.s3, runtime.bucket, state.plan.functionName, state.plan.stage);
  const interrupted = progress && progress.phase !== 'done' && progress.objectKey === state.plan.objectKey && progress.objectVersionId === state.plan.objectVersionId;
  if (!interrupted) return;

  runtime.logger.warn('Resuming an interrupted release of the same upload', { releaseId: progress.releaseId, phase: progress.phase });
  state.previousTarget = progress.previousTarget;
}

/** Why a delivery is skipped: a duplicate of a settled release, or older than the last one applied. */
export function deliverySkipReason(plan: ReleasePlan, entries: LedgerEntry[]): string | undefined {
  const key = plan.objectKey ?? '';
  const settled = plan.objectVersionId ? findSettledDeployment(entries, key, plan.objectVersionId) : undefined;
  if (settled) {
    return `Duplicate delivery: object version ${plan.objectVersionId} of ${key} was already handled at ${settled.time} with outcome ${settled.outcome}.`;
  }

  const applied = lastAppliedSequencer(entries, key);
  if (plan.sequencer && applied && compareSequencers(plan.sequencer, applied) < 0) {
    return `Late delivery: sequencer ${plan.sequencer} of ${key} is older than ${applied}, which was already applied.`;
  }
  return undefined;
}

/** Restores the alias when the release had changed it, then records the failure. */
async function fail(runtime: ReleaseRuntime, state: ReleaseState, error: unknown, holdsLease = true): Promise<ReleaseResult> {
  const reason = error instanceof Error ? error.message : String(error);
  const retryable = error instanceof ReleaseError ? error.retryable : true;
  runtime.logger.error('Release failed', { reason, retryable, error: error instanceof ReleaseError ? undefined : error });

  let outcome: ReleaseOutcome = 'failed';
  let recorded = reason;
  if (state.aliasChanged) {
    try {
      await report(runtime, state, 'rolling-back', 0);
      await timed(runtime, state, 'restore-alias', () => restoreAlias(runtime, state));
      outcome = 'rolled-back';
    } catch (restoreError) {
      runtime.logger.error('Restoring the previous alias routing failed', { error: restoreError });
      recorded = `${reason} Restoring the previous alias routing also failed: ${restoreError instanceof Error ? restoreError.message : String(restoreError)}`;
    }
  }

  try {
    return await settle(runtime, state, outcome, recorded, retryable, holdsLease);
  } catch (ledgerError) {
    runtime.logger.error('Recording the failed release in the ledger failed', { error: ledgerError });
    return resultOf(state, outcome, recorded, true, null);
  }
}

/** Appends the ledger entry and, when this release holds the lease, marks the progress done. */
async function settle(
  runtime: ReleaseRuntime,
  state: ReleaseState,
  outcome: ReleaseOutcome,
  reason: string | null,
  retryable: boolean,
  holdsLease = true,
): Promise<ReleaseResult> {
  const { plan } = state;
  const entry: LedgerEntry = {
    time: new Date(runtime.now()).toISOString(),
    kind: plan.kind,
    outcome,
    reason,
    objectKey: plan.objectKey,
    objectVersionId: plan.objectVersionId,
    sequencer: plan.sequencer,
    sha256: state.sha256,
    description: plan.description,
    publishedVersion: state.publishedVersion,
    previousVersion: state.previousTarget?.functionVersion ?? null,
    previousRouting: state.previousTarget?.additionalVersionWeights ?? {},
    strategy: plan.strategy,
    steps: state.steps,
    ...(outcome === 'failed' ? { retryable } : {}),
  };

  await appendLedgerEntry(runtime.s3, runtime.bucket, plan.functionName, plan.stage, entry, { sleep: runtime.sleep });
  if (holdsLease && outcome !== 'skipped') await report(runtime, state, 'done', outcome === 'succeeded' ? 1 : 0, { outcome, reason });
  runtime.logger.info('Release recorded', { outcome, reason, publishedVersion: state.publishedVersion });
  return resultOf(state, outcome, reason, retryable, entry);
}

function resultOf(state: ReleaseState, outcome: ReleaseResult['outcome'], reason: string | null, retryable: boolean, entry: LedgerEntry | null): ReleaseResult {
  return {
    outcome,
    reason,
    retryable,
    functionName: state.plan.functionName,
    stage: state.plan.stage,
    publishedVersion: state.publishedVersion,
    previousVersion: state.previousTarget?.functionVersion ?? null,
    entry,
  };
}

async function timed<T>(runtime: ReleaseRuntime, state: ReleaseState, name: string, step: () => Promise<T>): Promise<T> {
  const startedAtMs = runtime.now();
  try {
    return await step();
  } finally {
    state.steps.push({ name, durationMs: runtime.now() - startedAtMs });
  }
}

/** Writes progress; a failed write is logged and does not stop the release, since progress is informational. */
async function report(runtime: ReleaseRuntime, state: ReleaseState, phase: ReleasePhase, weight: number, done?: { outcome: ReleaseOutcome; reason: string | null }): Promise<void> {
  const { plan } = state;
  try {
    await writeProgress(runtime.s3, runtime.bucket, {
      releaseId: state.releaseId,
      kind: plan.kind,
      functionName: plan.functionName,
      stage: plan.stage,
      phase,
      objectKey: plan.objectKey,
      objectVersionId: plan.objectVersionId,
      strategy: plan.strategy,
      publishedVersion: state.publishedVersion,
      previousTarget: state.previousTarget,
      weight,
      startedAt: state.startedAt,
      updatedAt: new Date(runtime.now()).toISOString(),
      steps: state.steps,
      ...done,
    });
  } catch (error) {
    runtime.logger.warn('Writing release progress failed', { phase, error });
  }
}
