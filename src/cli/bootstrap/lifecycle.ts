import { GetBucketLifecycleConfigurationCommand, PutBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import type { LifecycleRule } from '@aws-sdk/client-s3';

import { STATE_PREFIX } from '../../core/release/keys.js';
import { isAwsError } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { artifactBucketName } from '../names.js';
import type { PlanContext, PlannedStep } from './plan-types.js';

/**
 * Days old versions of the release records stay in the versioned artifact bucket. Progress and
 * lease objects are rewritten many times per release, and only their current version matters.
 * Old ledger versions are kept longer, for inspection.
 */
const RECORD_RETENTION_DAYS: Record<string, number> = { progress: 1, leases: 1, ledger: 30 };

/** Days a replaced artifact version stays in the bucket when `--artifact-retention-days` is not given. */
export const DEFAULT_ARTIFACT_RETENTION_DAYS = 30;

/** Lifecycle rules bootstrap owns on the artifact bucket for release records; rules with other ids are kept as they are. */
export function releaseRecordRules(): LifecycleRule[] {
  return Object.entries(RECORD_RETENTION_DAYS).map(([folder, days]) => ({
    ID: `keystage-expire-old-${folder}-versions`,
    Status: 'Enabled',
    Filter: { Prefix: `${STATE_PREFIX}/${folder}/` },
    NoncurrentVersionExpiration: { NoncurrentDays: days },
  }));
}

/**
 * Builds one rule per stage that expires replaced versions of uploaded artifacts (`<stage>/…`)
 * after `retentionDays`. A prefix per stage keeps the rule off `.keystage/`, because a lifecycle
 * filter cannot exclude a prefix. Current versions are not affected by these rules.
 */
export function artifactRetentionRules(stages: readonly string[], retentionDays: number): LifecycleRule[] {
  return stages.map((stage) => ({
    ID: `keystage-expire-noncurrent-artifacts-${stage}`,
    Status: 'Enabled',
    Filter: { Prefix: `${stage}/` },
    NoncurrentVersionExpiration: { NoncurrentDays: retentionDays },
  }));
}

/**
 * Plans the artifact bucket's lifecycle rules: old versions of release records and of replaced
 * artifacts expire; current objects never do.
 */
export async function planLifecycle(context: PlanContext, artifactBucketExists: boolean): Promise<PlannedStep[]> {
  const bucket = artifactBucketName(context.installation);
  const retentionDays = context.options.artifactRetentionDays ?? DEFAULT_ARTIFACT_RETENTION_DAYS;
  const desired = [...releaseRecordRules(), ...artifactRetentionRules(context.options.stages, retentionDays)];
  const current = artifactBucketExists ? await readRules(context.clients, bucket) : [];
  if (desired.every((rule) => current.some((existing) => sameRule(existing, rule)))) return [];

  return [
    {
      action: current.length === 0 ? 'create' : 'update',
      resourceType: 'AWS::S3::BucketLifecycle',
      resource: bucket,
      detail:
        `expire old versions of ${Object.keys(RECORD_RETENTION_DAYS).map((folder) => `${STATE_PREFIX}/${folder}/`).join(', ')} objects, ` +
        `and replaced artifacts of ${context.options.stages.join(', ')} after ${retentionDays} days`,
      apply: async (applyContext) => {
        const latest = artifactBucketExists ? await readRules(applyContext.clients, bucket) : [];
        const others = latest.filter((rule) => !desired.some((own) => own.ID === rule.ID));
        await applyContext.clients.s3.send(
          new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [...others, ...desired] } }),
        );
      },
    },
  ];
}

async function readRules(clients: AwsClients, bucket: string): Promise<LifecycleRule[]> {
  try {
    const { Rules } = await clients.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    return Rules ?? [];
  } catch (error) {
    if (isAwsError(error, [], 404)) return [];
    throw error;
  }
}

function sameRule(existing: LifecycleRule, desired: LifecycleRule): boolean {
  return (
    existing.ID === desired.ID &&
    existing.Status === desired.Status &&
    existing.Filter?.Prefix === desired.Filter?.Prefix &&
    existing.NoncurrentVersionExpiration?.NoncurrentDays === desired.NoncurrentVersionExpiration?.NoncurrentDays
  );
}
