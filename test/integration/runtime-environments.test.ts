import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { createLogger } from '../../src/localcloud/log.js';
import { ConcurrencyLimitError, LambdaRuntime } from '../../src/localcloud/runtime/runtime.js';
import type { RuntimeInvocation, RuntimeSettings } from '../../src/localcloud/runtime/runtime.js';

const HANDLER = `exports.handler = async (event) => {
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  console.log("ran", event.tag ?? "");
  return { pid: process.pid };
};`;

const runtimes: LambdaRuntime[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
});

function createRuntime(overrides: Partial<RuntimeSettings> = {}): LambdaRuntime {
  const runtime = new LambdaRuntime({ idleTimeoutMs: 60_000, maxConcurrencyPerFunction: 2, ...overrides }, createLogger('silent'));
  runtimes.push(runtime);
  return runtime;
}

function taskRoot(source: string): string {
  const root = mkdtempSync(join(tmpdir(), 'keystage-runtime-'));
  writeFileSync(join(root, 'index.js'), source);
  return root;
}

/** An invocation of function `f` version 1 with the given event; `logs` collects its output. */
function invocation(root: string, event: object, logs: { stream: string; message: string }[] = [], overrides: Partial<RuntimeInvocation> = {}): RuntimeInvocation {
  return {
    functionKey: 'us-east-1:f',
    environmentKey: 'us-east-1:f:1:rev',
    version: '1',
    memorySizeMb: 128,
    timeoutMs: 5000,
    requestId: randomUUID(),
    event: JSON.stringify(event),
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:1',
    createSpec: (logStreamName) => ({
      taskRoot: root,
      variables: { PATH: process.env.PATH ?? '', _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: root, AWS_LAMBDA_LOG_STREAM_NAME: logStreamName },
    }),
    writeLogs: (stream, events) => logs.push(...events.map((event) => ({ stream, message: event.message }))),
    ...overrides,
  };
}

function pidOf(payload: string): number {
  return (JSON.parse(payload) as { pid: number }).pid;
}

describe('LambdaRuntime', () => {
  it('reuses a warm environment for the same environment key', async () => {
    const runtime = createRuntime();
    const root = taskRoot(HANDLER);
    const first = await runtime.invoke(invocation(root, {}), { waitForCapacity: false });
    const second = await runtime.invoke(invocation(root, {}), { waitForCapacity: false });

    expect(pidOf(second.payload)).toBe(pidOf(first.payload));
    expect(runtime.environmentCount()).toBe(1);
  });

  it('starts a new environment for another environment key', async () => {
    const runtime = createRuntime();
    const root = taskRoot(HANDLER);
    const first = await runtime.invoke(invocation(root, {}), { waitForCapacity: false });
    const second = await runtime.invoke(invocation(root, {}, [], { environmentKey: 'us-east-1:f:1:other' }), { waitForCapacity: false });

    expect(pidOf(second.payload)).not.toBe(pidOf(first.payload));
  });

  it('stops an environment idle for longer than idleTimeoutMs', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'Date'] });
    const runtime = createRuntime({ idleTimeoutMs: 1000 });
    await runtime.invoke(invocation(taskRoot(HANDLER), {}), { waitForCapacity: false });
    expect(runtime.environmentCount()).toBe(1);

    vi.advanceTimersByTime(999);
    expect(runtime.environmentCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(runtime.environmentCount()).toBe(0);
  });

  it('stops idle environments that retire marks as stale', async () => {
    const runtime = createRuntime();
    await runtime.invoke(invocation(taskRoot(HANDLER), {}), { waitForCapacity: false });
    runtime.retire('us-east-1:f', () => true);
    expect(runtime.environmentCount()).toBe(0);
  });

  it('rejects a synchronous invocation past the concurrency limit', async () => {
    const runtime = createRuntime({ maxConcurrencyPerFunction: 1 });
    const root = taskRoot(HANDLER);
    const running = runtime.invoke(invocation(root, { sleepMs: 300 }), { waitForCapacity: false });

    await expect(runtime.invoke(invocation(root, {}), { waitForCapacity: false })).rejects.toBeInstanceOf(ConcurrencyLimitError);
    await running;
  });

  it('queues an asynchronous invocation until capacity frees', async () => {
    const runtime = createRuntime({ maxConcurrencyPerFunction: 1 });
    const root = taskRoot(HANDLER);
    const results = await Promise.all([
      runtime.invoke(invocation(root, { sleepMs: 200 }), { waitForCapacity: true }),
      runtime.invoke(invocation(root, {}), { waitForCapacity: true }),
    ]);

    expect(results.map((result) => result.functionError)).toEqual([undefined, undefined]);
    expect(pidOf(results[1]!.payload)).toBe(pidOf(results[0]!.payload));
  });

  it('writes START, output, END and REPORT to the environment stream', async () => {
    const runtime = createRuntime();
    const logs: { stream: string; message: string }[] = [];
    const request = invocation(taskRoot(HANDLER), { tag: 'hello' }, logs);
    const result = await runtime.invoke(request, { waitForCapacity: false });

    const messages = logs.map((entry) => entry.message);
    expect(messages[0]).toBe(`START RequestId: ${request.requestId} Version: 1\n`);
    expect(messages[1]).toMatch(new RegExp(`\\t${request.requestId}\\tINFO\\tran hello\\n$`));
    expect(messages[2]).toBe(`END RequestId: ${request.requestId}\n`);
    expect(messages[3]).toMatch(/^REPORT RequestId: .*\tInit Duration: [\d.]+ ms\t\n$/);
    expect(new Set(logs.map((entry) => entry.stream)).size).toBe(1);
    expect(result.logText).toBe(messages.join(''));
  });

  it('discards an environment whose handler fails to load', async () => {
    const runtime = createRuntime();
    const result = await runtime.invoke(invocation(taskRoot('exports.other = 1;'), {}), { waitForCapacity: false });

    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload)).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
    expect(runtime.environmentCount()).toBe(0);
  });

  it('ends an invocation in flight as a runtime exit when the runtime closes', async () => {
    const runtime = createRuntime();
    const running = runtime.invoke(invocation(taskRoot(HANDLER), { sleepMs: 5000 }), { waitForCapacity: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await runtime.close();

    const result = await running;
    expect(JSON.parse(result.payload)).toMatchObject({ errorType: 'Runtime.ExitError' });
  });
});
