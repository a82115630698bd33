import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import type { PublicAccessBlockConfiguration, ServerSideEncryptionConfiguration, Tag } from '@aws-sdk/client-s3';

import { isAwsError } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { parsePolicyDocument, samePolicy } from './policies.js';
import type { PolicyDocument } from './policies.js';
import type { PlanContext, PlannedStep } from './plan-types.js';

/** Every public access block flag on: no ACL or bucket policy can make an object public. */
export const PUBLIC_ACCESS_BLOCK: Required<PublicAccessBlockConfiguration> = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

/**
 * Default encryption with S3 managed keys (SSE-S3, AES256). Each bucket serves every stage, so
 * SSE-KMS with a stage key would tie all stages to one key and add a KMS request to every read.
 */
export const DEFAULT_ENCRYPTION: ServerSideEncryptionConfiguration = {
  Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
};

/** Statement id of the bucket policy statement bootstrap owns; other statements are kept. */
export const DENY_INSECURE_TRANSPORT_SID = 'KeystageDenyInsecureTransport';

/** Builds the statement that denies every request made without TLS, to the bucket and its objects. */
export function denyInsecureTransportStatement(bucket: string): Record<string, unknown> {
  return {
    Sid: DENY_INSECURE_TRANSPORT_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** Returns the tags bootstrap puts on each bucket. Other tags on the bucket are kept. */
export function bucketTags(prefix: string): Tag[] {
  return [{ Key: 'keystage:prefix', Value: prefix }];
}

/**
 * Plans the public access block, default encryption, TLS-only bucket policy and tags of one
 * bucket. A bucket that does not exist yet gets all four; an existing one gets only what is
 * absent or different.
 */
export async function planBucketSettings(context: PlanContext, bucket: string, exists: boolean): Promise<PlannedStep[]> {
  const current = exists ? await readBucketSettings(context.clients, bucket) : undefined;
  const steps: PlannedStep[] = [];
  const action = (present: boolean): 'create' | 'update' => (present ? 'update' : 'create');

  if (!current || !samePublicAccessBlock(current.publicAccessBlock)) {
    steps.push({
      action: action(current?.publicAccessBlock !== undefined),
      resourceType: 'AWS::S3::PublicAccessBlock',
      resource: bucket,
      detail: 'block public ACLs and policies (all four flags on)',
      apply: async (applyContext) => {
        await applyContext.clients.s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: PUBLIC_ACCESS_BLOCK }));
      },
    });
  }

  if (!current || !sameEncryption(current.encryption)) {
    steps.push({
      action: action(current?.encryption !== undefined),
      resourceType: 'AWS::S3::BucketEncryption',
      resource: bucket,
      detail: `default encryption SSE-S3 (AES256)${current?.encryption ? `, replacing ${describeEncryption(current.encryption)}` : ''}`,
      apply: async (applyContext) => {
        await applyContext.clients.s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: DEFAULT_ENCRYPTION }));
      },
    });
  }

  const statement = denyInsecureTransportStatement(bucket);
  if (context.options.denyInsecureTransport === false) {
    context.notices.push(`${bucket}: no TLS-only bucket policy (turned off with --tls-only-policy off, or the endpoint is plain http://); an existing policy is left as it is.`);
  } else if (!current || !hasStatement(current.policy, statement)) {
    steps.push({
      action: action(current?.policy !== undefined),
      resourceType: 'AWS::S3::BucketPolicy',
      resource: bucket,
      detail: `deny every request made without TLS (aws:SecureTransport = false)${current?.policy ? '; other statements are kept' : ''}`,
      apply: async (applyContext) => {
        const latest = exists ? await readPolicy(applyContext.clients, bucket) : undefined;
        await applyContext.clients.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(withStatement(latest, statement)) }));
      },
    });
  }

  const desiredTags = bucketTags(context.options.prefix);
  if (!current || !desiredTags.every((tag) => current.tags.some((existing) => existing.Key === tag.Key && existing.Value === tag.Value))) {
    steps.push({
      action: action((current?.tags.length ?? 0) > 0),
      resourceType: 'AWS::S3::BucketTagging',
      resource: bucket,
      detail: desiredTags.map((tag) => `${tag.Key}=${tag.Value}`).join(', '),
      apply: async (applyContext) => {
        const latest = exists ? await readTags(applyContext.clients, bucket) : [];
        const others = latest.filter((tag) => !desiredTags.some((own) => own.Key === tag.Key));
        await applyContext.clients.s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [...others, ...desiredTags] } }));
      },
    });
  }
  return steps;
}

