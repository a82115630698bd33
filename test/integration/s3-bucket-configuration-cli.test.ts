import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsCliEnvironment, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const run = promisify(execFile);

let cloud: TestCloud;
const BUCKET = 'cli-configured-bucket';

async function aws(...args: string[]): Promise<string> {
  const { stdout } = await run('aws', ['--endpoint-url', cloud.url, ...args], { env: awsCliEnvironment(cloud.url) });
  return stdout;
}

/** Runs a CLI call that must fail and returns its stderr. */
async function awsFailure(...args: string[]): Promise<string> {
  try {
    await aws(...args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  throw new Error(`aws ${args.join(' ')} succeeded, but it was expected to fail`);
}

beforeAll(async () => {
  cloud = await startTestCloud();
  await aws('s3api', 'create-bucket', '--bucket', BUCKET);
});

afterAll(async () => {
  await cloud?.stop();
});

describe('AWS CLI bucket configuration', () => {
  it('reports the default encryption with get-bucket-encryption', async () => {
    const output = JSON.parse(await aws('s3api', 'get-bucket-encryption', '--bucket', BUCKET)) as unknown;

    expect(output).toEqual({
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] },
    });
  });

  it('stores the settings of put-public-access-block', async () => {
    await aws(
      's3api',
      'put-public-access-block',
      '--bucket',
      BUCKET,
      '--public-access-block-configuration',
      'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
    );
    const output = JSON.parse(await aws('s3api', 'get-public-access-block', '--bucket', BUCKET)) as unknown;

    expect(output).toEqual({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    });
  });

  it('stores an SSE-KMS rule with put-bucket-encryption', async () => {
    const configuration = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/keystage-dev' }, BucketKeyEnabled: true }] };

    await aws('s3api', 'put-bucket-encryption', '--bucket', BUCKET, '--server-side-encryption-configuration', JSON.stringify(configuration));
    const output = JSON.parse(await aws('s3api', 'get-bucket-encryption', '--bucket', BUCKET)) as unknown;

    expect(output).toEqual({ ServerSideEncryptionConfiguration: configuration });
  });

  it('shows NoSuchBucketPolicy from get-bucket-policy on a bucket without one', async () => {
    const stderr = await awsFailure('s3api', 'get-bucket-policy', '--bucket', BUCKET);

    expect(stderr).toContain('NoSuchBucketPolicy');
  });

  it('shows MalformedPolicy from put-bucket-policy with invalid JSON', async () => {
    const stderr = await awsFailure('s3api', 'put-bucket-policy', '--bucket', BUCKET, '--policy', '{"Version": "2012-10-17"}');

    expect(stderr).toContain('MalformedPolicy');
  });

  it('stores rules with put-bucket-lifecycle-configuration', async () => {
    const rules = { Rules: [{ ID: 'noncurrent', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }] };

    await aws('s3api', 'put-bucket-lifecycle-configuration', '--bucket', BUCKET, '--lifecycle-configuration', JSON.stringify(rules));
    const output = JSON.parse(await aws('s3api', 'get-bucket-lifecycle-configuration', '--bucket', BUCKET)) as { Rules: unknown };

    expect(output.Rules).toEqual(rules.Rules);
  });
});
