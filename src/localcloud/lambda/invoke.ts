import { createRequire } from 'node:module';
import { dirname } from 'node:path';

import type { CredentialIssuer, LogEventWriter, TemporaryCredentials } from '../contracts.js';
import { AwsError } from '../errors.js';
import type { EnvironmentSpec } from '../runtime/environment.js';
import type { LambdaRuntime, RuntimeResult } from '../runtime/runtime.js';
import { ConcurrencyLimitError } from '../runtime/runtime.js';
import { tail } from '../runtime/log-lines.js';
import { pickAliasVersion } from './aliases.js';
import { versionStatus } from './configuration.js';
import { InvalidRequestContentException, ServiceException, TooManyRequestsException, functionNotActive } from './errors.js';
import { requireVersion, resolveTarget } from './lookup.js';
import type { LambdaState } from './lookup.js';
import { qualifiedArn } from './names.js';
import type { FunctionReference } from './names.js';
import type { VersionRecord } from './store.js';

/** Lambda's limit for a synchronous request payload and for a response payload: 6 MB. */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;
/** The response limit as Lambda's error message states it, 100 bytes above the request limit. */
export const MAX_RESPONSE_PAYLOAD_BYTES = 6_291_556;
/** Lambda's limit for an asynchronous (`Event`) payload: 1 MB, as botocore 1.43's Invoke documentation states (256 KB before 2025). */
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;
/** `X-Amz-Log-Result` carries the last 4 KB of the invocation's log. */
export const MAX_LOG_RESULT_BYTES = 4096;

/**
 * The folder with the AWS SDK for JavaScript v3 that the local cloud itself uses, offered to
 * functions as `NODE_PATH`, because Lambda's Node.js 18+ runtimes provide the SDK v3 to
 * `require`. NOTE: this folder contains the local cloud's other dependencies too, so a
 * function that forgot to bundle one of them works here and fails on Lambda. `NODE_PATH` does
 * not apply to ES module `import`, so ES modules must bundle the SDK.
 */
const RUNTIME_NODE_PATH = findSdkModulesFolder();

function findSdkModulesFolder(): string | undefined {
  try {
    const packageJson = createRequire(import.meta.url).resolve('@aws-sdk/client-s3/package.json');
    return dirname(dirname(dirname(packageJson)));
  } catch {
    return undefined;
  }
}

/** The dependencies of running a function, besides Lambda's own state. */
export interface InvokeDependencies {
  state: LambdaState;
  runtime: LambdaRuntime;
  credentials: CredentialIssuer;
  logs: LogEventWriter;
  endpointUrl(): string;
}

/** An invocation resolved to the version that runs it. */
export interface PreparedInvocation {
  version: VersionRecord;
  /** The ARN the caller used, qualified with the alias or version when one was named. */
  invokedFunctionArn: string;
}

/**
 * Resolves what runs an invocation: an alias picks its primary or additional version by
 * weight, and a function that is not `Active` cannot be invoked. While an update of `$LATEST`
 * is `InProgress`, and after it `Failed`, invocations run the previous code and configuration,
 * as in Lambda.
 */
export function prepareInvocation(state: LambdaState, reference: FunctionReference, random: number = Math.random()): PreparedInvocation {
  const target = resolveTarget(state, reference);
  const versionName = target.alias ? pickAliasVersion(target.alias, random) : target.version.version;
  const version = versionName === target.version.version ? target.version : requireVersion(state, reference.region, reference.name, versionName);

  const status = versionStatus(version, state.nowMs());
  if (status.state !== 'Active') throw functionNotActive(status.state);

  const runsPrevious = status.settling || status.lastUpdateStatus === 'Failed';
  const executed = runsPrevious && version.previous ? { ...version, ...version.previous } : version;
  return { version: executed, invokedFunctionArn: qualifiedArn(reference.region, state.accountId, reference.name, reference.qualifier) };
}

/** Parses an Invoke payload: empty is `{}`, anything else must be JSON. */
export function checkPayload(payload: Buffer): string {
  if (payload.length === 0) return '{}';
  const text = payload.toString('utf8');
  try {
    JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestContentException(`Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return text;
}

/** The result of a synchronous invocation, ready for Invoke's response headers. */
export interface InvocationResponse {
  payload: Buffer;
  executedVersion: string;
  functionError?: 'Unhandled';
  /** Base64 of the last 4 KB of the log, when `LogType` is `Tail`. */
  logResult?: string;
}

/**
 * Runs one invocation in an execution environment. A synchronous call past the function's
 * concurrency limit fails with `TooManyRequestsException`; the asynchronous queue waits.
 */
export async function runInvocation(
  deps: InvokeDependencies,
  prepared: PreparedInvocation,
  requestId: string,
  event: string,
  options: { waitForCapacity: boolean; tailLog?: boolean; clientContext?: unknown },
): Promise<InvocationResponse> {
  const result = await runInRuntime(deps, prepared, requestId, event, options);

  let payload = Buffer.from(result.payload, 'utf8');
  let functionError = result.functionError;
  if (payload.length > MAX_RESPONSE_PAYLOAD_BYTES) {
    payload = Buffer.from(
      JSON.stringify({
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_PAYLOAD_BYTES} bytes).`,
        errorType: 'Function.ResponseSizeTooLarge',
      }),
    );
    functionError = 'Unhandled';
  }

  const response: InvocationResponse = { payload, executedVersion: prepared.version.version, functionError };
  if (options.tailLog) response.logResult = Buffer.from(tail(result.logText, MAX_LOG_RESULT_BYTES), 'utf8').toString('base64');
  return response;
}

