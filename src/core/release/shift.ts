/**
 * Moving the stage alias to a published version with a strategy, watching the new version while
 * it bakes, and restoring the previous routing when verification fails.
 *
 * During a bake the new version is invoked directly with the smoke event every
 * `probeIntervalMs`, and any function error fails the release. Alias invocations by real
 * callers are not watched.
 * NOTE: CloudWatch error metrics of the new version are not consulted.
 */
import { DeleteAliasCommand } from '@aws-sdk/client-lambda';

import { getAlias, putAlias, sameTarget } from './alias.js';
import { VerificationFailedError } from './errors.js';
import type { AliasTarget } from './ledger.js';
import type { HeldLease } from './lease.js';
import type { ReleaseRuntime, ReleaseState } from './runtime.js';
import { parseStrategy, shiftSteps } from './strategy.js';
import type { ShiftStep } from './strategy.js';
import { invokeSmoke } from './verification.js';

/** `finished` when the alias serves the new version; `continued` when a follow-up invocation took over. */
export type ShiftResult = 'finished' | 'continued';

/** Hooks the engine gives the shift: timing of steps and progress reports. */
export interface ShiftHooks {
  timed<T>(name: string, step: () => Promise<T>): Promise<T>;
  report(phase: 'shifting' | 'baking' | 'finalizing' | 'verifying', weight: number): Promise<void>;
}

/**
 * Runs the shift steps from `state.stepIndex`, finalizes the alias at 100 % and invokes it with
 * the smoke event. Throws `VerificationFailedError` when a smoke invocation fails; the caller
 * restores the previous target.
 */
export async function shiftAlias(runtime: ReleaseRuntime, state: ReleaseState, lease: HeldLease, smokeEvent: string | undefined, hooks: ShiftHooks): Promise<ShiftResult> {
  const version = state.publishedVersion ?? '';
  const steps = plannedSteps(state);

  for (; state.stepIndex < steps.length; state.stepIndex += 1) {
    const step = steps[state.stepIndex] as ShiftStep;
    if (state.bakeStartedAtMs === null) {
      await hooks.timed(`shift-${Math.round(step.weight * 100)}`, () => moveAlias(runtime, state, weightedTarget(state, step.weight)));
      state.bakeStartedAtMs = runtime.now();
    }

    await hooks.report('baking', step.weight);
    const baked = await hooks.timed(`bake-${Math.round(step.weight * 100)}`, () => bake(runtime, state, lease, step, smokeEvent));
    if (!baked) {
      await handOver(runtime, state, lease);
      return 'continued';
    }
    state.bakeStartedAtMs = null;
  }

  await hooks.report('finalizing', 1);
  await hooks.timed('finalize-alias', () => moveAlias(runtime, state, { functionVersion: version, additionalVersionWeights: {} }));

  if (smokeEvent !== undefined) {
    await hooks.report('verifying', 1);
    await hooks.timed('verify-alias', () => verifyOrThrow(runtime, state.plan.functionName, state.plan.stage, state.plan.stage, smokeEvent));
  }
  return 'finished';
}

/**
 * Puts the alias back exactly as `state.previousTarget` describes it, or deletes it when the
 * release created it. Does nothing when the alias never changed.
 */
export async function restoreAlias(runtime: ReleaseRuntime, state: ReleaseState): Promise<void> {
  if (!state.aliasChanged) return;
  const { functionName, stage } = state.plan;
  const current = await getAlias(runtime.lambda, functionName, stage);

  if (state.previousTarget === null) {
    if (current) await runtime.lambda.send(new DeleteAliasCommand({ FunctionName: functionName, Name: stage }));
    return;
  }
  if (current && sameTarget(current.target, state.previousTarget)) return;

  await putAlias(runtime.lambda, functionName, stage, state.previousTarget, current?.revisionId, runtime.sleep);
}

/**
 * Invokes `functionName:qualifier` with the smoke event, as an invocation of `stage`; throws
 * `VerificationFailedError` when it fails.
 */
export async function verifyOrThrow(runtime: ReleaseRuntime, functionName: string, qualifier: string, stage: string, smokeEvent: string): Promise<void> {
  const result = await invokeSmoke(runtime.lambda, functionName, qualifier, smokeEvent, stage);
  if (!result.ok) throw new VerificationFailedError(result.reason);
}

/** Partial steps of the strategy; none when there is no earlier version to split traffic with. */
function plannedSteps(state: ReleaseState): ShiftStep[] {
  const previous = state.previousTarget;
  if (previous === null || previous.functionVersion === state.publishedVersion) return [];
  return shiftSteps(parseStrategy(state.plan.strategy));
}

function weightedTarget(state: ReleaseState, weight: number): AliasTarget {
  const primary = state.previousTarget?.functionVersion ?? '';
  return { functionVersion: primary, additionalVersionWeights: { [state.publishedVersion ?? '']: weight } };
}

async function moveAlias(runtime: ReleaseRuntime, state: ReleaseState, target: AliasTarget): Promise<void> {
  const { functionName, stage } = state.plan;
  const current = await getAlias(runtime.lambda, functionName, stage);
  if (current && sameTarget(current.target, target)) return;

  state.aliasChanged = true;
  await putAlias(runtime.lambda, functionName, stage, target, current?.revisionId, runtime.sleep);
}

/**
 * Bakes one step, probing the new version. Returns false, with the bake unfinished, when this
 * invocation would run out of time before the next probe.
 */
async function bake(runtime: ReleaseRuntime, state: ReleaseState, lease: HeldLease, step: ShiftStep, smokeEvent: string | undefined): Promise<boolean> {
  const { settings } = runtime;
  const bakeEndsAtMs = (state.bakeStartedAtMs ?? runtime.now()) + step.bakeSeconds * 1000;

  while (runtime.now() < bakeEndsAtMs) {
    const waitMs = Math.min(settings.probeIntervalMs, bakeEndsAtMs - runtime.now());
    if (runtime.remainingTimeMs() - settings.safetyMarginMs < waitMs) return false;

    await runtime.sleep(waitMs);
    await lease.keepAlive(settings.leaseTtlMs);
    if (smokeEvent !== undefined) await verifyOrThrow(runtime, state.plan.functionName, state.publishedVersion ?? '', state.plan.stage, smokeEvent);
  }
  return true;
}

/**
 * Keeps the lease and starts the follow-up invocation.
 * NOTE: when the follow-up never runs, the lease expires after `leaseTtlMs` and the alias keeps
 * the partial weight until the next release of this function and stage.
 */
async function handOver(runtime: ReleaseRuntime, state: ReleaseState, lease: HeldLease): Promise<void> {
  runtime.logger.info('Bake outlasts this invocation; continuing in a follow-up invocation', {
    publishedVersion: state.publishedVersion,
    stepIndex: state.stepIndex,
  });
  await lease.renew(runtime.settings.leaseTtlMs);
  await runtime.continueLater(state);
}
