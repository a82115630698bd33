import type { Logger } from '../log.js';
import type { SqliteDatabase } from '../store/database.js';
import { migrate } from '../store/database.js';

/**
 * Retry delays after the first and second failed attempt. Lambda waits about one and then
 * two minutes; a local tool uses seconds so that a failing function shows its retries while
 * the developer watches.
 */
export const DEFAULT_ASYNC_RETRY_DELAYS_MS: readonly number[] = [1000, 2000];

/** How long `close()` lets running asynchronous invocations finish before stopping them. */
export const CLOSE_GRACE_MS = 1000;

/** One queued asynchronous invocation. */
export interface QueuedInvocation {
  id: number;
  region: string;
  name: string;
  /** The version or alias the caller named, or undefined for an unqualified ARN. */
  qualifier?: string;
  payload: Buffer;
  requestId: string;
  /** Attempts already made. */
  attempts: number;
}

/** The end of one attempt: `failed` counts toward the retries, `dropped` ends the invocation. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'dropped';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS lambda_async_invocations (
     id INTEGER PRIMARY KEY AUTOINCREMENT, region TEXT NOT NULL, name TEXT NOT NULL, qualifier TEXT,
     payload BLOB NOT NULL, request_id TEXT NOT NULL, attempts INTEGER NOT NULL,
     next_attempt_ms INTEGER NOT NULL, running INTEGER NOT NULL DEFAULT 0)`,
  'CREATE INDEX IF NOT EXISTS lambda_async_by_function ON lambda_async_invocations (region, name, id)',
];

interface QueueRow {
  id: number;
  region: string;
  name: string;
  qualifier: string | null;
  payload: Buffer;
  request_id: string;
  attempts: number;
  next_attempt_ms: number;
}

/**
 * The durable queue of asynchronous invocations (`InvocationType: Event` and S3
 * notifications). Each invocation is in SQLite before the caller gets its 202. Invocations
 * of one function run one at a time in order of arrival. A failed invocation is retried after
 * each delay in `retryDelaysMs`, so two delays make three attempts in all, as in Lambda.
 * Invocations queued or running when the local cloud stops run at the next start.
 */
export class AsyncInvocationQueue {
  private readonly activeFunctions = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly attempt: (invocation: QueuedInvocation) => Promise<AttemptOutcome>,
    private readonly retryDelaysMs: readonly number[],
    private readonly logger: Logger,
  ) {
    migrate(db, SCHEMA);
  }

  /** Stores an invocation; it runs once the queue is started. */
  enqueue(invocation: Omit<QueuedInvocation, 'id' | 'attempts'>): void {
    this.db
      .prepare(
        `INSERT INTO lambda_async_invocations (region, name, qualifier, payload, request_id, attempts, next_attempt_ms)
         VALUES (?, ?, ?, ?, ?, 0, ?)`,
      )
      .run(invocation.region, invocation.name, invocation.qualifier ?? null, invocation.payload, invocation.requestId, Date.now());
    this.pump();
  }

  /** Resumes the invocations left by the previous run and starts dispatching. */
  start(): void {
    this.db.prepare('UPDATE lambda_async_invocations SET running = 0 WHERE running = 1').run();
    this.started = true;
    this.pump();
  }

  /** Number of invocations waiting or running, for tests and diagnostics. */
  pendingCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS count FROM lambda_async_invocations').get() as { count: number }).count;
  }

  /**
   * Stops dispatching and waits up to `graceMs` for running attempts. Attempts still running
   * after that stay queued, without counting as failures, for the next start.
   */
  async close(graceMs: number = CLOSE_GRACE_MS): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(this.inFlight), grace]);
  }

  private pump(): void {
    if (!this.started || this.closed) return;

    const nowMs = Date.now();
    const ready = this.db
      .prepare(
        `SELECT q.* FROM lambda_async_invocations q
         WHERE q.running = 0 AND q.next_attempt_ms <= ?
           AND q.id = (SELECT MIN(id) FROM lambda_async_invocations r
                       WHERE r.region = q.region AND r.name = q.name AND r.running = 0 AND r.next_attempt_ms <= ?)
         ORDER BY q.id`,
      )
      .all(nowMs, nowMs) as QueueRow[];
    for (const row of ready) {
      const key = `${row.region}:${row.name}`;
      if (this.activeFunctions.has(key)) continue;
      this.dispatch(key, row);
    }
    this.scheduleNextWake(nowMs);
  }

  private dispatch(key: string, row: QueueRow): void {
    this.activeFunctions.add(key);
    this.db.prepare('UPDATE lambda_async_invocations SET running = 1 WHERE id = ?').run(row.id);
    const invocation: QueuedInvocation = {
      id: row.id,
      region: row.region,
      name: row.name,
      qualifier: row.qualifier ?? undefined,
      payload: row.payload,
      requestId: row.request_id,
      attempts: row.attempts,
    };

    const work = this.runAttempt(invocation).finally(() => {
      this.activeFunctions.delete(key);
      this.inFlight.delete(work);
      this.pump();
    });
    this.inFlight.add(work);
  }

  private async runAttempt(invocation: QueuedInvocation): Promise<void> {
    let outcome: AttemptOutcome;
    try {
      outcome = await this.attempt(invocation);
    } catch (error) {
      this.logger.warn('asynchronous invocation attempt failed', { requestId: invocation.requestId, function: invocation.name, error });
      outcome = 'failed';
    }

    if (this.closed && outcome !== 'succeeded') {
      this.db.prepare('UPDATE lambda_async_invocations SET running = 0 WHERE id = ?').run(invocation.id);
      return;
    }
    this.settle(invocation, outcome);
  }

  private settle(invocation: QueuedInvocation, outcome: AttemptOutcome): void {
    const attempts = invocation.attempts + 1;
    const delayMs = this.retryDelaysMs[attempts - 1];
    if (outcome === 'failed' && delayMs !== undefined) {
      this.logger.info('asynchronous invocation failed; retrying', { requestId: invocation.requestId, function: invocation.name, attempts, delayMs });
      this.db
        .prepare('UPDATE lambda_async_invocations SET running = 0, attempts = ?, next_attempt_ms = ? WHERE id = ?')
        .run(attempts, Date.now() + delayMs, invocation.id);
      return;
    }

    if (outcome !== 'succeeded') {
      this.logger.warn('asynchronous invocation discarded', { requestId: invocation.requestId, function: invocation.name, attempts, outcome });
    }
    this.db.prepare('DELETE FROM lambda_async_invocations WHERE id = ?').run(invocation.id);
  }

  /** Wakes the queue for the earliest retry that was not ready at `nowMs`, the time `pump` used. */
  private scheduleNextWake(nowMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    const next = this.db
      .prepare('SELECT MIN(next_attempt_ms) AS at FROM lambda_async_invocations WHERE running = 0 AND next_attempt_ms > ?')
      .get(nowMs) as { at: number | null };
    if (next.at === null) return;

    this.timer = setTimeout(() => this.pump(), Math.max(1, next.at - Date.now()));
    this.timer.unref();
  }
}
