import type { Logger } from '../log.js';
import { ExecutionEnvironment } from './environment.js';
import type { EnvironmentOutcome, EnvironmentSpec, InitOutcome } from './environment.js';
import { endLine, exitLines, invokeErrorLine, logStreamName, reportLine, startLine, timedOutLine, timedOutMessage } from './log-lines.js';
import type { ReportFigures } from './log-lines.js';

/** Tuning of execution environments. */
export interface RuntimeSettings {
  /** How long an environment stays warm without invocations before it is stopped. */
  idleTimeoutMs: number;
  /** How many invocations of one function may run at once. */
  maxConcurrencyPerFunction: number;
}

/** The writer of environment output, with one CloudWatch Logs stream per environment. */
export type LogSink = (logStreamName: string, events: { timestamp: number; message: string }[]) => void;

/** One invocation, with what is needed to start an environment for it when none is warm. */
export interface RuntimeInvocation {
  /** The scope of the concurrency limit: one function. */
  functionKey: string;
  /** The scope of reuse: one version of one function with one code and configuration. */
  environmentKey: string;
  version: string;
  memorySizeMb: number;
  timeoutMs: number;
  requestId: string;
  /** The event as JSON text. */
  event: string;
  invokedFunctionArn: string;
  clientContext?: unknown;
  /** Builds the environment's spec; called only when a new environment starts. */
  createSpec(logStreamName: string): EnvironmentSpec;
  writeLogs: LogSink;
}

/** The result of an invocation, as Lambda's Invoke returns it. */
export interface RuntimeResult {
  /** The response payload as JSON text: the handler's result or the runtime's error. */
  payload: string;
  /** `Unhandled` when the payload is an error, as `X-Amz-Function-Error` reports it. */
  functionError?: 'Unhandled';
  /** The invocation's log lines, START to REPORT. */
  logText: string;
  durationMs: number;
}

/** Thrown when a function already runs `maxConcurrencyPerFunction` invocations. */
export class ConcurrencyLimitError extends Error {
  override name = 'ConcurrencyLimitError';

  constructor(readonly functionKey: string, readonly limit: number) {
    super(`The function ${functionKey} already runs ${limit} concurrent invocations.`);
  }
}

interface ManagedEnvironment {
  environment: ExecutionEnvironment;
  environmentKey: string;
  functionKey: string;
  streamName: string;
  writeLogs: LogSink;
  /** The log lines of the invocation in flight, or undefined between invocations. */
  invocationLog?: string[];
  /** True once a REPORT line carried the environment's init duration. */
  initReported: boolean;
}

/**
 * The execution environments of all functions: reuses a warm environment of the same
 * function version, starts one when none is idle, bounds concurrency per function, and
 * stops environments idle for `idleTimeoutMs`.
 */
