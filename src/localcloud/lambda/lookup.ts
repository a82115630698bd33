import type { CodeStore } from './code.js';
import { versionStatus } from './configuration.js';
import { PreconditionFailedException, ResourceNotFoundException, functionNotActive, updateInProgress } from './errors.js';
import { LATEST, functionArn, isVersionNumber, qualifiedArn } from './names.js';
import type { FunctionReference } from './names.js';
import type { AliasRecord, FunctionRecord, LambdaStore, VersionRecord } from './store.js';

/** The shared state of Lambda operations: the store, the code and the clock. */
export interface LambdaState {
  store: LambdaStore;
  code: CodeStore;
  accountId: string;
  /** How long a creation stays `Pending` and an update `InProgress`. */
  settleMs: number;
  nowMs(): number;
}

/** A qualifier resolved to the version it runs, with the alias when one was named. */
export interface ResolvedTarget {
  fn: FunctionRecord;
  version: VersionRecord;
  alias?: AliasRecord;
}

/** Returns the function, or throws `ResourceNotFoundException` with the unqualified ARN. */
export function requireFunction(state: LambdaState, region: string, name: string): FunctionRecord {
  const fn = state.store.getFunction(region, name);
  if (!fn) throw new ResourceNotFoundException(`Function not found: ${functionArn(region, state.accountId, name)}`);
  return fn;
}

/** Returns `$LATEST` of an existing function. */
export function requireLatest(state: LambdaState, region: string, name: string): VersionRecord {
  requireFunction(state, region, name);
  return state.store.getVersion(region, name, LATEST)!;
}

/** Returns one version, or throws `ResourceNotFoundException` naming the qualified ARN. */
export function requireVersion(state: LambdaState, region: string, name: string, version: string): VersionRecord {
  const record = state.store.getVersion(region, name, version);
  if (!record) throw new ResourceNotFoundException(`Function not found: ${qualifiedArn(region, state.accountId, name, version)}`);
  return record;
}

/** Returns one alias, or throws `ResourceNotFoundException` naming the alias ARN. */
export function requireAlias(state: LambdaState, region: string, name: string, alias: string): AliasRecord {
  const record = state.store.getAlias(region, name, alias);
  if (!record) throw new ResourceNotFoundException(`Alias not found: ${qualifiedArn(region, state.accountId, name, alias)}`);
  return record;
}

/**
 * Resolves a reference to the version it names: no qualifier or `$LATEST` is `$LATEST`,
 * digits are a published version, anything else is an alias and resolves to the alias's
 * primary version (weighted routing is Invoke's business).
 */
export function resolveTarget(state: LambdaState, reference: FunctionReference): ResolvedTarget {
  const fn = requireFunction(state, reference.region, reference.name);
  const qualifier = reference.qualifier ?? LATEST;
  if (qualifier === LATEST || isVersionNumber(qualifier)) {
    return { fn, version: requireVersion(state, reference.region, reference.name, qualifier) };
  }

  const alias = requireAlias(state, reference.region, reference.name, qualifier);
  return { fn, alias, version: requireVersion(state, reference.region, reference.name, alias.functionVersion) };
}

/**
 * Rejects a change to `$LATEST` while it is `Pending` or `InProgress`, with the conflict
 * Lambda returns, and a `RevisionId` precondition that does not match.
 */
export function checkLatestWritable(state: LambdaState, latest: VersionRecord, revisionId: string | undefined): void {
  const status = versionStatus(latest, state.nowMs());
  if (status.state === 'Pending') throw functionNotActive(status.state);
  if (status.settling) throw updateInProgress(functionArn(latest.region, state.accountId, latest.name));
  if (revisionId !== undefined && revisionId !== status.revisionId) throw new PreconditionFailedException();
}
