import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { ErrorPayload } from './handler-resolution.mjs';

const BOOTSTRAP_PATH = fileURLToPath(new URL('./bootstrap.mjs', import.meta.url));

/** Lambda's limit for the init phase of an on-demand environment: 10 seconds. */
export const INIT_TIMEOUT_MS = 10_000;

/** Everything an execution environment needs to start. */
export interface EnvironmentSpec {
  /** The folder with the unzipped code, `LAMBDA_TASK_ROOT`. */
  taskRoot: string;
  /** The complete environment of the process; nothing else is inherited. */
  variables: Record<string, string>;
  /** Epoch milliseconds after which the environment is not reused, when its credentials expire. */
  expiresAtMs?: number;
}

/** One invocation as the environment receives it. */
export interface EnvironmentInvocation {
  requestId: string;
  /** The event as JSON text. */
  event: string;
  invokedFunctionArn: string;
  deadlineMs: number;
  clientContext?: unknown;
}

/** The outcome of an invocation inside the environment. */
export type EnvironmentOutcome =
  | { kind: 'result'; payload: string; maxRssBytes: number }
  | { kind: 'error'; error: ErrorPayload; maxRssBytes: number }
  /** The handler threw outside its promise chain; the environment is gone. */
  | { kind: 'fatal'; error: ErrorPayload; maxRssBytes: number }
  /** The process ended without a result; `reason` is `exit status 1` or `signal: killed`. */
  | { kind: 'exit'; reason: string }
  | { kind: 'timeout' };

/** The outcome of the init phase. */
export type InitOutcome = { kind: 'ready'; initDurationMs: number } | { kind: 'initError'; error: ErrorPayload } | { kind: 'exit'; reason: string } | { kind: 'timeout' };

type Waiter = (outcome: EnvironmentOutcome) => void;

/**
 * One execution environment: a `node` child process running the bootstrap program, which
 * serves one invocation at a time. The environment is dead after a timeout, a crash, an
 * uncaught exception or `process.exit`, and is never reused then.
 */
export class ExecutionEnvironment {
  private readonly child: ChildProcess;
  private waiter: Waiter | undefined;
  private waitingRequestId: string | undefined;
  private exited = false;
  private readonly initialized: Promise<InitOutcome>;
  /** Wall-clock time of the end of the last invocation, for idle reaping. */
  lastUsedMs = Date.now();
  readonly expiresAtMs: number;

  constructor(
    spec: EnvironmentSpec,
    private readonly onLog: (text: string) => void,
  ) {
    this.expiresAtMs = spec.expiresAtMs ?? Number.POSITIVE_INFINITY;
    // NOTE: every environment runs the local cloud's own Node.js, whatever the function's
    // Runtime names, and MemorySize is reported but not enforced.
    this.child = fork(BOOTSTRAP_PATH, [], {
      cwd: spec.taskRoot,
      env: spec.variables,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.onLog(chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => this.onLog(chunk.toString('utf8')));
    this.initialized = this.waitForInit();
    this.child.on('message', (message: unknown) => this.onMessage(message as ChildMessage));
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Resolves once the handler is loaded, or with why it could not be. */
  init(): Promise<InitOutcome> {
    return this.initialized;
  }

  /** Runs one invocation; resolves with its outcome, a timeout after `timeoutMs`. */
  invoke(invocation: EnvironmentInvocation, timeoutMs: number): Promise<EnvironmentOutcome> {
    if (this.exited) return Promise.resolve({ kind: 'exit', reason: 'exit status 0' });

    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.kill();
        resolve({ kind: 'timeout' });
      }, timeoutMs);

      this.waitingRequestId = invocation.requestId;
      this.waiter = (outcome) => {
        clearTimeout(timer);
        this.waiter = undefined;
        this.waitingRequestId = undefined;
        this.lastUsedMs = Date.now();
        resolve(outcome);
      };
      this.child.send({ type: 'invoke', ...invocation });
    });
  }

  /** Ends the process at once; an invocation in flight ends as an exit. */
  kill(): void {
    if (this.exited) return;
    this.child.kill('SIGKILL');
  }

  /** Resolves when the process has ended. */
  exitedPromise(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** Waits for the handler to load; the init duration counts from the process start, as Lambda's does. */
  private waitForInit(): Promise<InitOutcome> {
    const spawnedMs = performance.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve({ kind: 'timeout' });
      }, INIT_TIMEOUT_MS);

      const onMessage = (message: ChildMessage): void => {
        if (message.type === 'ready') finish({ kind: 'ready', initDurationMs: performance.now() - spawnedMs });
        if (message.type === 'initError') finish({ kind: 'initError', error: message.error });
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => finish({ kind: 'exit', reason: exitReason(code, signal) });
      const finish = (outcome: InitOutcome): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(outcome);
      };

      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.once('exit', (code, signal) => this.onExit(code, signal));
    });
  }

  private onMessage(message: ChildMessage): void {
    if (message.type === 'log') {
      this.onLog(message.text);
      return;
    }
    if (message.type === 'result' && message.requestId === this.waitingRequestId) {
      const outcome: EnvironmentOutcome =
        message.error !== undefined
          ? { kind: 'error', error: message.error, maxRssBytes: message.maxRssBytes }
          : { kind: 'result', payload: message.payload ?? 'null', maxRssBytes: message.maxRssBytes };
      this.waiter?.(outcome);
      return;
    }
    if (message.type === 'fatal' && message.requestId !== undefined && message.requestId === this.waitingRequestId) {
      this.waiter?.({ kind: 'fatal', error: message.error, maxRssBytes: message.maxRssBytes });
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    this.waiter?.({ kind: 'exit', reason: exitReason(code, signal) });
  }
}

type ChildMessage =
  | { type: 'ready' }
  | { type: 'initError'; error: ErrorPayload }
  | { type: 'log'; text: string }
  | { type: 'result'; requestId: string; payload?: string; error?: ErrorPayload; maxRssBytes: number }
  | { type: 'fatal'; requestId?: string; error: ErrorPayload; maxRssBytes: number };

/** Signal descriptions as Lambda's runtime reports them (`signal: killed`), after Go's `os/exec`. */
const SIGNAL_DESCRIPTIONS: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGABRT: 'aborted',
  SIGSEGV: 'segmentation fault',
  SIGTERM: 'terminated',
  SIGBUS: 'bus error',
};

/** Describes a process end as the Lambda runtime reports it: `exit status 1`, `signal: killed`. */
function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal: ${SIGNAL_DESCRIPTIONS[signal] ?? signal}`;
  return `exit status ${code ?? 0}`;
}