export class LambdaRuntime {
  private readonly idle: ManagedEnvironment[] = [];
  private readonly busy = new Set<ManagedEnvironment>();
  private readonly running = new Map<string, number>();
  private readonly capacityWaiters = new Map<string, (() => void)[]>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly settings: RuntimeSettings,
    private readonly logger: Logger,
  ) {
    const periodMs = Math.max(50, Math.min(settings.idleTimeoutMs / 2, 5000));
    this.reaper = setInterval(() => this.reapIdle(), periodMs);
    this.reaper.unref();
  }

  /**
   * Runs one invocation. A synchronous caller (`waitForCapacity` false) gets
   * `ConcurrencyLimitError` at the limit; the asynchronous queue waits for a free slot.
   */
  async invoke(invocation: RuntimeInvocation, options: { waitForCapacity: boolean }): Promise<RuntimeResult> {
    await this.acquire(invocation.functionKey, options.waitForCapacity);
    try {
      return await this.run(invocation);
    } finally {
      this.release(invocation.functionKey);
    }
  }

  /** Stops the idle environments of a function that `isStale` rejects, after a code or configuration change. */
  retire(functionKey: string, isStale: (environmentKey: string) => boolean): void {
    for (const managed of [...this.idle]) {
      if (managed.functionKey === functionKey && isStale(managed.environmentKey)) this.discard(managed);
    }
  }

  /** Number of live environments, for tests and diagnostics. */
  environmentCount(): number {
    return this.idle.length + this.busy.size;
  }

  /** Stops every environment; invocations in flight end as runtime exits. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    const all = [...this.idle, ...this.busy];
    for (const managed of all) managed.environment.kill();
    await Promise.all(all.map((managed) => managed.environment.exitedPromise()));
    this.idle.length = 0;
  }

  private async run(invocation: RuntimeInvocation): Promise<RuntimeResult> {
    const managed = this.takeIdle(invocation.environmentKey) ?? this.start(invocation);
    managed.invocationLog = [];
    this.busy.add(managed);
    this.log(managed, startLine(invocation.requestId, invocation.version));

    const initStarted = performance.now();
    const init = await managed.environment.init();
    if (init.kind !== 'ready') return this.finishInitFailure(managed, invocation, init, initStarted);

    const started = performance.now();
    const deadlineMs = Date.now() + invocation.timeoutMs;
    const outcome = await managed.environment.invoke(
      {
        requestId: invocation.requestId,
        event: invocation.event,
        invokedFunctionArn: invocation.invokedFunctionArn,
        deadlineMs,
        clientContext: invocation.clientContext,
      },
      invocation.timeoutMs,
    );
    const durationMs = performance.now() - started;
    const initDurationMs = managed.initReported ? undefined : init.initDurationMs;
    managed.initReported = true;
    return this.finish(managed, invocation, outcome, { durationMs, initDurationMs });
  }

  private finish(
    managed: ManagedEnvironment,
    invocation: RuntimeInvocation,
    outcome: EnvironmentOutcome,
    timing: { durationMs: number; initDurationMs?: number },
    reusable = outcome.kind === 'result' || outcome.kind === 'error',
  ): RuntimeResult {
    const { requestId } = invocation;
    const figures: ReportFigures = {
      durationMs: timing.durationMs,
      memorySizeMb: invocation.memorySizeMb,
      maxMemoryUsedMb: 'maxRssBytes' in outcome ? Math.round(outcome.maxRssBytes / 1_048_576) : 0,
      initDurationMs: timing.initDurationMs,
    };

    let payload: string;
    let functionError: 'Unhandled' | undefined;
    if (outcome.kind === 'result') {
      payload = outcome.payload;
    } else if (outcome.kind === 'error' || outcome.kind === 'fatal') {
      payload = JSON.stringify(outcome.error);
      functionError = 'Unhandled';
      if (outcome.kind === 'error') this.log(managed, invokeErrorLine(requestId, outcome.error));
      if (outcome.kind === 'fatal') {
        figures.status = 'error';
        figures.errorType = outcome.error.errorType;
      }
    } else if (outcome.kind === 'timeout') {
      payload = JSON.stringify(timeoutPayload(requestId, invocation.timeoutMs));
      functionError = 'Unhandled';
      this.log(managed, timedOutLine(requestId, invocation.timeoutMs));
      figures.status = 'timeout';
    } else {
      payload = JSON.stringify(exitPayload(requestId, outcome.reason));
      functionError = 'Unhandled';
      this.log(managed, exitLines(requestId, outcome.reason));
      figures.status = 'error';
      figures.errorType = 'Runtime.ExitError';
    }

    this.log(managed, endLine(requestId));
    this.log(managed, reportLine(requestId, figures));
    const logText = (managed.invocationLog ?? []).join('');
    this.afterInvocation(managed, reusable);
    return { payload, functionError, logText, durationMs: timing.durationMs };
  }

  private finishInitFailure(managed: ManagedEnvironment, invocation: RuntimeInvocation, init: InitOutcome, started: number): RuntimeResult {
    const durationMs = performance.now() - started;
    let outcome: EnvironmentOutcome;
    if (init.kind === 'initError') outcome = { kind: 'error', error: init.error, maxRssBytes: 0 };
    else if (init.kind === 'exit') outcome = { kind: 'exit', reason: init.reason };
    else outcome = { kind: 'timeout' };

    return this.finish(managed, invocation, outcome, { durationMs }, false);
  }

  private afterInvocation(managed: ManagedEnvironment, reusable: boolean): void {
    managed.invocationLog = undefined;
    this.busy.delete(managed);
    if (reusable && managed.environment.alive && !this.closed) {
      this.idle.push(managed);
      return;
    }
    this.discard(managed);
  }

  private start(invocation: RuntimeInvocation): ManagedEnvironment {
    const streamName = logStreamName(invocation.version);
    const spec = invocation.createSpec(streamName);
    const managed: ManagedEnvironment = {
      environmentKey: invocation.environmentKey,
      functionKey: invocation.functionKey,
      streamName,
      writeLogs: invocation.writeLogs,
      initReported: false,
      environment: undefined as unknown as ExecutionEnvironment,
    };
    managed.environment = new ExecutionEnvironment(spec, (text) => this.log(managed, text));
    return managed;
  }

  private takeIdle(environmentKey: string): ManagedEnvironment | undefined {
    const index = this.idle.findIndex(
      (managed) => managed.environmentKey === environmentKey && managed.environment.alive && managed.environment.expiresAtMs > Date.now(),
    );
    if (index < 0) return undefined;
    return this.idle.splice(index, 1)[0];
  }

  private log(managed: ManagedEnvironment, text: string): void {
    managed.invocationLog?.push(text);
    try {
      managed.writeLogs(managed.streamName, [{ timestamp: Date.now(), message: text }]);
    } catch (error) {
      this.logger.warn('writing function logs failed', { stream: managed.streamName, error });
    }
  }

  private discard(managed: ManagedEnvironment): void {
    const index = this.idle.indexOf(managed);
    if (index >= 0) this.idle.splice(index, 1);
    managed.environment.kill();
  }

  private reapIdle(): void {
    const cutoff = Date.now() - this.settings.idleTimeoutMs;
    for (const managed of [...this.idle]) {
      const expired = managed.environment.expiresAtMs <= Date.now();
      if (managed.environment.lastUsedMs < cutoff || !managed.environment.alive || expired) this.discard(managed);
    }
  }

  private async acquire(functionKey: string, waitForCapacity: boolean): Promise<void> {
    if (this.closed) throw new Error('The Lambda runtime is closed.');
    const limit = this.settings.maxConcurrencyPerFunction;
    while ((this.running.get(functionKey) ?? 0) >= limit) {
      if (!waitForCapacity) throw new ConcurrencyLimitError(functionKey, limit);
      await new Promise<void>((resolve) => {
        const waiters = this.capacityWaiters.get(functionKey) ?? [];
        waiters.push(resolve);
        this.capacityWaiters.set(functionKey, waiters);
      });
      if (this.closed) throw new Error('The Lambda runtime is closed.');
    }
    this.running.set(functionKey, (this.running.get(functionKey) ?? 0) + 1);
  }

  private release(functionKey: string): void {
    this.running.set(functionKey, (this.running.get(functionKey) ?? 1) - 1);
    const next = this.capacityWaiters.get(functionKey)?.shift();
    next?.();
  }
}

/**
 * Builds the payload of a timed-out invocation as the current Node.js runtimes return it. The log
 * line keeps the older wording `<time> <request id> Task timed out after N.NN seconds`.
 * NOTE: this payload follows responses observed from Lambda since 2023; Lambda documents the
 * log line, not the payload, and older runtimes returned `{"errorMessage": "<time> <id> Task
 * timed out after N.NN seconds"}` without an `errorType`.
 */
export function timeoutPayload(requestId: string, timeoutMs: number): { errorType: string; errorMessage: string } {
  return { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: ${timedOutMessage(timeoutMs)}` };
}

/** Builds the payload of an invocation whose environment exited before it returned a result. */
export function exitPayload(requestId: string, reason: string): { errorType: string; errorMessage: string } {
  return { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${reason}` };
}
