/**
 * Release progress: what the release of a function and stage is doing now (or did last), for
 * `keystage status` and for a follow-up invocation that resumes a long bake. Only the lease
 * holder writes it, so writes are unconditional.
 */
import type { S3Client } from '@aws-sdk/client-s3';

import type { AliasTarget, ReleaseKind, ReleaseOutcome, StepTiming } from './ledger.js';
import { progressKey } from './keys.js';
import { getDocument, putDocument } from './s3-documents.js';

export type ReleasePhase =
  | 'preparing'
  | 'updating-code'
  | 'publishing'
  | 'verifying'
  | 'shifting'
  | 'baking'
  | 'finalizing'
  | 'rolling-back'
  | 'done';

/** The state of one release as its progress object stores it. */
export interface ReleaseProgress {
  releaseId: string;
  kind: ReleaseKind;
  functionName: string;
  stage: string;
  phase: ReleasePhase;
  objectKey: string | null;
  objectVersionId: string | null;
  strategy: string;
  publishedVersion: string | null;
  /** Alias routing before the release; null when the alias did not exist. */
  previousTarget: AliasTarget | null;
  /** Weight (0..1) of traffic on the new version now. */
  weight: number;
  startedAt: string;
  updatedAt: string;
  steps: StepTiming[];
  /** Set once `phase` is `done`. */
  outcome?: ReleaseOutcome;
  reason?: string | null;
}

/** Reads the progress of the current or last release of a function and stage; undefined when none ran. */
export async function readProgress(s3: S3Client, bucket: string, functionName: string, stage: string): Promise<ReleaseProgress | undefined> {
  const stored = await getDocument<ReleaseProgress>(s3, bucket, progressKey(functionName, stage));
  return stored?.value;
}

/** Replaces the progress object of the release's function and stage. */
export async function writeProgress(s3: S3Client, bucket: string, progress: ReleaseProgress): Promise<void> {
  await putDocument(s3, bucket, progressKey(progress.functionName, progress.stage), progress);
}
