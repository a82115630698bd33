import { randomUUID } from 'node:crypto';

import type { JsonObject } from '../protocol/rest-json.js';
import { InvalidParameterValueException, PreconditionFailedException, ResourceConflictException } from './errors.js';
import { requireAlias, requireFunction, requireVersion } from './lookup.js';
import type { LambdaState } from './lookup.js';
import { LATEST, checkAliasName, isVersionNumber, qualifiedArn } from './names.js';
import type { AliasRecord } from './store.js';
import { paginate } from './versions.js';
import type { Page } from './versions.js';

export interface CreateAliasInput {
  alias: string;
  functionVersion: string;
  description?: string;
  additionalVersionWeights?: Record<string, number>;
}

export interface UpdateAliasInput {
  functionVersion?: string;
  description?: string;
  /** Replaces the routing when given; `{}` removes the additional version. */
  additionalVersionWeights?: Record<string, number>;
  revisionId?: string;
}

/** Creates an alias for `$LATEST` or a published version, with optional weighted routing. */
export function createAlias(state: LambdaState, region: string, name: string, input: CreateAliasInput): AliasRecord {
  requireFunction(state, region, name);
  checkAliasName(input.alias);
  if (state.store.getAlias(region, name, input.alias)) {
    throw new ResourceConflictException(`Alias already exists: ${qualifiedArn(region, state.accountId, name, input.alias)}`);
  }

  const record: AliasRecord = {
    region,
    name,
    alias: input.alias,
    functionVersion: input.functionVersion,
    description: input.description ?? '',
    additionalVersionWeights: input.additionalVersionWeights ?? {},
    revisionId: randomUUID(),
  };
  checkAliasTargets(state, record);
  state.store.putAlias(record);
  return record;
}

/** Changes an alias's version, description or routing, guarded by its `RevisionId`. */
export function updateAlias(state: LambdaState, region: string, name: string, alias: string, input: UpdateAliasInput): AliasRecord {
  requireFunction(state, region, name);
  const current = requireAlias(state, region, name, alias);
  if (input.revisionId !== undefined && input.revisionId !== current.revisionId) throw new PreconditionFailedException();

  const record: AliasRecord = {
    ...current,
    functionVersion: input.functionVersion ?? current.functionVersion,
    description: input.description ?? current.description,
    additionalVersionWeights: input.additionalVersionWeights ?? current.additionalVersionWeights,
    revisionId: randomUUID(),
  };
  checkAliasTargets(state, record);
  state.store.putAlias(record);
  return record;
}

/** Deletes an alias; deleting one that does not exist succeeds, as in Lambda. */
export function deleteAlias(state: LambdaState, region: string, name: string, alias: string): void {
  state.store.deleteAlias(region, name, alias);
}

export function getAlias(state: LambdaState, region: string, name: string, alias: string): AliasRecord {
  requireFunction(state, region, name);
  return requireAlias(state, region, name, alias);
}

/** Lists aliases in name order, only those routing to `functionVersion` when given. */
export function listAliases(
  state: LambdaState,
  region: string,
  name: string,
  functionVersion: string | undefined,
  marker: string | undefined,
  maxItems: number | undefined,
): Page<AliasRecord> {
  requireFunction(state, region, name);
  const aliases = state.store
    .listAliases(region, name)
    .filter((alias) => functionVersion === undefined || alias.functionVersion === functionVersion || functionVersion in alias.additionalVersionWeights);
  return paginate(aliases, marker, maxItems);
}

/**
 * Checks an alias against Lambda's routing rules: the versions exist, at most one additional
 * version, its weight in [0, 1], no `$LATEST` anywhere in a weighted alias, and the
 * additional version differs from the primary one.
 */
export function checkAliasTargets(state: LambdaState, alias: AliasRecord): void {
  const { region, name, functionVersion } = alias;
  if (functionVersion !== LATEST && !isVersionNumber(functionVersion)) {
    throw new InvalidParameterValueException(`The FunctionVersion ${functionVersion} is invalid: use $LATEST or a published version number.`);
  }
  requireVersion(state, region, name, functionVersion);

  const entries = Object.entries(alias.additionalVersionWeights);
  if (entries.length === 0) return;
  if (entries.length > 1) {
    throw new InvalidParameterValueException(
      `Number of items in AdditionalVersionWeights cannot be greater than 1: ${entries.map(([version]) => version).join(', ')} were given.`,
    );
  }

  const [additionalVersion, weight] = entries[0]!;
  if (functionVersion === LATEST || additionalVersion === LATEST) {
    throw new InvalidParameterValueException('$LATEST is not supported for an alias pointing to more than 1 version');
  }
  if (!isVersionNumber(additionalVersion)) {
    throw new InvalidParameterValueException(`The additional version ${additionalVersion} is invalid: use a published version number.`);
  }
  if (!Number.isFinite(weight) || weight < 0 || weight > 1) {
    throw new InvalidParameterValueException(`The weight ${weight} of version ${additionalVersion} is out of range: use a number from 0.0 to 1.0.`);
  }
  if (additionalVersion === functionVersion) {
    throw new InvalidParameterValueException(
      `The additional version ${additionalVersion} is the alias's FunctionVersion: route the weight to a different version.`,
    );
  }
  requireVersion(state, region, name, additionalVersion);
}

/**
 * Picks the version that serves one invocation through an alias: the additional version
 * with probability equal to its weight, otherwise the primary version. `random` is in [0, 1).
 */
export function pickAliasVersion(alias: AliasRecord, random: number = Math.random()): string {
  const [entry] = Object.entries(alias.additionalVersionWeights);
  if (!entry) return alias.functionVersion;

  const [additionalVersion, weight] = entry;
  return random < weight ? additionalVersion : alias.functionVersion;
}

/** Builds Lambda's `AliasConfiguration` shape. */
export function aliasConfiguration(alias: AliasRecord, accountId: string): JsonObject {
  const configuration: JsonObject = {
    AliasArn: qualifiedArn(alias.region, accountId, alias.name, alias.alias),
    Name: alias.alias,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    RevisionId: alias.revisionId,
  };
  if (Object.keys(alias.additionalVersionWeights).length > 0) {
    configuration.RoutingConfig = { AdditionalVersionWeights: alias.additionalVersionWeights };
  }
  return configuration;
}
