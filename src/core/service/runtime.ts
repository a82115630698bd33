/**
 * The request life cycle shared by the encryption and decryption handlers:
 * event → request body → stage → stage config → operation → response, with typed errors,
 * structured logs and metrics.
 *
 * Direct invokes return the operation's result or throw the typed error with its JSON body as
 * message. HTTP events (API Gateway and function URLs) get a JSON response with the error's status.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';

import { createKmsClient, createS3Client } from '../aws/clients.js';
import { ConfigCache } from '../config/cache.js';
import type { ConfigLookup } from '../config/cache.js';
import { DataKeys } from '../crypto/data-keys.js';
import type { DiscoveryFilter } from '../crypto/data-keys.js';
import { ConfigUnavailableError, InvalidInputError, PayloadTooLargeError, toKeystageError } from '../errors.js';
import type { KeystageError } from '../errors.js';
import { createServiceTelemetry, Metric } from '../observability.js';
import type { LogContext, Telemetry } from '../observability.js';
import { defaultStageFromEnvironment, isStageName, stageFromContext } from '../stage.js';
import { errorResponse, isHttpEvent, jsonResponse, readHttpBody } from './http.js';
import type { HttpResponse } from './http.js';

/** Largest response Lambda returns to a synchronous invoke (6 MB). */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/** Dependencies of a handler; tests and benchmarks inject any of them, the rest are built from the environment. */
export interface ServiceDependencies {
  telemetry: Telemetry;
  s3: S3Client;
  kms: KMSClient;
  configs: ConfigCache;
  dataKeys: DataKeys;
  defaultStage: string;
  /** KMS operations sent so far, when the KMS client was built here (undefined for an injected one). */
  kmsOperations?: () => number;
}

/** Overrides of `ServiceDependencies`; `configBucket` replaces `CONFIG_BUCKET`. */
export type ServiceOverrides = Partial<ServiceDependencies> & { configBucket?: string };

/** Context of one request besides its body: the stage, its config and the dependencies. */
export interface RequestScope {
  stage: string;
  lookup: ConfigLookup;
  deps: ServiceDependencies;
  /** Account and partition of the invoked function, when its ARN is known. */
  discoveryFilter: DiscoveryFilter | undefined;
}

/** The outcome of an operation: its response payload and the figures worth logging. */
export interface OperationResult<R> {
  response: R;
  /** Fields of the request's log line; the runtime adds the config, KMS call and duration fields to this object. */
  logFields: Record<string, unknown>;
}

export type Operation<R> = (request: Record<string, unknown>, scope: RequestScope) => Promise<OperationResult<R>>;

export interface ServiceDefinition<R> {
  /** Default service name of logs and metrics when `AWS_LAMBDA_FUNCTION_NAME` is unset. */
  serviceName: string;
  /** Metric counted once per successful request. */
  successMetric: (typeof Metric)[keyof typeof Metric];
  operation: Operation<R>;
}

/** A Lambda handler: direct invokes resolve to `R`, HTTP events to an `HttpResponse`. */
export type ServiceHandler<R> = (event: unknown, context?: LogContext) => Promise<R | HttpResponse>;

/** Builds a handler around `definition.operation`; dependencies are created on first use. */
export function createServiceHandler<R>(definition: ServiceDefinition<R>, overrides: ServiceOverrides = {}): ServiceHandler<R> {
  let deps: ServiceDependencies | undefined;

  return async (event, context) => {
    try {
      deps ??= createDependencies(definition.serviceName, overrides);
    } catch (caught) {
      const error = toKeystageError(caught);
      new Logger({ serviceName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? definition.serviceName }).error('Service is misconfigured', {
        error: error.name,
        status: error.status,
        reason: error.detail,
      });
      if (isHttpEvent(event)) return errorResponse(error.toBody());
      throw error.asInvokeError();
    }
    return handleEvent(definition, deps, event, context);
  };
}

async function handleEvent<R>(
  definition: ServiceDefinition<R>,
  deps: ServiceDependencies,
  event: unknown,
  context: LogContext | undefined,
): Promise<R | HttpResponse> {
  const startedMs = performance.now();
  const http = isHttpEvent(event);
  const stage = stageFromContext(context, deps.defaultStage);
  deps.telemetry.startRequest(context, { stage });

  const kmsOperationsBefore = deps.kmsOperations?.();

  try {
    const request = readRequest(event);
    const lookup = await deps.configs.get(stage);
    const scope: RequestScope = { stage, lookup, deps, discoveryFilter: discoveryFilterOf(context) };

    const { response, logFields } = await definition.operation(request, scope);
    checkResponseSize(response);

    deps.telemetry.count(definition.successMetric);
    logFields.configSource = lookup.source;
    logFields.configVersionId = lookup.snapshot.versionId;
    if (kmsOperationsBefore !== undefined) logFields.kmsCalls = (deps.kmsOperations?.() ?? 0) - kmsOperationsBefore;
    logFields.durationMs = roundMs(performance.now() - startedMs);
    deps.telemetry.finishRequest('info', 'Request completed', logFields);
    return http ? jsonResponse(response) : response;
  } catch (caught) {
    const error = toKeystageError(caught);
    deps.telemetry.countError(error.name);
    logFailure(deps.telemetry, error, performance.now() - startedMs);

    if (http) return errorResponse(error.toBody());
    throw error.asInvokeError();
  }
}