interface BucketSettings {
  publicAccessBlock?: PublicAccessBlockConfiguration;
  encryption?: ServerSideEncryptionConfiguration;
  policy?: PolicyDocument;
  tags: Tag[];
}

async function readBucketSettings(clients: AwsClients, bucket: string): Promise<BucketSettings> {
  const publicAccessBlock = await readAbsentAsUndefined(async () =>
    (await clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration,
  );
  const encryption = await readAbsentAsUndefined(async () =>
    (await clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration,
  );
  return { publicAccessBlock, encryption, policy: await readPolicy(clients, bucket), tags: await readTags(clients, bucket) };
}

async function readPolicy(clients: AwsClients, bucket: string): Promise<PolicyDocument | undefined> {
  const text = await readAbsentAsUndefined(async () => (await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy);
  return text ? (parsePolicyDocument(text) as PolicyDocument) : undefined;
}

async function readTags(clients: AwsClients, bucket: string): Promise<Tag[]> {
  return (await readAbsentAsUndefined(async () => (await clients.s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet)) ?? [];
}

/**
 * Runs `read` and returns undefined on a 404. S3 returns 404 with a code per subresource when the
 * bucket has no such configuration (NoSuchPublicAccessBlockConfiguration,
 * ServerSideEncryptionConfigurationNotFoundError, NoSuchBucketPolicy, NoSuchTagSet). The SDK has
 * no error classes for them, so the status decides.
 */
async function readAbsentAsUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isAwsError(error, [], 404)) return undefined;
    throw error;
  }
}

function samePublicAccessBlock(current: PublicAccessBlockConfiguration | undefined): boolean {
  return current !== undefined && Object.entries(PUBLIC_ACCESS_BLOCK).every(([flag, value]) => current[flag as keyof PublicAccessBlockConfiguration] === value);
}

function sameEncryption(current: ServerSideEncryptionConfiguration | undefined): boolean {
  const rules = current?.Rules ?? [];
  return rules.length === 1 && rules[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm === 'AES256';
}

function describeEncryption(current: ServerSideEncryptionConfiguration): string {
  return (current.Rules ?? []).map((rule) => rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? 'unknown').join(', ') || 'no rule';
}

function statementsOf(policy: PolicyDocument | undefined): Record<string, unknown>[] {
  const statements = policy?.Statement as unknown;
  if (Array.isArray(statements)) return statements as Record<string, unknown>[];
  return statements ? [statements as Record<string, unknown>] : [];
}

function hasStatement(policy: PolicyDocument | undefined, statement: Record<string, unknown>): boolean {
  return statementsOf(policy).some((existing) => samePolicy(normalizeStatement(existing), normalizeStatement(statement)));
}

/** Makes single values and one-element lists compare equal, as IAM treats them. */
function normalizeStatement(statement: Record<string, unknown>): Record<string, unknown> {
  const normalized: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(statement)) normalized[key] = Array.isArray(value) && value.length === 1 ? value[0] : value;
  return normalized;
}

function withStatement(policy: PolicyDocument | undefined, statement: Record<string, unknown>): PolicyDocument {
  const others = statementsOf(policy).filter((existing) => existing.Sid !== statement.Sid);
  return { ...(policy ?? {}), Version: policy?.Version ?? '2012-10-17', Statement: [...others, statement] };
}
