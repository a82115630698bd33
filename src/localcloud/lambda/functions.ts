import { randomUUID } from 'node:crypto';

import type { CodeSource } from './code.js';
import { lastModifiedTimestamp } from './configuration.js';
import { InvalidParameterValueException, ResourceConflictException } from './errors.js';
import { checkLatestWritable, requireFunction, requireLatest, requireVersion } from './lookup.js';
import type { LambdaState } from './lookup.js';
import { LATEST, isVersionNumber, qualifiedArn } from './names.js';
import type { ExecutedCode, FunctionSettings, VersionRecord } from './store.js';
import { publishLatest } from './versions.js';

/** The Node.js runtimes the local cloud runs. */
export const SUPPORTED_RUNTIMES: readonly string[] = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x'];

/** Lambda's default and limits for `Timeout` (seconds) and `MemorySize` (MB). */
export const DEFAULT_TIMEOUT_SECONDS = 3;
export const MAX_TIMEOUT_SECONDS = 900;
export const DEFAULT_MEMORY_SIZE_MB = 128;
export const MIN_MEMORY_SIZE_MB = 128;
export const MAX_MEMORY_SIZE_MB = 10_240;

/** Lambda's limit for all environment variables of a function together: 4 KB. */
export const MAX_ENVIRONMENT_BYTES = 4096;

/** Variables that the Lambda runtime sets and a function may not override. */
export const RESERVED_ENVIRONMENT_KEYS: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

const ROLE_PATTERN = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-/]+$/;
const ENVIRONMENT_KEY_PATTERN = /^[a-zA-Z]([a-zA-Z0-9_])+$/;

/** The members of `UpdateFunctionConfiguration`; absent members keep their value. */
export type SettingsChange = Partial<FunctionSettings>;

export interface CreateFunctionInput {
  name: string;
  settings: SettingsChange;
  code: CodeSource;
  publish: boolean;
  tags: Record<string, string>;
}

/** Creates a function, `Pending` for `settleMs`, and publishes version 1 when asked. */
export function createFunction(state: LambdaState, region: string, input: CreateFunctionInput): VersionRecord {
  const settings = completeSettings(input.settings);
  if (state.store.getFunction(region, input.name)) {
    throw new ResourceConflictException(`Function already exist: ${input.name}`);
  }
  const code = state.code.accept(input.code);

  const latest = withUnzipOutcome(state, newLatest(state, region, input.name, settings, code.digest, code.sizeBytes, 'create'));
  state.store.insertFunction({ region, name: input.name, nextVersion: 1, tags: input.tags }, latest);
  if (!input.publish) return latest;
  return publishLatest(state, region, input.name, {}, { ignoreSettling: true });
}

export interface UpdateFunctionCodeInput {
  code: CodeSource;
  publish: boolean;
  dryRun: boolean;
  revisionId?: string;
}

/** Replaces the code of `$LATEST`, which is then `InProgress` for `settleMs`. */
export function updateFunctionCode(state: LambdaState, region: string, name: string, input: UpdateFunctionCodeInput): VersionRecord {
  const latest = requireLatest(state, region, name);
  checkLatestWritable(state, latest, input.revisionId);
  const code = state.code.accept(input.code);
  if (input.dryRun) return latest;

  const changed = { ...newLatest(state, region, name, latest.settings, code.digest, code.sizeBytes, 'update'), previous: executedCode(latest) };
  const updated = withUnzipOutcome(state, changed);
  state.store.putVersion(updated);
  if (!input.publish) return updated;
  return publishLatest(state, region, name, {}, { ignoreSettling: true });
}

/** Changes the configuration members given, leaving `InProgress` for `settleMs`. */
export function updateFunctionConfiguration(
  state: LambdaState,
  region: string,
  name: string,
  change: SettingsChange,
  revisionId: string | undefined,
): VersionRecord {
  const latest = requireLatest(state, region, name);
  checkLatestWritable(state, latest, revisionId);
  const settings = completeSettings({ ...latest.settings, ...definedMembers(change) });

  const updated = { ...newLatest(state, region, name, settings, latest.codeDigest, latest.codeSizeBytes, 'update'), previous: executedCode(latest) };
  state.store.putVersion(updated);
  return updated;
}

/**
 * Unzips the code for execution environments now, so that a failure shows as `State: Failed`
 * (creation) or `LastUpdateStatus: Failed` (update) with the reason, as Lambda reports a change
 * it could not apply. Bytes that are not a zip never get here: upload rejects them.
 */
function withUnzipOutcome(state: LambdaState, record: VersionRecord): VersionRecord {
  try {
    state.code.unzipped(record.codeDigest);
    return record;
  } catch (error) {
    const reason = `Lambda could not unzip the function code into its runtime folder: ${(error as Error).message}`;
    return { ...record, finalStatus: 'Failed', finalStatusReason: reason };
  }
}

function executedCode(record: VersionRecord): ExecutedCode {
  return { settings: record.settings, codeDigest: record.codeDigest, settledRevisionId: record.settledRevisionId };
}

/**
 * Deletes a whole function, or one published version when `qualifier` names one. A version
 * that an alias routes to cannot be deleted, and neither can `$LATEST` alone.
 */
