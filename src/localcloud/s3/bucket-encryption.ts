import type { S3Backend } from './backend.js';
import { deleteBucketConfiguration, readBucketConfiguration, writeBucketConfiguration } from './bucket-configuration.js';
import { InvalidArgument, MalformedXML } from './errors.js';

/**
 * PutBucketEncryption, GetBucketEncryption and DeleteBucketEncryption. Since January 2023
 * every S3 bucket has default encryption: a bucket with no configuration of its own reports
 * SSE-S3 (`AES256`), and deleting a configuration returns the bucket to that default.
 *
 * NOTE: the setting is stored and reported only. Objects are stored unencrypted on local
 * disk, and object responses report `x-amz-server-side-encryption: AES256` whatever the
 * bucket's setting, so an `aws:kms` bucket does not report its key on objects.
 */

export type SseAlgorithm = 'AES256' | 'aws:kms' | 'aws:kms:dsse';

const SSE_ALGORITHMS: ReadonlySet<string> = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);

/** One rule of a bucket's default encryption; S3 allows exactly one. */
export interface ServerSideEncryptionRule {
  sseAlgorithm: SseAlgorithm;
  /** Only with `aws:kms` or `aws:kms:dsse`; absent means the AWS managed key `aws/s3`. */
  kmsMasterKeyId?: string;
  bucketKeyEnabled: boolean;
}

/** A rule as the request carried it, before validation. */
export interface ServerSideEncryptionRuleInput {
  sseAlgorithm?: string;
  kmsMasterKeyId?: string;
  bucketKeyEnabled?: boolean;
}

/** The configuration every bucket has until PutBucketEncryption replaces it. */
export const DEFAULT_ENCRYPTION_RULE: ServerSideEncryptionRule = { sseAlgorithm: 'AES256', bucketKeyEnabled: false };

export function PutBucketEncryption(backend: S3Backend, bucket: string, rules: ServerSideEncryptionRuleInput[]): void {
  const rule = validateRules(rules);
  writeBucketConfiguration(backend, bucket, 'encryption', rule);
}

/** Returns the bucket's encryption rule, which is SSE-S3 for a bucket that never had one set. */
export function GetBucketEncryption(backend: S3Backend, bucket: string): ServerSideEncryptionRule {
  return readBucketConfiguration<ServerSideEncryptionRule>(backend, bucket, 'encryption') ?? DEFAULT_ENCRYPTION_RULE;
}

export function DeleteBucketEncryption(backend: S3Backend, bucket: string): void {
  deleteBucketConfiguration(backend, bucket, 'encryption');
}

function validateRules(rules: ServerSideEncryptionRuleInput[]): ServerSideEncryptionRule {
  if (rules.length !== 1) {
    throw new MalformedXML(`a ServerSideEncryptionConfiguration must contain exactly one <Rule>, not ${rules.length}.`);
  }

  const rule = rules[0]!;
  if (rule.sseAlgorithm === undefined) throw new MalformedXML('the <Rule> needs <ApplyServerSideEncryptionByDefault><SSEAlgorithm>.');
  if (!SSE_ALGORITHMS.has(rule.sseAlgorithm)) {
    throw new MalformedXML(`SSEAlgorithm "${rule.sseAlgorithm}" is not one of AES256, aws:kms, aws:kms:dsse.`);
  }
  if (rule.kmsMasterKeyId !== undefined && rule.sseAlgorithm === 'AES256') {
    throw new InvalidArgument(
      'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
      'ApplyServerSideEncryptionByDefault',
      rule.kmsMasterKeyId,
    );
  }
  if (rule.kmsMasterKeyId === '') throw new InvalidArgument('KMSMasterKeyID must not be empty; omit it to use the aws/s3 key.', 'KMSMasterKeyID', '');

  return {
    sseAlgorithm: rule.sseAlgorithm as SseAlgorithm,
    kmsMasterKeyId: rule.kmsMasterKeyId,
    bucketKeyEnabled: rule.bucketKeyEnabled ?? false,
  };
}
