/**
 * Direct command events the CLI sends with Invoke: promote the version one stage runs to another
 * stage, or roll a stage back. Both run through the same lease, verification and ledger as a
 * deployment; neither rebuilds or republishes anything.
 */
import { isStageName } from '../stage.js';
import { getAlias } from './alias.js';
import { runRelease } from './engine.js';
import type { ReleaseResult } from './engine.js';
import { InvalidCommandError, ReleaseNotFoundError } from './errors.js';
import { isFunctionName } from './keys.js';
import { findReleaseOf, previousGoodVersion, readLedger } from './ledger.js';
import type { ReleasePlan, ReleaseRuntime } from './runtime.js';
import { formatStrategy, parseStrategy } from './strategy.js';

/** Moves `toStage` to the exact version `fromStage` runs. */
export interface PromoteCommand {
  action: 'promote';
  function: string;
  fromStage: string;
  toStage: string;
  /** Optional strategy, as in upload metadata; `all-at-once` by default. */
  strategy?: string;
}

/** Moves `stage` back to `version`, or to the previous good version in the ledger. */
export interface RollbackCommand {
  action: 'rollback';
  function: string;
  stage: string;
  version?: string;
}

export type ReleaseCommand = PromoteCommand | RollbackCommand;

/** A command event before validation. */
export type CommandEvent = { action: unknown; [field: string]: unknown };

/** True for an event with an `action` field, which makes it a command. */
export function isCommandEvent(event: unknown): event is CommandEvent {
  return typeof event === 'object' && event !== null && 'action' in event;
}

/** Validates a command event; throws `InvalidCommandError` naming the bad field. */
export function parseCommand(event: CommandEvent, deployableFunctions: ReadonlySet<string>): ReleaseCommand {
  const fields = event;
  const functionName = requireString(fields, 'function');
  if (!isFunctionName(functionName) || !deployableFunctions.has(functionName)) {
    throw new InvalidCommandError(`The function "${functionName}" is not in DEPLOYABLE_FUNCTIONS (${[...deployableFunctions].join(',') || 'empty'}).`);
  }

  if (fields.action === 'promote') {
    const fromStage = requireStage(fields, 'fromStage');
    const toStage = requireStage(fields, 'toStage');
    if (fromStage === toStage) throw new InvalidCommandError(`fromStage and toStage are both "${fromStage}"; promote between two different stages.`);
    const strategy = fields.strategy === undefined ? undefined : formatStrategy(parseStrategy(requireString(fields, 'strategy')));
    return { action: 'promote', function: functionName, fromStage, toStage, ...(strategy ? { strategy } : {}) };
  }

  if (fields.action === 'rollback') {
    const stage = requireStage(fields, 'stage');
    const version = fields.version === undefined ? undefined : requireString(fields, 'version');
    if (version !== undefined && !/^\d+$/.test(version)) throw new InvalidCommandError(`The version "${version}" is not a published version number.`);
    return { action: 'rollback', function: functionName, stage, ...(version ? { version } : {}) };
  }

  throw new InvalidCommandError(`The action ${JSON.stringify(fields.action)} is unknown; use "promote" or "rollback".`);
}

/** Runs a command and returns the release result, whose `outcome` is `succeeded` when it worked. */
export async function runCommand(runtime: ReleaseRuntime, command: ReleaseCommand): Promise<ReleaseResult> {
  return command.action === 'promote' ? promote(runtime, command) : rollback(runtime, command);
}

async function promote(runtime: ReleaseRuntime, command: PromoteCommand): Promise<ReleaseResult> {
  const source = await getAlias(runtime.lambda, command.function, command.fromStage);
  if (!source) throw new ReleaseNotFoundError(`${command.function} has no alias ${command.fromStage}; deploy to ${command.fromStage} first.`);

  const weighted = Object.entries(source.target.additionalVersionWeights).filter(([, weight]) => weight > 0);
  if (weighted.length > 0) {
    throw new InvalidCommandError(
      `${command.function}:${command.fromStage} is in the middle of a release (version ${weighted[0]?.[0]} at weight ${weighted[0]?.[1]}); promote after it finishes.`,
    );
  }

  const version = source.target.functionVersion;
  const sourceRelease = findReleaseOf(await readLedger(runtime.s3, runtime.bucket, command.function, command.fromStage), version);
  const plan: ReleasePlan = {
    kind: 'promote',
    functionName: command.function,
    stage: command.toStage,
    strategy: command.strategy ?? 'all-at-once',
    description: sourceRelease?.description ?? null,
    objectKey: sourceRelease?.objectKey ?? null,
    objectVersionId: sourceRelease?.objectVersionId ?? null,
    sequencer: null,
    artifactBucket: null,
    version,
  };
  return runRelease(runtime, plan);
}

async function rollback(runtime: ReleaseRuntime, command: RollbackCommand): Promise<ReleaseResult> {
  const plan: ReleasePlan = {
    kind: 'rollback',
    functionName: command.function,
    stage: command.stage,
    strategy: 'all-at-once',
    description: null,
    objectKey: null,
    objectVersionId: null,
    sequencer: null,
    artifactBucket: null,
    version: command.version ?? null,
  };

  return runRelease(runtime, plan, async (entries, currentVersion) => {
    const version = command.version ?? (currentVersion === null ? undefined : previousGoodVersion(entries, currentVersion));
    if (version === undefined) {
      throw new ReleaseNotFoundError(
        currentVersion === null
          ? `${command.function} has no alias ${command.stage}, so there is nothing to roll back.`
          : `The ledger of ${command.function} in ${command.stage} has no good version before ${currentVersion}; name the version to roll back to (keystage rollback --to VERSION, or "version" in the rollback command event).`,
      );
    }

    const release = findReleaseOf(entries, version);
    return { version, description: release?.description ?? null, objectKey: release?.objectKey ?? null, objectVersionId: release?.objectVersionId ?? null };
  });
}

function requireString(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidCommandError(`The command needs "${name}" as a non-empty string.`);
  return value.trim();
}

function requireStage(fields: Record<string, unknown>, name: string): string {
  const stage = requireString(fields, name);
  if (!isStageName(stage)) throw new InvalidCommandError(`"${name}" is "${stage}", which is not a stage name (a letter, then letters, digits, - or _).`);
  return stage;
}
