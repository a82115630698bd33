/** The outcome of one S3 notification: per-record results, and the batch failure when any record failed. */
import { ReleaseBatchError } from '../../core/release/index.js';
import type { RecordResult } from '../../core/release/index.js';

/** Result of a notification whose records all succeeded, were skipped or were ignored. */
export interface BatchSummary {
  records: Array<{ key: string; outcome: string; reason: string | null; publishedVersion: string | null }>;
}

/**
 * Summarizes the records. Throws `ReleaseBatchError` when any release failed or rolled back, so
 * that the invocation fails and Lambda retries the event. On the retry, records already settled
 * are skipped as duplicates.
 */
export function summarizeRecords(results: RecordResult[]): BatchSummary {
  const records = results.map((result) =>
    'ignored' in result
      ? { key: result.key, outcome: 'ignored', reason: result.ignored, publishedVersion: null }
      : { key: result.key, outcome: result.release.outcome, reason: result.release.reason, publishedVersion: result.release.publishedVersion },
  );

  const failed = results.filter((result) => 'release' in result && (result.release.outcome === 'failed' || result.release.outcome === 'rolled-back'));
  if (failed.length > 0) {
    const retryable = failed.some((result) => 'release' in result && result.release.retryable);
    const details = records.filter((record) => record.outcome === 'failed' || record.outcome === 'rolled-back').map((record) => `${record.key}: ${record.outcome}: ${record.reason}`);
    throw new ReleaseBatchError(`${failed.length} of ${results.length} records failed. ${details.join(' | ')}`, retryable);
  }
  return { records };
}
