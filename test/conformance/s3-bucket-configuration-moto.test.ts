import {
  CreateBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { LifecycleRule } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TEST_CREDENTIALS, TEST_REGION, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { motoAvailable, startMoto } from '../support/moto.js';
import type { MotoServer } from '../support/moto.js';
import { attempt, expectAgreement, resultOf } from '../support/s3-scenario.js';
import type { Scenario } from '../support/s3-scenario.js';

/*
 * One bucket configuration scenario (policy, public access block, encryption, lifecycle,
 * tagging, ACL) run against the local cloud and against moto server, compared step by step.
 * Each step keeps only the response fields that both must agree on; policies are compared
 * as parsed JSON.
 *
 * Where moto (5.2) departs from AWS's documentation, the comparison skips the step and the
 * local cloud is checked against the documentation instead:
 *
 * - GetBucketPolicyStatus: the S3 API Reference returns `PolicyStatus/IsPublic`; moto returns
 *   an empty PolicyStatus.
 * - PutBucketPolicy with invalid JSON, or without a Statement: S3 rejects both with
 *   400 MalformedPolicy; moto stores them.
 * - PutBucketPolicy of a public policy while the public access block sets BlockPublicPolicy:
 *   S3 denies it with 403 AccessDenied (S3 User Guide, "Blocking public access"); moto stores it.
 * - GetBucketEncryption on a bucket without a configuration of its own: since January 2023
 *   every bucket has SSE-S3 default encryption and S3 returns the AES256 rule; moto answers
 *   404 ServerSideEncryptionConfigurationNotFoundError, as S3 did before.
 * - GetBucketLifecycleConfiguration: moto drops `NewerNoncurrentVersions` from
 *   NoncurrentVersionExpiration.
 * - PutBucketLifecycleConfiguration with two rules of one ID: S3 rejects it with 400
 *   InvalidArgument ("Rule ID must be unique"); moto stores it.
 */

const BUCKET = 'configuration-conformance';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
});
const PUBLIC_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` }],
});
const LIFECYCLE_RULES: LifecycleRule[] = [
  {
    ID: 'expire-noncurrent',
    Status: 'Enabled',
    Filter: { Prefix: 'dev/' },
    Expiration: { Days: 365 },
    NoncurrentVersionExpiration: { NoncurrentDays: 30, NewerNoncurrentVersions: 5 },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  },
];

/** Steps where moto departs from AWS's documentation (see the comment above). */
const MOTO_DEPARTURES = new Set([
  'GetBucketPolicyStatus',
  'PutBucketPolicy with invalid JSON',
  'PutBucketPolicy without Statement',
  'PutBucketPolicy public while blocked',
  'GetBucketEncryption default',
  'GetBucketEncryption after delete',
  'GetBucketLifecycleConfiguration',
  'PutBucketLifecycleConfiguration with duplicate IDs',
]);

const SSE_S3_DEFAULT = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] };

/** Runs the scenario and keeps the response fields that both implementations must agree on. */
async function runScenario(endpoint: string): Promise<Scenario> {
  const s3 = new S3Client({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true });
  const steps: Scenario = [];
  const record = async (step: string, action: () => Promise<unknown>) => steps.push({ step, result: await attempt(action) });
  /** Success is all that a write step compares: the status codes of AWS (200 or 204) vary by operation. */
  const done = (_output: unknown) => 'ok';

  await record('CreateBucket', async () => done(await s3.send(new CreateBucketCommand({ Bucket: BUCKET }))));

  await record('GetBucketPolicy before any', () => s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET })));
  await record('PutBucketPolicy', async () => done(await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: POLICY }))));
  await record('GetBucketPolicy', async () => JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy!) as unknown);
  await record('GetBucketPolicyStatus', async () => (await s3.send(new GetBucketPolicyStatusCommand({ Bucket: BUCKET }))).PolicyStatus);
  await record('PutBucketPolicy with invalid JSON', () => s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: '{"Statement": [' })));
  await record('PutBucketPolicy without Statement', () =>
    s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({ Version: '2012-10-17' }) })),
  );
  await record('DeleteBucketPolicy', async () => done(await s3.send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }))));
  await record('GetBucketPolicy after delete', () => s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET })));

  await record('GetPublicAccessBlock before any', () => s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET })));
  await record('PutPublicAccessBlock', async () =>
    done(
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: BUCKET,
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
        }),
      ),
    ),
  );
  await record('GetPublicAccessBlock', async () => (await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }))).PublicAccessBlockConfiguration);
  await record('PutBucketPolicy public while blocked', () => s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: PUBLIC_POLICY })));
  await record('DeletePublicAccessBlock', async () => done(await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }))));
  await record('GetPublicAccessBlock after delete', () => s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET })));

  await record('GetBucketEncryption default', async () => (await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))).ServerSideEncryptionConfiguration);
  await record('PutBucketEncryption aws:kms', async () =>
    done(
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: BUCKET,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/keystage-dev' }, BucketKeyEnabled: true }],
          },
        }),
      ),
    ),
  );
  await record('GetBucketEncryption aws:kms', async () => (await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))).ServerSideEncryptionConfiguration);
  await record('DeleteBucketEncryption', async () => done(await s3.send(new DeleteBucketEncryptionCommand({ Bucket: BUCKET }))));
  await record('GetBucketEncryption after delete', async () => (await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))).ServerSideEncryptionConfiguration);

  await record('GetBucketLifecycleConfiguration before any', () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET })));
  await record('PutBucketLifecycleConfiguration', async () =>
    done(await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: { Rules: LIFECYCLE_RULES } }))),
  );
  await record('GetBucketLifecycleConfiguration', async () => (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }))).Rules);
  await record('PutBucketLifecycleConfiguration with duplicate IDs', () =>
    s3.send(
      new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: { Rules: [...LIFECYCLE_RULES, ...LIFECYCLE_RULES] } }),
    ),
  );
  await record('DeleteBucketLifecycle', async () => done(await s3.send(new DeleteBucketLifecycleCommand({ Bucket: BUCKET }))));
  await record('GetBucketLifecycleConfiguration after delete', () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET })));

  await record('GetBucketTagging before any', () => s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET })));
  await record('PutBucketTagging', async () =>
    done(await s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'project', Value: 'keystage' }, { Key: 'stage', Value: 'dev' }] } }))),
  );
  await record('GetBucketTagging', async () => (await s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET }))).TagSet);
  await record('PutBucketTagging with duplicate keys', () =>
    s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] } })),
  );
  await record('PutBucketTagging with the aws: prefix', () =>
    s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'aws:owner', Value: 'me' }] } })),
  );
  await record('DeleteBucketTagging', async () => done(await s3.send(new DeleteBucketTaggingCommand({ Bucket: BUCKET }))));
  await record('GetBucketTagging after delete', () => s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET })));

  await record('GetBucketAcl', async () => {
    const output = await s3.send(new GetBucketAclCommand({ Bucket: BUCKET }));
    return output.Grants?.map((grant) => [grant.Grantee?.Type, grant.Grantee?.ID === output.Owner?.ID, grant.Permission]);
  });

  await record('GetBucketPolicy of a missing bucket', () => s3.send(new GetBucketPolicyCommand({ Bucket: 'missing-configuration-bucket' })));
  await record('GetBucketTagging of a missing bucket', () => s3.send(new GetBucketTaggingCommand({ Bucket: 'missing-configuration-bucket' })));

  s3.destroy();
  return steps;
}

describe.skipIf(!motoAvailable())('S3 bucket configuration conformance with moto', () => {
  let cloud: TestCloud;
  let moto: MotoServer;
  let local: Scenario;
  let reference: Scenario;

  beforeAll(async () => {
    [cloud, moto] = await Promise.all([startTestCloud(), startMoto()]);
    local = await runScenario(cloud.url);
    reference = await runScenario(moto.url);
  });

  afterAll(async () => {
    await Promise.all([cloud?.stop(), moto?.stop()]);
  });

  it('agrees with moto on every step where moto follows the documentation', () => {
    expectAgreement(local, reference, MOTO_DEPARTURES);
  });

  it('reports IsPublic in GetBucketPolicyStatus, as AWS documents', () => {
    expect(resultOf(local, 'GetBucketPolicyStatus')).toEqual({ IsPublic: false });
  });

  it.each(['PutBucketPolicy with invalid JSON', 'PutBucketPolicy without Statement'])('rejects %s as MalformedPolicy, as AWS does', (step) => {
    expect(resultOf(local, step)).toEqual({ error: 'MalformedPolicy', status: 400 });
  });

  it('denies a public policy under BlockPublicPolicy, as AWS does', () => {
    expect(resultOf(local, 'PutBucketPolicy public while blocked')).toEqual({ error: 'AccessDenied', status: 403 });
  });

  it.each(['GetBucketEncryption default', 'GetBucketEncryption after delete'])('reports SSE-S3 in %s, as AWS has since 2023', (step) => {
    expect(resultOf(local, step)).toEqual(SSE_S3_DEFAULT);
  });

  it('keeps NewerNoncurrentVersions in the lifecycle rules', () => {
    expect(resultOf(local, 'GetBucketLifecycleConfiguration')).toEqual(LIFECYCLE_RULES);
  });

  it('rejects duplicate rule IDs as InvalidArgument, as AWS does', () => {
    expect(resultOf(local, 'PutBucketLifecycleConfiguration with duplicate IDs')).toEqual({ error: 'InvalidArgument', status: 400 });
  });
});
