import { HeadObjectCommand, NotFound, PutObjectCommand } from '@aws-sdk/client-s3';

import { smokeEventKey } from '../../core/release/keys.js';
import { httpStatusOf, readOrUndefined } from '../aws-errors.js';
import { artifactBucketName, functionName } from '../names.js';
import type { PlanContext, PlannedStep } from './plan-types.js';

/** The event the deploy function sends to a new encryption version before it takes traffic. */
export const ENCRYPTION_SMOKE_EVENT = { data: 'keystage smoke test' };

/**
 * The smoke event of the encryption function, so every release of it is verified by an invoke
 * before the alias moves. An existing smoke event is never overwritten.
 * NOTE: decryption has no smoke event. A ciphertext decrypts only in the stage that made it, but
 * one smoke event serves every stage, so a decryption release is checked only by loading.
 */
export async function planSmokeEvents(context: PlanContext, artifactBucketExists: boolean): Promise<PlannedStep[]> {
  const bucket = artifactBucketName(context.installation);
  const key = smokeEventKey(functionName(context.options.prefix, 'encryption'));

  if (artifactBucketExists) {
    const existing = await readOrUndefined(() => context.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), [NotFound]);
    if (existing) return [];
  }

  return [
    {
      action: 'create',
      resourceType: 'AWS::S3::Object',
      resource: `s3://${bucket}/${key}`,
      detail: 'smoke event that verifies each encryption release before it takes traffic',
      apply: async (applyContext) => {
        try {
          await applyContext.clients.s3.send(
            new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(ENCRYPTION_SMOKE_EVENT), ContentType: 'application/json', IfNoneMatch: '*' }),
          );
        } catch (error) {
          if (httpStatusOf(error) !== 412) throw error;
        }
      },
    },
  ];
}