function readRequest(event: unknown): Record<string, unknown> {
  const body = isHttpEvent(event) ? readHttpBody(event) : event;

  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError('The request must be a JSON object such as {"data": "..."}.');
  }
  return body as Record<string, unknown>;
}

function checkResponseSize(response: unknown): void {
  if (maxJsonBytes(response) <= MAX_RESPONSE_BYTES) return;

  const bytes = Buffer.byteLength(JSON.stringify(response));
  if (bytes > MAX_RESPONSE_BYTES) {
    throw new PayloadTooLargeError(`The response would be ${bytes} bytes, over the ${MAX_RESPONSE_BYTES}-byte Lambda response limit; send a smaller payload.`);
  }
}

/**
 * Returns an upper bound of the JSON size of a flat response without serializing it. A character
 * takes at most 6 bytes in JSON (`\u001f`), and each field adds quotes, a colon and a comma.
 */
function maxJsonBytes(response: unknown): number {
  if (typeof response !== 'object' || response === null) return Number.POSITIVE_INFINITY;

  let bytes = 2;
  for (const [key, value] of Object.entries(response)) {
    if (typeof value !== 'string') return Number.POSITIVE_INFINITY;
    bytes += 6 * (key.length + value.length) + 6;
  }
  return bytes;
}

function logFailure(telemetry: Telemetry, error: KeystageError, durationMs: number): void {
  const fields = {
    error: error.name,
    status: error.status,
    reason: error.detail,
    ...describeCause(error.cause),
    durationMs: roundMs(durationMs),
  };
  if (error.status >= 500) telemetry.finishRequest('error', 'Request failed', fields);
  else telemetry.finishRequest('warn', 'Request rejected', fields);
}

/**
 * Returns the log fields of a cause. AWS SDK errors carry only service messages and ids, so their
 * message is kept. Other messages can quote input (a JSON parse error quotes the text it failed
 * on), so only their type and stack frames are logged.
 */
function describeCause(cause: unknown): Record<string, unknown> {
  if (!(cause instanceof Error)) return {};
  if ('$metadata' in cause) return { causeType: cause.name, causeMessage: cause.message };

  const frames = (cause.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at ')).slice(0, 5).map((line) => line.trim());
  return { causeType: cause.name, causeFrames: frames };
}

/**
 * Returns the discovery filter of the invoked function's own account and partition.
 * NOTE: a context without `invokedFunctionArn` (only outside Lambda) gets no filter, so its
 * envelope decryption accepts data keys of any account that KMS lets it use.
 */
function discoveryFilterOf(context: LogContext | undefined): DiscoveryFilter | undefined {
  const parts = context?.invokedFunctionArn?.split(':');
  const partition = parts?.[1];
  const account = parts?.[4];
  if (!partition || !account || !/^\d{12}$/.test(account)) return undefined;
  return { accountIDs: [account], partition };
}

function createDependencies(serviceName: string, overrides: ServiceOverrides): ServiceDependencies {
  const defaultStage = overrides.defaultStage ?? defaultStageFromEnvironment();
  if (!isStageName(defaultStage)) {
    throw new ConfigUnavailableError(`DEFAULT_STAGE ${JSON.stringify(defaultStage)} is not a valid stage name; use letters, digits, "-" and "_", starting with a letter.`);
  }

  const telemetry = overrides.telemetry ?? createServiceTelemetry(process.env.AWS_LAMBDA_FUNCTION_NAME ?? serviceName);
  const s3 = overrides.s3 ?? createS3Client();
  let kmsOperations = 0;
  const kms = overrides.kms ?? createKmsClient({}, () => {
    kmsOperations += 1;
    telemetry.count(Metric.kmsCalls);
  });
  const configs = overrides.configs ?? new ConfigCache({ s3, bucket: configBucketOf(overrides), telemetry });

  return {
    telemetry,
    s3,
    kms,
    configs,
    dataKeys: overrides.dataKeys ?? new DataKeys(kms),
    defaultStage,
    kmsOperations: overrides.kms ? undefined : () => kmsOperations,
  };
}

function configBucketOf(overrides: ServiceOverrides): string {
  const bucket = overrides.configBucket ?? process.env.CONFIG_BUCKET?.trim();
  if (!bucket) {
    throw new ConfigUnavailableError('CONFIG_BUCKET is not set; set it in the function environment to the config bucket name.');
  }
  return bucket;
}

function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
