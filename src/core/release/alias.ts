/** Reading and moving a stage alias. Every update carries the alias RevisionId it was based on. */
import { CreateAliasCommand, GetAliasCommand, PreconditionFailedException, ResourceNotFoundException, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import type { LambdaClient } from '@aws-sdk/client-lambda';

import { AliasConflictError } from './errors.js';
import type { AliasTarget } from './ledger.js';
import { DEFAULT_CONFLICT_RETRY, isLambdaConflict, retrying } from './retry.js';
import type { Sleep } from './retry.js';

/** An alias as read: its routing and the RevisionId that guards the next update. */
export interface AliasState {
  target: AliasTarget;
  revisionId: string;
}

/** Reads the alias `stage` of the function; undefined when it does not exist. */
export async function getAlias(lambda: LambdaClient, functionName: string, stage: string): Promise<AliasState | undefined> {
  try {
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: stage }));
    return {
      target: { functionVersion: alias.FunctionVersion ?? '', additionalVersionWeights: { ...(alias.RoutingConfig?.AdditionalVersionWeights ?? {}) } },
      revisionId: alias.RevisionId ?? '',
    };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * Sets the alias to `target`: UpdateAlias with `revisionId`, or CreateAlias when `revisionId` is
 * undefined. Returns the new RevisionId. Throws `AliasConflictError` when the alias changed
 * since `revisionId` was read.
 */
export async function putAlias(
  lambda: LambdaClient,
  functionName: string,
  stage: string,
  target: AliasTarget,
  revisionId: string | undefined,
  sleep: Sleep,
): Promise<string> {
  const routing = { AdditionalVersionWeights: target.additionalVersionWeights };
  try {
    const response = await retrying(
      () =>
        revisionId === undefined
          ? lambda.send(new CreateAliasCommand({ FunctionName: functionName, Name: stage, FunctionVersion: target.functionVersion, RoutingConfig: routing }))
          : lambda.send(
              new UpdateAliasCommand({ FunctionName: functionName, Name: stage, FunctionVersion: target.functionVersion, RoutingConfig: routing, RevisionId: revisionId }),
            ),
      isLambdaConflict,
      { ...DEFAULT_CONFLICT_RETRY, sleep },
    );
    return response.RevisionId ?? '';
  } catch (error) {
    if (error instanceof PreconditionFailedException) {
      throw new AliasConflictError(`The alias ${functionName}:${stage} was changed by someone else during the release.`, { cause: error });
    }
    throw error;
  }
}

/** True when two targets route the same way. */
export function sameTarget(a: AliasTarget, b: AliasTarget): boolean {
  const weightsA = Object.entries(a.additionalVersionWeights).filter(([, weight]) => weight > 0);
  const weightsB = Object.entries(b.additionalVersionWeights).filter(([, weight]) => weight > 0);
  if (a.functionVersion !== b.functionVersion || weightsA.length !== weightsB.length) return false;
  return weightsA.every(([version, weight]) => b.additionalVersionWeights[version] === weight);
}
