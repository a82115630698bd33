/** Backoff and retry for the conflicts a release meets: busy functions, lost conditional writes. */
import { ResourceConflictException, TooManyRequestsException } from '@aws-sdk/client-lambda';

/** Waits `ms` milliseconds; injected so tests can run with fake timers. */
export type Sleep = (ms: number) => Promise<void>;

export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  sleep: Sleep;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_CONFLICT_RETRY: Omit<RetryOptions, 'sleep'> = { maxAttempts: 12, baseDelayMs: 100, maxDelayMs: 5_000 };

/** Exponential backoff with jitter: a delay in [half, full] of `base * 2^attempt`, capped at `maxDelayMs`. */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  const ceilingMs = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return Math.round(ceilingMs / 2 + Math.random() * (ceilingMs / 2));
}

/** True for Lambda's "an update is in progress" and throttling errors. */
export function isLambdaConflict(error: unknown): boolean {
  return error instanceof ResourceConflictException || error instanceof TooManyRequestsException;
}

/** True for a lost S3 conditional write: `412 PreconditionFailed` or `409 ConditionalRequestConflict`. */
export function isPreconditionFailed(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const name = (error as { name?: string } | undefined)?.name;
  return status === 412 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict';
}

/**
 * Runs `operation`, retrying with backoff while `isRetryable` accepts the error, at most
 * `maxAttempts` times in all. The last error is rethrown.
 */
export async function retrying<T>(
  operation: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetryable(error) || attempt + 1 >= options.maxAttempts) throw error;
      await options.sleep(backoffDelayMs(attempt, options.baseDelayMs, options.maxDelayMs));
    }
  }
}
