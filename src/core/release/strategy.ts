/**
 * Release strategies, as written in the `strategy` object metadata:
 * - `all-at-once`: the alias moves to the new version in one update (the default);
 * - `canary:<percent>:<bake seconds>`: `percent` of traffic goes to the new version for the bake,
 *   then all of it;
 * - `linear:<percent>:<step seconds>`: the weight grows by `percent` every step until 100 %.
 */
import { InvalidReleaseMetadataError } from './errors.js';

export type ReleaseStrategy =
  | { kind: 'all-at-once' }
  | { kind: 'canary'; percent: number; bakeSeconds: number }
  | { kind: 'linear'; percent: number; stepSeconds: number };

/** Maximum bake or step accepted, one day: longer releases belong to a pipeline, not one upload. */
export const MAX_BAKE_SECONDS = 86_400;

/** One stage of a shift: route `weight` (0..1) of traffic to the new version, then wait `bakeSeconds`. */
export interface ShiftStep {
  weight: number;
  bakeSeconds: number;
}

const STRATEGY_HELP = 'Use all-at-once, canary:<percent>:<bake seconds> or linear:<percent>:<step seconds>, for example canary:10:300.';

/** Parses the `strategy` metadata; missing or empty means `all-at-once`. Throws `InvalidReleaseMetadataError`. */
export function parseStrategy(text: string | undefined): ReleaseStrategy {
  const trimmed = text?.trim() ?? '';
  if (trimmed === '' || trimmed === 'all-at-once') return { kind: 'all-at-once' };

  const [kind, percentText, secondsText, ...rest] = trimmed.split(':');
  if ((kind !== 'canary' && kind !== 'linear') || percentText === undefined || secondsText === undefined || rest.length > 0) {
    throw new InvalidReleaseMetadataError(`The strategy "${trimmed}" is invalid. ${STRATEGY_HELP}`);
  }

  const percent = parsePercent(percentText, trimmed);
  const seconds = parseSeconds(secondsText, trimmed);
  return kind === 'canary' ? { kind, percent, bakeSeconds: seconds } : { kind, percent, stepSeconds: seconds };
}

/** Formats a strategy as metadata, the inverse of `parseStrategy`. */
export function formatStrategy(strategy: ReleaseStrategy): string {
  if (strategy.kind === 'all-at-once') return 'all-at-once';
  const seconds = strategy.kind === 'canary' ? strategy.bakeSeconds : strategy.stepSeconds;
  return `${strategy.kind}:${strategy.percent}:${seconds}`;
}

/**
 * The partial weights a strategy routes to the new version before the final 100 %, with the
 * time each one bakes. `all-at-once` has none.
 */
export function shiftSteps(strategy: ReleaseStrategy): ShiftStep[] {
  if (strategy.kind === 'all-at-once') return [];
  if (strategy.kind === 'canary') return [{ weight: strategy.percent / 100, bakeSeconds: strategy.bakeSeconds }];

  const steps: ShiftStep[] = [];
  for (let percent = strategy.percent; percent < 100; percent += strategy.percent) {
    steps.push({ weight: Math.round(percent * 1000) / 100_000, bakeSeconds: strategy.stepSeconds });
  }
  return steps;
}

function parsePercent(text: string, strategy: string): number {
  const percent = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(percent > 0 && percent < 100)) {
    throw new InvalidReleaseMetadataError(`The strategy "${strategy}" has percent "${text}"; it must be a number above 0 and below 100. ${STRATEGY_HELP}`);
  }
  return percent;
}

function parseSeconds(text: string, strategy: string): number {
  const seconds = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 0 && seconds <= MAX_BAKE_SECONDS)) {
    throw new InvalidReleaseMetadataError(
      `The strategy "${strategy}" has seconds "${text}"; it must be a whole number from 0 to ${MAX_BAKE_SECONDS}. ${STRATEGY_HELP}`,
    );
  }
  return seconds;
}
