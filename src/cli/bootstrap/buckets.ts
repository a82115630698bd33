import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  NotFound,
  NoSuchBucket,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { BucketLocationConstraint } from '@aws-sdk/client-s3';

import { httpStatusOf, isAwsError } from '../aws-errors.js';
import { CliError } from '../errors.js';
import { artifactBucketName, configBucketName, configKey } from '../names.js';
import { planBucketSettings } from './bucket-settings.js';
import type { PlanContext, PlannedStep } from './plan-types.js';

/**
 * Plans the config bucket and the artifact bucket: each versioned, with public access blocked,
 * default encryption, a TLS-only bucket policy and the keystage tags.
 */
export async function planBuckets(context: PlanContext): Promise<PlannedStep[]> {
  const steps: PlannedStep[] = [];
  for (const [bucket, purpose] of [
    [configBucketName(context.installation), 'stage configs'],
    [artifactBucketName(context.installation), 'deployment artifacts and release records'],
  ] as const) {
    const exists = await bucketExists(context, bucket);
    const step = await planBucket(context, bucket, purpose, exists);
    if (step) steps.push(step);
    steps.push(...(await planBucketSettings(context, bucket, exists)));
  }
  return steps;
}

async function planBucket(context: PlanContext, bucket: string, purpose: string, exists: boolean): Promise<PlannedStep | undefined> {
  if (!exists) {
    return {
      action: 'create',
      resourceType: 'AWS::S3::Bucket',
      resource: bucket,
      detail: `versioned bucket for ${purpose}`,
      apply: async (applyContext) => {
        await createBucket(applyContext, bucket);
        await enableVersioning(applyContext, bucket);
      },
    };
  }

  const { Status } = await context.clients.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  if (Status === 'Enabled') return undefined;
  return {
    action: 'update',
    resourceType: 'AWS::S3::Bucket',
    resource: bucket,
    detail: `versioning is ${Status ?? 'off'}; enable it`,
    apply: (applyContext) => enableVersioning(applyContext, bucket),
  };
}

async function bucketExists(context: PlanContext, bucket: string): Promise<boolean> {
  try {
    await context.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (isAwsError(error, [NotFound, NoSuchBucket], 404)) return false;
    if (httpStatusOf(error) === 403) {
      throw new CliError(`Bucket ${bucket} exists but these credentials cannot use it (another account owns the name, or access is denied); choose another --prefix.`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function createBucket(context: PlanContext, bucket: string): Promise<void> {
  const region = context.installation.region;
  const location = region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint };
  await context.clients.s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: location }));
}

async function enableVersioning(context: PlanContext, bucket: string): Promise<void> {
  await context.clients.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/**
 * Builds the first config of a stage: its own key, the config cache's max age when one is
 * given, and every other field at its default.
 */
export function initialStageConfig(keyArn: string, configMaxAgeSeconds?: number): { keyId: string; cache?: { maxAgeSeconds: number } } {
  if (configMaxAgeSeconds === undefined) return { keyId: keyArn };
  return { keyId: keyArn, cache: { maxAgeSeconds: configMaxAgeSeconds } };
}

/** Plans `<stage>/config.json` for every stage that has none; an existing config is never overwritten. */
export async function planStageConfigs(context: PlanContext, configBucketExists: boolean): Promise<PlannedStep[]> {
  const bucket = configBucketName(context.installation);
  const steps: PlannedStep[] = [];

  for (const stage of context.options.stages) {
    const key = configKey(stage);
    if (configBucketExists && (await objectExists(context, bucket, key))) continue;

    steps.push({
      action: 'create',
      resourceType: 'AWS::S3::Object',
      resource: `s3://${bucket}/${key}`,
      detail: `first config of stage ${stage}, naming the key behind alias/${context.options.prefix}-${stage}`,
      apply: async (applyContext) => {
        const keyArn = applyContext.outputs.keyArns.get(stage);
        if (!keyArn) throw new CliError(`No KMS key is known for stage ${stage}; run bootstrap again.`);

        await putIfAbsent(applyContext, bucket, key, `${JSON.stringify(initialStageConfig(keyArn, context.options.configMaxAgeSeconds), null, 2)}\n`);
      },
    });
  }
  return steps;
}

/** Writes an object unless one exists; a config written meanwhile by someone else wins. */
async function putIfAbsent(context: PlanContext, bucket: string, key: string, body: string): Promise<void> {
  try {
    await context.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', IfNoneMatch: '*' }));
  } catch (error) {
    if (httpStatusOf(error) === 412) return;
    throw error;
  }
}

async function objectExists(context: PlanContext, bucket: string, key: string): Promise<boolean> {
  try {
    await context.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isAwsError(error, [NotFound], 404)) return false;
    throw error;
  }
}
