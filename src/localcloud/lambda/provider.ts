import { randomUUID } from 'node:crypto';

import type { ProviderContext } from '../context.js';
import type { CredentialIssuer, EventInvoker, LogEventWriter, ObjectReader } from '../contracts.js';
import { serveRestJson } from '../protocol/rest-json.js';
import type { Provider } from '../request.js';
import { LambdaRuntime } from '../runtime/runtime.js';
import { AsyncInvocationQueue, DEFAULT_ASYNC_RETRY_DELAYS_MS } from './async-queue.js';
import type { AttemptOutcome, QueuedInvocation } from './async-queue.js';
import { CodeStore } from './code.js';
import { CAPITALIZED_MESSAGE_CODES, ResourceNotFoundException } from './errors.js';
import { invokeRoutes } from './invoke-routes.js';
import { functionKey, prepareInvocation, runInvocation } from './invoke.js';
import type { InvokeDependencies } from './invoke.js';
import { resolveTarget } from './lookup.js';
import type { LambdaState } from './lookup.js';
import { parseFunctionReference } from './names.js';
import { controlPlaneRoutes } from './routes.js';
import { LambdaStore } from './store.js';

/** Tuning of the Lambda provider. */
export interface LambdaSettings {
  /** How long `State` stays `Pending` after CreateFunction and `LastUpdateStatus` `InProgress` after an update; never 0. */
  settleMs: number;
  /** How long a warm execution environment waits for another invocation before it stops. */
  idleTimeoutMs: number;
  /** Concurrent invocations per function; synchronous invokes past it get TooManyRequestsException. */
  maxConcurrencyPerFunction: number;
  /** Delays before the second and third attempt of a failed asynchronous invocation. */
  asyncRetryDelaysMs: number[];
}

/** Defaults sized for a developer machine, not for Lambda's quotas. */
export const DEFAULT_LAMBDA_SETTINGS: LambdaSettings = {
  settleMs: 300,
  idleTimeoutMs: 300_000,
  maxConcurrencyPerFunction: 10,
  asyncRetryDelaysMs: [...DEFAULT_ASYNC_RETRY_DELAYS_MS],
};

/** The services of the local cloud that the Lambda provider uses. */
export interface LambdaDependencies {
  objects: ObjectReader;
  credentials: CredentialIssuer;
  logs: LogEventWriter;
  settings: Partial<LambdaSettings>;
  /** The folder for unzipped code. */
  runtimeDir: string;
}

/** The region of a bare function name given to `invokeAsync`; S3 notifications pass full ARNs. */
const BARE_NAME_REGION = 'us-east-1';

/** The Lambda provider as the local cloud drives it. */
export type LambdaProvider = Provider & EventInvoker & { start(): void; close(): Promise<void> };

/**
 * Lambda: functions, versions, aliases, resource policies and invocation of Node.js code in
 * execution environments, over the rest-json protocol.
 *
 * LIMITATIONS: .zip packages and Node.js runtimes only; no layers, event source mappings,
 * function URLs, provisioned or reserved concurrency, or destinations for asynchronous
 * invocations. Resource policies are stored and returned but not enforced on Invoke.
 */
export function createLambdaProvider(context: ProviderContext, deps: LambdaDependencies): LambdaProvider {
  const settings = resolveSettings(deps.settings);
  const state: LambdaState = {
    store: new LambdaStore(context.db),
    code: new CodeStore(context.blobs, deps.objects, deps.runtimeDir),
    accountId: context.accountId,
    settleMs: settings.settleMs,
    nowMs: Date.now,
  };
  const runtime = new LambdaRuntime(settings, context.logger);
  const invokeDependencies: InvokeDependencies = {
    state,
    runtime,
    credentials: deps.credentials,
    logs: deps.logs,
    endpointUrl: context.endpointUrl,
  };
  const queue = new AsyncInvocationQueue(
    context.db,
    (invocation) => attemptQueued(invokeDependencies, invocation),
    settings.asyncRetryDelaysMs,
    context.logger,
  );

  const retireEnvironments = (region: string, name: string): void => runtime.retire(functionKey(region, name), () => true);
  const routes = [
    ...controlPlaneRoutes(state, {
      codeLocation: (name, digest) => `${context.endpointUrl()}/2015-03-31/functions/${encodeURIComponent(name)}/code-download/${digest}`,
      onLatestChanged: retireEnvironments,
      onDeleted: retireEnvironments,
    }),
    ...invokeRoutes(invokeDependencies, queue),
  ];
  const service = { routes, logger: context.logger, capitalizedMessageCodes: CAPITALIZED_MESSAGE_CODES };

  return {
    service: 'lambda',
    handle: (request) => serveRestJson(service, request),

    invokeAsync(functionArn: string, payload: Buffer): void {
      const reference = parseFunctionReference(functionArn, BARE_NAME_REGION, context.accountId);
      queue.enqueue({ ...reference, payload, requestId: randomUUID() });
    },

    functionExists(functionArn: string): boolean {
      try {
        resolveTarget(state, parseFunctionReference(functionArn, BARE_NAME_REGION, context.accountId));
        return true;
      } catch {
        return false;
      }
    },

    start(): void {
      queue.start();
    },

    async close(): Promise<void> {
      await queue.close();
      await runtime.close();
    },
  };
}

function resolveSettings(overrides: Partial<LambdaSettings>): LambdaSettings {
  const settings = { ...DEFAULT_LAMBDA_SETTINGS, ...overrides };
  return { ...settings, settleMs: Math.max(1, settings.settleMs) };
}

/**
 * Runs one attempt of a queued invocation. A function error or a function still settling is a
 * failed attempt, retried later. A function or alias that no longer exists drops the invocation.
 */
async function attemptQueued(deps: InvokeDependencies, invocation: QueuedInvocation): Promise<AttemptOutcome> {
  let prepared;
  try {
    prepared = prepareInvocation(deps.state, invocation);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return 'dropped';
    throw error;
  }

  const event = invocation.payload.length === 0 ? '{}' : invocation.payload.toString('utf8');
  const response = await runInvocation(deps, prepared, invocation.requestId, event, { waitForCapacity: true });
  return response.functionError ? 'failed' : 'succeeded';
}