export function deleteFunction(state: LambdaState, region: string, name: string, qualifier?: string): void {
  requireFunction(state, region, name);
  if (qualifier === undefined) {
    state.store.deleteFunction(region, name);
    return;
  }

  if (qualifier === LATEST) {
    throw new InvalidParameterValueException('$LATEST version cannot be deleted without deleting the function.');
  }
  if (!isVersionNumber(qualifier)) {
    throw new InvalidParameterValueException(`Deletion of aliases is not supported by DeleteFunction: use DeleteAlias for ${qualifier}.`);
  }
  requireVersion(state, region, name, qualifier);
  const users = state.store
    .listAliases(region, name)
    .filter((alias) => alias.functionVersion === qualifier || qualifier in alias.additionalVersionWeights);
  if (users.length > 0) {
    const aliasArns = users.map((alias) => qualifiedArn(region, state.accountId, name, alias.alias)).join(', ');
    throw new ResourceConflictException(`Unable to delete version because the following aliases reference it: [${aliasArns}]`);
  }

  state.store.deleteVersion(region, name, qualifier);
}

function newLatest(
  state: LambdaState,
  region: string,
  name: string,
  settings: FunctionSettings,
  codeDigest: string,
  codeSizeBytes: number,
  changeKind: 'create' | 'update',
): VersionRecord {
  const nowMs = state.nowMs();
  return {
    region,
    name,
    version: LATEST,
    settings,
    codeDigest,
    codeSizeBytes,
    revisionId: randomUUID(),
    settledRevisionId: randomUUID(),
    lastModified: lastModifiedTimestamp(new Date(nowMs)),
    changeKind,
    settlesAtMs: nowMs + state.settleMs,
    finalStatus: 'Successful',
  };
}

function definedMembers(change: SettingsChange): SettingsChange {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as SettingsChange;
}

/** Fills Lambda's defaults and checks every member against Lambda's constraints. */
export function completeSettings(change: SettingsChange): FunctionSettings {
  const settings: FunctionSettings = {
    runtime: change.runtime ?? '',
    role: change.role ?? '',
    handler: change.handler ?? '',
    timeoutSeconds: change.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    memorySizeMb: change.memorySizeMb ?? DEFAULT_MEMORY_SIZE_MB,
    environment: change.environment ?? {},
    description: change.description ?? '',
  };

  checkRuntime(settings.runtime);
  checkRole(settings.role);
  checkHandler(settings.handler);
  checkRange('Timeout', settings.timeoutSeconds, 1, MAX_TIMEOUT_SECONDS, 'seconds');
  checkRange('MemorySize', settings.memorySizeMb, MIN_MEMORY_SIZE_MB, MAX_MEMORY_SIZE_MB, 'MB');
  checkEnvironment(settings.environment);
  if (settings.description.length > 256) {
    throw new InvalidParameterValueException(`The Description is ${settings.description.length} characters long; Lambda allows at most 256.`);
  }
  return settings;
}

function checkRuntime(runtime: string): void {
  if (!SUPPORTED_RUNTIMES.includes(runtime)) {
    const shown = runtime === '' ? 'missing' : runtime;
    throw new InvalidParameterValueException(
      `The runtime parameter of ${shown} is not supported by the local cloud: use one of ${SUPPORTED_RUNTIMES.join(', ')}.`,
    );
  }
}

function checkRole(role: string): void {
  if (!ROLE_PATTERN.test(role)) {
    const shown = role === '' ? 'missing' : role;
    throw new InvalidParameterValueException(`The role ${shown} is not an IAM role ARN such as arn:aws:iam::000000000000:role/my-role.`);
  }
}

function checkHandler(handler: string): void {
  if (handler === '' || handler.length > 128 || /\s/.test(handler)) {
    throw new InvalidParameterValueException(
      `The handler ${handler === '' ? '(missing)' : handler} is invalid: use <file>.<export> without spaces, at most 128 characters, such as index.handler.`,
    );
  }
}

function checkRange(member: string, value: number, min: number, max: number, unit: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameterValueException(`The ${member} ${value} is out of range: use an integer from ${min} to ${max} ${unit}.`);
  }
}

function checkEnvironment(environment: Record<string, string>): void {
  const keys = Object.keys(environment);
  const reserved = keys.filter((key) => RESERVED_ENVIRONMENT_KEYS.has(key));
  if (reserved.length > 0) {
    throw new InvalidParameterValueException(
      'Lambda was unable to configure your environment variables because the environment variables you have provided contains ' +
        `reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }

  const invalid = keys.find((key) => !ENVIRONMENT_KEY_PATTERN.test(key));
  if (invalid !== undefined) {
    throw new InvalidParameterValueException(
      `The environment variable name ${invalid} is invalid: start with a letter and use at least two letters, digits or '_'.`,
    );
  }

  const measured = JSON.stringify(environment);
  if (Buffer.byteLength(measured) > MAX_ENVIRONMENT_BYTES) {
    throw new InvalidParameterValueException(
      'Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. ' +
        `String measured: ${measured}`,
    );
  }
}