async function runInRuntime(
  deps: InvokeDependencies,
  prepared: PreparedInvocation,
  requestId: string,
  event: string,
  options: { waitForCapacity: boolean; clientContext?: unknown },
): Promise<RuntimeResult> {
  const { version } = prepared;
  const { settings } = version;
  const logGroupName = `/aws/lambda/${version.name}`;
  const taskRoot = deps.state.code.unzipped(version.codeDigest);

  try {
    return await deps.runtime.invoke(
      {
        functionKey: functionKey(version.region, version.name),
        environmentKey: environmentKey(version),
        version: version.version,
        memorySizeMb: settings.memorySizeMb,
        timeoutMs: settings.timeoutSeconds * 1000,
        requestId,
        event,
        invokedFunctionArn: prepared.invokedFunctionArn,
        clientContext: options.clientContext,
        createSpec: (logStreamName) => createEnvironmentSpec(deps, version, taskRoot, logGroupName, logStreamName),
        writeLogs: (logStreamName, events) => deps.logs.putLogEvents(version.region, logGroupName, logStreamName, events),
      },
      { waitForCapacity: options.waitForCapacity },
    );
  } catch (error) {
    if (error instanceof ConcurrencyLimitError) throw new TooManyRequestsException('Rate Exceeded.');
    if (error instanceof AwsError) throw error;
    throw new ServiceException(`Lambda could not run ${version.name}: ${(error as Error).message}`, { cause: error });
  }
}

/** Returns the scope of the concurrency limit: one function. */
export function functionKey(region: string, name: string): string {
  return `${region}:${name}`;
}

/**
 * The scope of environment reuse: one version with one code and configuration, so that an
 * update of `$LATEST` starts fresh environments.
 */
export function environmentKey(version: VersionRecord): string {
  return `${version.region}:${version.name}:${version.version}:${version.settledRevisionId}`;
}

/** How long before its role credentials expire an environment stops being reused. */
const CREDENTIALS_MARGIN_MS = 5 * 60_000;

function createEnvironmentSpec(
  deps: InvokeDependencies,
  version: VersionRecord,
  taskRoot: string,
  logGroupName: string,
  logStreamName: string,
): EnvironmentSpec {
  const credentials = issueCredentials(deps, version.settings.role, version.name);
  return {
    taskRoot,
    variables: environmentVariables(deps.endpointUrl(), version, credentials, taskRoot, logGroupName, logStreamName),
    expiresAtMs: reuseDeadline(credentials.expiration.getTime()),
  };
}

/** Returns when to stop reusing an environment: a margin before expiry, at most half the lifetime. */
function reuseDeadline(expirationMs: number): number {
  const lifetimeMs = expirationMs - Date.now();
  return expirationMs - Math.min(CREDENTIALS_MARGIN_MS, lifetimeMs / 2);
}

/**
 * Builds the variables of an execution environment, as the Lambda runtime sets them. They are
 * the function's variables, the reserved `AWS_*` and `LAMBDA_*` variables and the role's
 * credentials from STS. `AWS_ENDPOINT_URL` points back at the local cloud, so SDK calls stay local.
 */
function environmentVariables(
  endpointUrl: string,
  version: VersionRecord,
  credentials: TemporaryCredentials,
  taskRoot: string,
  logGroupName: string,
  logStreamName: string,
): Record<string, string> {
  const { settings } = version;

  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    ...(RUNTIME_NODE_PATH ? { NODE_PATH: RUNTIME_NODE_PATH } : {}),
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_ENDPOINT_URL: endpointUrl,
    ...settings.environment,
    _HANDLER: settings.handler,
    AWS_REGION: version.region,
    AWS_DEFAULT_REGION: version.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${settings.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: version.name,
    AWS_LAMBDA_FUNCTION_VERSION: version.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memorySizeMb),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: taskRoot,
  };
}

function issueCredentials(deps: InvokeDependencies, role: string, functionName: string): TemporaryCredentials {
  // STS session names are 2 to 64 characters; Lambda names the session after the function.
  const sessionName = functionName.length >= 2 ? functionName : `${functionName}-function`;
  try {
    return deps.credentials.issueRoleCredentials(role, sessionName);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ServiceException(`Lambda could not assume the function's role ${role}: ${reason}`, { cause: error });
  }
}
