import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { AsyncInvocationQueue } from '../../../src/localcloud/lambda/async-queue.js';
import type { AttemptOutcome, QueuedInvocation } from '../../../src/localcloud/lambda/async-queue.js';
import { createLogger } from '../../../src/localcloud/log.js';

const RETRY_DELAYS_MS = [1000, 2000];

interface Attempt {
  id: string;
  atMs: number;
  attempts: number;
}

/** Creates a queue that records attempts and ends each with the outcome scripted per request id. */
function createQueue(db = new Database(':memory:'), outcomes: Record<string, AttemptOutcome[]> = {}, attemptMs = 0) {
  const attempts: Attempt[] = [];
  const attempt = async (invocation: QueuedInvocation): Promise<AttemptOutcome> => {
    attempts.push({ id: invocation.requestId, atMs: Date.now(), attempts: invocation.attempts });
    if (attemptMs > 0) await new Promise((resolve) => setTimeout(resolve, attemptMs));
    return outcomes[invocation.requestId]?.shift() ?? 'succeeded';
  };
  const queue = new AsyncInvocationQueue(db, attempt, RETRY_DELAYS_MS, createLogger('silent'));
  return { queue, attempts, db };
}

function enqueue(queue: AsyncInvocationQueue, requestId: string, name = 'fn'): void {
  queue.enqueue({ region: 'us-east-1', name, payload: Buffer.from('{}'), requestId });
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('AsyncInvocationQueue', () => {
  it('runs nothing before start', async () => {
    const { queue, attempts } = createQueue();
    enqueue(queue, 'a');
    await vi.advanceTimersByTimeAsync(5000);

    expect(attempts).toEqual([]);
    expect(queue.pendingCount()).toBe(1);
  });

  it('runs an invocation once when it succeeds', async () => {
    const { queue, attempts } = createQueue();
    queue.start();
    enqueue(queue, 'a');
    await vi.advanceTimersByTimeAsync(10_000);

    expect(attempts.map((attempt) => attempt.id)).toEqual(['a']);
    expect(queue.pendingCount()).toBe(0);
  });

  it('retries a failing invocation after each delay, three attempts in all', async () => {
    const { queue, attempts } = createQueue(undefined, { a: ['failed', 'failed', 'failed', 'failed'] });
    queue.start();
    enqueue(queue, 'a');
    await vi.advanceTimersByTimeAsync(60_000);

    expect(attempts.map((attempt) => attempt.atMs)).toEqual([0, 1000, 3000]);
    expect(attempts.map((attempt) => attempt.attempts)).toEqual([0, 1, 2]);
    expect(queue.pendingCount()).toBe(0);
  });

  it('stops retrying after a successful attempt', async () => {
    const { queue, attempts } = createQueue(undefined, { a: ['failed', 'succeeded'] });
    queue.start();
    enqueue(queue, 'a');
    await vi.advanceTimersByTimeAsync(60_000);

    expect(attempts).toHaveLength(2);
  });

  it('does not retry a dropped invocation', async () => {
    const { queue, attempts } = createQueue(undefined, { a: ['dropped'] });
    queue.start();
    enqueue(queue, 'a');
    await vi.advanceTimersByTimeAsync(60_000);

    expect(attempts).toHaveLength(1);
    expect(queue.pendingCount()).toBe(0);
  });

  it('runs one function at a time in order of arrival', async () => {
    const { queue, attempts } = createQueue(undefined, {}, 100);
    queue.start();
    for (const id of ['a', 'b', 'c']) enqueue(queue, id);
    await vi.advanceTimersByTimeAsync(1000);

    expect(attempts.map((attempt) => [attempt.id, attempt.atMs])).toEqual([
      ['a', 0],
      ['b', 100],
      ['c', 200],
    ]);
  });

  it('runs different functions side by side', async () => {
    const { queue, attempts } = createQueue(undefined, {}, 100);
    queue.start();
    enqueue(queue, 'a', 'first');
    enqueue(queue, 'b', 'second');
    await vi.advanceTimersByTimeAsync(1000);

    expect(attempts.map((attempt) => attempt.atMs)).toEqual([0, 0]);
  });

  it('runs later invocations while an earlier one waits for its retry', async () => {
    const { queue, attempts } = createQueue(undefined, { a: ['failed'] });
    queue.start();
    enqueue(queue, 'a');
    enqueue(queue, 'b');
    await vi.advanceTimersByTimeAsync(5000);

    expect(attempts.map((attempt) => [attempt.id, attempt.atMs])).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 1000],
    ]);
  });

  it('keeps an invocation interrupted by close for the next start, without counting it', async () => {
    const db = new Database(':memory:');
    const first = createQueue(db, { a: ['failed'] }, 5000);
    first.queue.start();
    enqueue(first.queue, 'a');
    await vi.advanceTimersByTimeAsync(10);
    const closing = first.queue.close(1000);
    await vi.advanceTimersByTimeAsync(6000);
    await closing;

    const second = createQueue(db);
    second.queue.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(second.attempts.map((attempt) => [attempt.id, attempt.attempts])).toEqual([['a', 0]]);
  });
});
