/**
 * The Lambda side of a release up to the published version: UpdateFunctionCode from the pinned
 * object version, the release marker in the environment, PublishVersion. Conflicts with an
 * update still in progress are retried with backoff; they never reach the caller.
 */
import {
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  PublishVersionCommand,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import type { LambdaClient } from '@aws-sdk/client-lambda';

import { CodeUpdateFailedError, UpdateTimeoutError } from './errors.js';
import { DEFAULT_CONFLICT_RETRY, isLambdaConflict, retrying } from './retry.js';
import type { Sleep } from './retry.js';

/** Environment variable naming the upload a function's code came from. */
export const RELEASE_MARKER_VARIABLE = 'KEYSTAGE_RELEASE';

export interface ArtifactLocation {
  bucket: string;
  key: string;
  versionId: string;
}

export interface LambdaCallOptions {
  sleep: Sleep;
  /** Bound on each wait for `LastUpdateStatus` to leave `InProgress`. */
  updateWaitSeconds: number;
}

/** Formats the release marker value: `<bucket>/<key>@<versionId>`. */
export function releaseMarker(artifact: ArtifactLocation): string {
  return `${artifact.bucket}/${artifact.key}@${artifact.versionId}`;
}

/**
 * Points the function's code at the object version and waits until Lambda applied it. Returns
 * the `CodeSha256` Lambda computed. A zip Lambda rejects, or an update ending in `Failed`, throws
 * `CodeUpdateFailedError` with Lambda's reason.
 */
export async function updateCode(lambda: LambdaClient, functionName: string, artifact: ArtifactLocation, options: LambdaCallOptions): Promise<string> {
  const response = await retrying(
    () => lambda.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, S3Bucket: artifact.bucket, S3Key: artifact.key, S3ObjectVersion: artifact.versionId })),
    isLambdaConflict,
    { ...DEFAULT_CONFLICT_RETRY, sleep: options.sleep },
  ).catch((error: unknown) => {
    if (error instanceof InvalidParameterValueException) {
      throw new CodeUpdateFailedError(`Lambda rejected the code of ${functionName} from s3://${artifact.bucket}/${artifact.key}: ${error.message}`, { cause: error });
    }
    if (error instanceof ResourceNotFoundException) {
      throw new CodeUpdateFailedError(`The function ${functionName} does not exist; create it (keystage bootstrap) before uploading its code.`, { cause: error });
    }
    throw error;
  });

  await waitForUpdate(lambda, functionName, options.updateWaitSeconds);
  return response.CodeSha256 ?? '';
}

/**
 * Sets the release marker in the function's environment, keeping every other variable, and waits
 * until the update is applied. Nothing is written when the marker is already set.
 */
export async function setReleaseMarker(lambda: LambdaClient, functionName: string, marker: string, options: LambdaCallOptions): Promise<void> {
  const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  const variables = configuration.Environment?.Variables ?? {};
  if (variables[RELEASE_MARKER_VARIABLE] === marker) return;

  await retrying(
    () =>
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: functionName,
          Environment: { Variables: { ...variables, [RELEASE_MARKER_VARIABLE]: marker } },
          RevisionId: configuration.RevisionId,
        }),
      ),
    isLambdaConflict,
    { ...DEFAULT_CONFLICT_RETRY, sleep: options.sleep },
  );

  await waitForUpdate(lambda, functionName, options.updateWaitSeconds);
}

/**
 * Publishes a version of `$LATEST`. `codeSha256` guards against publishing code other than the
 * update's. With code and configuration unchanged since the last version, Lambda returns that
 * version instead of a new one, which makes a retried release publish nothing twice.
 */
export async function publishVersion(
  lambda: LambdaClient,
  functionName: string,
  description: string,
  codeSha256: string,
  options: LambdaCallOptions,
): Promise<string> {
  const response = await retrying(
    () => lambda.send(new PublishVersionCommand({ FunctionName: functionName, Description: description, CodeSha256: codeSha256 || undefined })),
    isLambdaConflict,
    { ...DEFAULT_CONFLICT_RETRY, sleep: options.sleep },
  );
  return response.Version ?? '';
}

const UPDATE_POLL_MIN_DELAY_SECONDS = 0.25;

/** Waits until `LastUpdateStatus` is `Successful`; `Failed` throws `CodeUpdateFailedError`, the bound `UpdateTimeoutError`. */
async function waitForUpdate(lambda: LambdaClient, functionName: string, maxWaitSeconds: number): Promise<void> {
  try {
    // Polling starts at a quarter second and backs off to 5 s, so a quick update is seen quickly
    // while a slow one costs few GetFunction calls. The waiter requires maxWaitTime > minDelay.
    await waitUntilFunctionUpdatedV2(
      { client: lambda, maxWaitTime: Math.max(2, maxWaitSeconds), minDelay: UPDATE_POLL_MIN_DELAY_SECONDS, maxDelay: 5 },
      { FunctionName: functionName },
    );
  } catch (error) {
    const state = waiterState(error);
    if (state === 'TIMEOUT') {
      throw new UpdateTimeoutError(`The update of ${functionName} was still in progress after ${maxWaitSeconds} seconds.`);
    }
    if (state === 'FAILURE') {
      const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
      const reason = configuration.LastUpdateStatusReason ?? 'no reason given';
      throw new CodeUpdateFailedError(`The update of ${functionName} failed (${configuration.LastUpdateStatusReasonCode ?? 'Failed'}): ${reason}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Reads the final state from a waiter error. The SDK throws `TimeoutError` on timeout and a
 * plain Error whose message is the JSON result (`{"state":"FAILURE",…}`) otherwise.
 */
function waiterState(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'TimeoutError') return 'TIMEOUT';

  try {
    return (JSON.parse(error.message) as { state?: string }).state;
  } catch {
    return undefined;
  }
}
