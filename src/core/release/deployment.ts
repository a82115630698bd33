/**
 * The deployment of one S3 event record, from matching its key to the ledger entry. Records
 * that name no deployable artifact are ignored with a reason; invalid uploads fail before
 * anything changes and are recorded in the ledger.
 */
import { matchRecord, planDeployment } from './artifact.js';
import type { S3EventRecord } from './artifact.js';
import { deliverySkipReason, recordWithoutLease, runRelease } from './engine.js';
import type { ReleaseResult } from './engine.js';
import { ReleaseError } from './errors.js';
import { readLedger } from './ledger.js';
import type { ReleasePlan, ReleaseRuntime } from './runtime.js';

/** Result of one record: a release result, or the reason the record was ignored. */
export type RecordResult = { key: string; ignored: string } | { key: string; release: ReleaseResult };

/**
 * Deploys the artifact one record names. A failed release is returned as a result with outcome
 * `failed` or `rolled-back`, not thrown, so the caller can go on with the other records.
 */
export async function deployRecord(runtime: ReleaseRuntime, record: S3EventRecord, deployableFunctions: ReadonlySet<string>): Promise<RecordResult> {
  const rawKey = record.s3?.object?.key ?? '';
  let match;
  try {
    match = matchRecord(record, deployableFunctions, runtime.bucket);
  } catch (error) {
    return { key: rawKey, ignored: error instanceof Error ? error.message : String(error) };
  }
  if ('ignored' in match) return { key: match.key, ignored: match.ignored };

  const { artifact } = match;
  const basePlan: ReleasePlan = {
    kind: 'deploy',
    functionName: artifact.functionName,
    stage: artifact.stage,
    strategy: 'all-at-once',
    description: null,
    objectKey: artifact.key,
    objectVersionId: artifact.versionId,
    sequencer: artifact.sequencer,
    artifactBucket: artifact.bucket,
    version: null,
  };
  runtime.logger.appendKeys({ function: artifact.functionName, stage: artifact.stage, objectKey: artifact.key, objectVersionId: artifact.versionId });

  try {
    const earlySkip = deliverySkipReason(basePlan, await readLedger(runtime.s3, runtime.bucket, artifact.functionName, artifact.stage));
    if (earlySkip !== undefined) {
      runtime.logger.info('Skipping record', { reason: earlySkip });
      return { key: artifact.key, release: await recordWithoutLease(runtime, basePlan, 'skipped', earlySkip, false) };
    }

    const plan = await planDeployment(runtime.s3, artifact, (description) =>
      runtime.logger.warn('The upload has no description metadata; using a default', { description }),
    );
    return { key: artifact.key, release: await runRelease(runtime, plan) };
  } catch (error) {
    return { key: artifact.key, release: await recordRejection(runtime, basePlan, error) };
  } finally {
    runtime.logger.removeKeys(['function', 'stage', 'objectKey', 'objectVersionId']);
  }
}

async function recordRejection(runtime: ReleaseRuntime, plan: ReleasePlan, error: unknown): Promise<ReleaseResult> {
  const reason = error instanceof Error ? error.message : String(error);
  const retryable = error instanceof ReleaseError ? error.retryable : true;
  runtime.logger.error('Deployment rejected before any change', { reason, retryable });

  try {
    return await recordWithoutLease(runtime, plan, 'failed', reason, retryable);
  } catch (ledgerError) {
    runtime.logger.error('Recording the rejected deployment in the ledger failed', { error: ledgerError });
    return { outcome: 'failed', reason, retryable: true, functionName: plan.functionName, stage: plan.stage, publishedVersion: null, previousVersion: null, entry: null };
  }
}
