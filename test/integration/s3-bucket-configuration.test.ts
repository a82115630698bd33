import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  PutBucketAclCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { LifecycleRule } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

let cloud: TestCloud;
let s3: S3Client;
let bucketCount = 0;

/** Creates a fresh bucket so that each test starts with no configuration. */
async function newBucket(): Promise<string> {
  bucketCount += 1;
  const bucket = `configured-bucket-${bucketCount}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Runs a call that must fail and returns its S3 error code and HTTP status. */
async function failure(action: Promise<unknown>): Promise<{ code: string; status?: number; message: string }> {
  try {
    await action;
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    return { code: error.name, status: error.$metadata.httpStatusCode, message: error.message };
  }
  throw new Error('the call succeeded, but it was expected to fail');
}

function policyFor(bucket: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        ...overrides,
      },
    ],
  });
}

beforeAll(async () => {
  cloud = await startTestCloud();
  s3 = new S3Client(cloud.clientConfig);
});

afterAll(async () => {
  s3?.destroy();
  await cloud?.stop();
});

describe('bucket policy', () => {
  it('returns the stored policy unchanged', async () => {
    const bucket = await newBucket();
    const policy = policyFor(bucket);

    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
    const output = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));

    expect(output.Policy).toBe(policy);
  });

  it('fails with NoSuchBucketPolicy when none is set', async () => {
    const bucket = await newBucket();

    const error = await failure(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })));

    expect(error).toMatchObject({ code: 'NoSuchBucketPolicy', status: 404 });
  });

  it('removes the policy on delete', async () => {
    const bucket = await newBucket();
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policyFor(bucket) }));

    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));

    expect((await failure(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })))).code).toBe('NoSuchBucketPolicy');
  });

  it('accepts deleting a policy that does not exist', async () => {
    const bucket = await newBucket();

    await expect(s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }))).resolves.toBeDefined();
  });

  it.each([
    ['invalid JSON', () => '{"Statement": [', 'invalid Json'],
    ['a JSON array', () => '[]', 'JSON object'],
    ['no Statement', () => JSON.stringify({ Version: '2012-10-17' }), 'Statement'],
    ['an empty Statement list', () => JSON.stringify({ Version: '2012-10-17', Statement: [] }), 'Statement'],
    ['an invalid Effect', (bucket: string) => policyFor(bucket, { Effect: 'Maybe' }), 'Invalid effect'],
    ['no Principal', (bucket: string) => policyFor(bucket, { Principal: undefined }), 'Principal'],
    ['a non-S3 action', (bucket: string) => policyFor(bucket, { Action: 'kms:Decrypt' }), 'invalid action'],
    ['a resource of another bucket', () => policyFor('other-bucket'), 'invalid resource'],
    ['an unknown Version', (bucket: string) => JSON.stringify({ ...JSON.parse(policyFor(bucket)), Version: '2020-01-01' }), 'Version'],
  ])('rejects a policy with %s as MalformedPolicy', async (_case, policy, messagePart) => {
    const bucket = await newBucket();

    const error = await failure(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy(bucket) })));

    expect(error.code).toBe('MalformedPolicy');
    expect(error.status).toBe(400);
    expect(error.message).toContain(messagePart);
  });

  it('keeps the previous policy when a new one is rejected', async () => {
    const bucket = await newBucket();
    const policy = policyFor(bucket);
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));

    await failure(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: '{' })));

    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toBe(policy);
  });

  it('fails with NoSuchBucket for a missing bucket', async () => {
    const error = await failure(s3.send(new PutBucketPolicyCommand({ Bucket: 'no-such-bucket-here', Policy: policyFor('no-such-bucket-here') })));

    expect(error.code).toBe('NoSuchBucket');
  });

  it('reports a policy without public grants as not public', async () => {
    const bucket = await newBucket();
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policyFor(bucket) }));

    const output = await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }));

    expect(output.PolicyStatus?.IsPublic).toBe(false);
  });

  it('reports an unconditional Allow to everyone as public', async () => {
    const bucket = await newBucket();
    const policy = policyFor(bucket, { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: undefined });
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));

    const output = await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }));

    expect(output.PolicyStatus?.IsPublic).toBe(true);
  });
});

describe('public access block', () => {
  const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

  it('returns the stored settings', async () => {
    const bucket = await newBucket();

    await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: ALL_BLOCKED }));
    const output = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));

    expect(output.PublicAccessBlockConfiguration).toEqual(ALL_BLOCKED);
  });

  it('stores settings left out as false', async () => {
    const bucket = await newBucket();

    await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } }));
    const output = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));

    expect(output.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
  });

  it('fails with NoSuchPublicAccessBlockConfiguration when none is set', async () => {
    const bucket = await newBucket();

    const error = await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })));

    expect(error).toMatchObject({ code: 'NoSuchPublicAccessBlockConfiguration', status: 404 });
  });

  it('removes the settings on delete', async () => {
    const bucket = await newBucket();
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: ALL_BLOCKED }));

    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));

    expect((await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })))).code).toBe('NoSuchPublicAccessBlockConfiguration');
  });

  it('denies a public policy while BlockPublicPolicy is set', async () => {
    const bucket = await newBucket();
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: ALL_BLOCKED }));
    const publicPolicy = policyFor(bucket, { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: undefined });

    const error = await failure(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicPolicy })));

    expect(error).toMatchObject({ code: 'AccessDenied', status: 403 });
  });

  it('accepts a non-public policy while BlockPublicPolicy is set', async () => {
    const bucket = await newBucket();
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: ALL_BLOCKED }));

    await expect(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policyFor(bucket) }))).resolves.toBeDefined();
  });

  it('rejects a setting that is not a boolean as MalformedXML', async () => {
    const bucket = await newBucket();
    const body = '<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>';

    const response = await fetch(`${cloud.url}/${bucket}?publicAccessBlock`, { method: 'PUT', body });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>MalformedXML</Code>');
  });
});

describe('bucket encryption', () => {
  it('reports SSE-S3 on a bucket with no configuration', async () => {
    const bucket = await newBucket();

    const output = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));

    expect(output.ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
    ]);
  });

  it('returns an SSE-KMS rule with its key and bucket key setting', async () => {
    const bucket = await newBucket();
    const rule = {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: 'arn:aws:kms:us-east-1:000000000000:key/1234' },
      BucketKeyEnabled: true,
    };

    await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [rule] } }));
    const output = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));

    expect(output.ServerSideEncryptionConfiguration?.Rules).toEqual([rule]);
  });

  it('returns to SSE-S3 after delete', async () => {
    const bucket = await newBucket();
    const rule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const } };
    await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [rule] } }));

    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    const output = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));

    expect(output.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
  });

  it('rejects a KMS key with AES256 as InvalidArgument', async () => {
    const bucket = await newBucket();
    const rule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const, KMSMasterKeyID: 'alias/some-key' } };

    const error = await failure(s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [rule] } })));

    expect(error.code).toBe('InvalidArgument');
  });

  it('rejects an unknown algorithm as MalformedXML', async () => {
    const bucket = await newBucket();
    const rule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'ROT13' as 'AES256' } };

    const error = await failure(s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [rule] } })));

    expect(error.code).toBe('MalformedXML');
  });

  it('fails with NoSuchBucket for a missing bucket', async () => {
    const error = await failure(s3.send(new GetBucketEncryptionCommand({ Bucket: 'no-such-bucket-here' })));

    expect(error.code).toBe('NoSuchBucket');
  });
});

describe('lifecycle configuration', () => {
  const RULE: LifecycleRule = {
    ID: 'expire-old-versions',
    Status: 'Enabled',
    Filter: { Prefix: 'logs/' },
    Expiration: { Days: 30 },
    NoncurrentVersionExpiration: { NoncurrentDays: 7, NewerNoncurrentVersions: 3 },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
  };

  async function putRules(bucket: string, rules: LifecycleRule[]) {
    return s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }));
  }

  it('returns the stored rules', async () => {
    const bucket = await newBucket();

    await putRules(bucket, [RULE, { ...RULE, ID: 'everything', Filter: {}, Status: 'Disabled', Transitions: [{ Days: 90, StorageClass: 'GLACIER' }] }]);
    const output = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));

    expect(output.Rules).toEqual([RULE, { ...RULE, ID: 'everything', Filter: {}, Status: 'Disabled', Transitions: [{ Days: 90, StorageClass: 'GLACIER' }] }]);
  });

  it('returns filters combined with And', async () => {
    const bucket = await newBucket();
    const rule: LifecycleRule = {
      ID: 'tagged',
      Status: 'Enabled',
      Filter: { And: { Prefix: 'tmp/', Tags: [{ Key: 'class', Value: 'scratch' }], ObjectSizeGreaterThan: 1024 } },
      Expiration: { Days: 1 },
    };

    await putRules(bucket, [rule]);
    const output = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));

    expect(output.Rules).toEqual([rule]);
  });

  it('reports the default transition minimum object size', async () => {
    const bucket = await newBucket();

    const put = await putRules(bucket, [RULE]);
    const get = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));

    expect(put.TransitionDefaultMinimumObjectSize).toBe('all_storage_classes_128K');
    expect(get.TransitionDefaultMinimumObjectSize).toBe('all_storage_classes_128K');
  });

  it('gives a rule without an ID a generated one', async () => {
    const bucket = await newBucket();

    await putRules(bucket, [{ ...RULE, ID: undefined }]);
    const output = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));

    expect(output.Rules?.[0]?.ID).toMatch(/^[A-Za-z0-9]{48}$/);
  });

  it('fails with NoSuchLifecycleConfiguration when none is set', async () => {
    const bucket = await newBucket();

    const error = await failure(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })));

    expect(error).toMatchObject({ code: 'NoSuchLifecycleConfiguration', status: 404 });
  });

  it('removes the rules on delete', async () => {
    const bucket = await newBucket();
    await putRules(bucket, [RULE]);

    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));

    expect((await failure(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })))).code).toBe('NoSuchLifecycleConfiguration');
  });

  it.each([
    ['duplicate IDs', [RULE, RULE], 'InvalidArgument'],
    ['zero expiration days', [{ ...RULE, Expiration: { Days: 0 } }], 'InvalidArgument'],
    ['no action', [{ ID: 'idle', Status: 'Enabled', Filter: {} }], 'InvalidRequest'],
    ['an invalid status', [{ ...RULE, Status: 'Paused' as 'Enabled' }], 'MalformedXML'],
    ['no filter or prefix', [{ ...RULE, Filter: undefined }], 'MalformedXML'],
    ['a date that is not midnight', [{ ...RULE, Expiration: { Date: new Date('2030-01-01T12:00:00Z') } }], 'InvalidArgument'],
    ['too many newer noncurrent versions', [{ ...RULE, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 101 } }], 'InvalidArgument'],
    ['an abort rule with a tag filter', [{ ...RULE, Filter: { Tag: { Key: 'a', Value: 'b' } } }], 'InvalidRequest'],
    ['an unknown storage class', [{ ...RULE, Transitions: [{ Days: 1, StorageClass: 'TAPE' as 'GLACIER' }] }], 'MalformedXML'],
  ] as [string, LifecycleRule[], string][])('rejects rules with %s', async (_case, rules, code) => {
    const bucket = await newBucket();

    const error = await failure(putRules(bucket, rules));

    expect(error.code).toBe(code);
  });

  it('keeps the previous rules when new ones are rejected', async () => {
    const bucket = await newBucket();
    await putRules(bucket, [RULE]);

    await failure(putRules(bucket, [RULE, RULE]));

    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules).toEqual([RULE]);
  });
});

describe('bucket tagging', () => {
  const TAGS = [
    { Key: 'project', Value: 'keystage' },
    { Key: 'stage', Value: 'dev' },
  ];

  it('returns the stored tags', async () => {
    const bucket = await newBucket();

    await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: TAGS } }));
    const output = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));

    expect(output.TagSet).toEqual(TAGS);
  });

  it('fails with NoSuchTagSet when none are set', async () => {
    const bucket = await newBucket();

    const error = await failure(s3.send(new GetBucketTaggingCommand({ Bucket: bucket })));

    expect(error).toMatchObject({ code: 'NoSuchTagSet', status: 404 });
  });

  it('removes the tags on delete', async () => {
    const bucket = await newBucket();
    await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: TAGS } }));

    await s3.send(new DeleteBucketTaggingCommand({ Bucket: bucket }));

    expect((await failure(s3.send(new GetBucketTaggingCommand({ Bucket: bucket })))).code).toBe('NoSuchTagSet');
  });

  it.each([
    ['duplicate keys', [TAGS[0]!, TAGS[0]!]],
    ['the aws: prefix', [{ Key: 'aws:owner', Value: 'me' }]],
    ['an empty key', [{ Key: '', Value: 'x' }]],
    ['a key over 128 characters', [{ Key: 'k'.repeat(129), Value: 'x' }]],
    ['more than 50 tags', Array.from({ length: 51 }, (_, index) => ({ Key: `tag${index}`, Value: 'x' }))],
  ])('rejects %s as InvalidTag', async (_case, tagSet) => {
    const bucket = await newBucket();

    const error = await failure(s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tagSet } })));

    expect(error.code).toBe('InvalidTag');
  });
});

describe('bucket ACL', () => {
  it('grants the owner FULL_CONTROL', async () => {
    const bucket = await newBucket();

    const output = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));

    expect(output.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: output.Owner?.ID, DisplayName: 'local' }, Permission: 'FULL_CONTROL' }]);
  });

  it('accepts the private canned ACL', async () => {
    const bucket = await newBucket();

    await expect(s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'private' }))).resolves.toBeDefined();
  });

  it('rejects a public canned ACL as AccessControlListNotSupported', async () => {
    const bucket = await newBucket();

    const error = await failure(s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' })));

    expect(error.code).toBe('AccessControlListNotSupported');
  });
});

describe('CORS configuration', () => {
  const RULE = { ID: 'browser', AllowedMethods: ['GET', 'PUT'], AllowedOrigins: ['https://*.example.com'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 };

  it('returns the stored rules', async () => {
    const bucket = await newBucket();

    await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [RULE] } }));
    const output = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));

    expect(output.CORSRules).toEqual([RULE]);
  });

  it('fails with NoSuchCORSConfiguration after delete', async () => {
    const bucket = await newBucket();
    await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [RULE] } }));

    await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));

    expect((await failure(s3.send(new GetBucketCorsCommand({ Bucket: bucket })))).code).toBe('NoSuchCORSConfiguration');
  });

  it('rejects an unsupported method as InvalidRequest', async () => {
    const bucket = await newBucket();

    const error = await failure(s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ ...RULE, AllowedMethods: ['PATCH'] }] } })));

    expect(error.code).toBe('InvalidRequest');
  });
});

describe('bucket deletion', () => {
  it('drops the configurations with the bucket', async () => {
    const bucket = await newBucket();
    await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));

    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    expect((await failure(s3.send(new GetBucketTaggingCommand({ Bucket: bucket })))).code).toBe('NoSuchTagSet');
  });
});

describe('object subresources', () => {
  it('still rejects object tagging as NotImplemented', async () => {
    const bucket = await newBucket();

    const response = await fetch(`${cloud.url}/${bucket}/some-key?tagging`);

    expect(response.status).toBe(501);
  });
});
