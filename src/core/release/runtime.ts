/** Environment of a release: clients, clock, settings and the way to continue in a follow-up invocation. */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';

import type { AliasTarget, ReleaseKind, StepTiming } from './ledger.js';
import type { Sleep } from './retry.js';

export interface ReleaseSettings {
  /** Lifetime of the lease; a crashed release blocks its function and stage at most this long. */
  leaseTtlMs: number;
  /** Maximum wait for a busy lease before the record fails (and is retried by Lambda). */
  leaseMaxWaitMs: number;
  /** Bound on each wait for a function update to finish. */
  updateWaitSeconds: number;
  /** Interval between smoke invocations of the new version during a bake. */
  probeIntervalMs: number;
  /** Time kept free before the deploy function's own timeout for rollback, ledger and hand-over. */
  safetyMarginMs: number;
}

export const DEFAULT_RELEASE_SETTINGS: ReleaseSettings = {
  leaseTtlMs: 120_000,
  leaseMaxWaitMs: 600_000,
  updateWaitSeconds: 300,
  probeIntervalMs: 5_000,
  safetyMarginMs: 20_000,
};

export interface ReleaseRuntime {
  s3: S3Client;
  lambda: LambdaClient;
  logger: Logger;
  /** The artifact bucket, which holds ledgers, leases, progress and smoke events. */
  bucket: string;
  settings: ReleaseSettings;
  sleep: Sleep;
  now: () => number;
  /** Time left in this invocation of the deploy function (`context.getRemainingTimeInMillis()`). */
  remainingTimeMs: () => number;
  /** Lease owner of this invocation, unique per invocation. */
  owner: string;
  /** Starts a follow-up invocation that resumes `state` (an asynchronous self-invoke). */
  continueLater: (state: ReleaseState) => Promise<void>;
}

/** Plan of a release, decided before the lease is taken. Serializable. */
export interface ReleasePlan {
  kind: ReleaseKind;
  functionName: string;
  stage: string;
  strategy: string;
  description: string | null;
  objectKey: string | null;
  objectVersionId: string | null;
  sequencer: string | null;
  /** Bucket of the uploaded code; deployments only. */
  artifactBucket: string | null;
  /** Version to move the alias to; promotions, and rollbacks that name one. */
  version: string | null;
}

/**
 * A release in flight, saved in the progress object and carried by a continuation event when a
 * bake outlasts one invocation.
 */
export interface ReleaseState {
  releaseId: string;
  plan: ReleasePlan;
  startedAt: string;
  leaseOwner: string;
  publishedVersion: string | null;
  sha256: string | null;
  /** Alias routing before the release; null when the alias did not exist. */
  previousTarget: AliasTarget | null;
  /** True once the alias was changed by this release, so a failure must restore it. */
  aliasChanged: boolean;
  /** Index of the next shift step (see `shiftSteps`) to run. */
  stepIndex: number;
  /** Epoch milliseconds the current step's bake began; null when the step has not started. */
  bakeStartedAtMs: number | null;
  steps: StepTiming[];
}
