import { AwsError } from '../../errors.js';
import type { S3HttpContext } from './context.js';
import { header } from './headers.js';
import { parseCopySource } from './object-handlers.js';

/**
 * The IAM action and resource that each S3 operation is authorized against, as the S3
 * documentation's "actions, resources and condition keys" table assigns them. Reading or
 * deleting a named version needs the `…Version` action; a copy also needs read access to
 * its source. Deleting a bucket configuration needs the matching `Put…` action, except for
 * the policy, which has s3:DeleteBucketPolicy.
 */

type ResourceKind = 'account' | 'bucket' | 'object';

const ACTIONS: Record<string, { action: string; versionAction?: string; resource: ResourceKind }> = {
  ListBuckets: { action: 's3:ListAllMyBuckets', resource: 'account' },
  CreateBucket: { action: 's3:CreateBucket', resource: 'bucket' },
  DeleteBucket: { action: 's3:DeleteBucket', resource: 'bucket' },
  HeadBucket: { action: 's3:ListBucket', resource: 'bucket' },
  GetBucketLocation: { action: 's3:GetBucketLocation', resource: 'bucket' },
  PutBucketVersioning: { action: 's3:PutBucketVersioning', resource: 'bucket' },
  GetBucketVersioning: { action: 's3:GetBucketVersioning', resource: 'bucket' },
  PutBucketNotificationConfiguration: { action: 's3:PutBucketNotification', resource: 'bucket' },
  GetBucketNotificationConfiguration: { action: 's3:GetBucketNotification', resource: 'bucket' },
  PutBucketPolicy: { action: 's3:PutBucketPolicy', resource: 'bucket' },
  GetBucketPolicy: { action: 's3:GetBucketPolicy', resource: 'bucket' },
  DeleteBucketPolicy: { action: 's3:DeleteBucketPolicy', resource: 'bucket' },
  GetBucketPolicyStatus: { action: 's3:GetBucketPolicyStatus', resource: 'bucket' },
  PutPublicAccessBlock: { action: 's3:PutBucketPublicAccessBlock', resource: 'bucket' },
  GetPublicAccessBlock: { action: 's3:GetBucketPublicAccessBlock', resource: 'bucket' },
  DeletePublicAccessBlock: { action: 's3:PutBucketPublicAccessBlock', resource: 'bucket' },
  PutBucketEncryption: { action: 's3:PutEncryptionConfiguration', resource: 'bucket' },
  GetBucketEncryption: { action: 's3:GetEncryptionConfiguration', resource: 'bucket' },
  DeleteBucketEncryption: { action: 's3:PutEncryptionConfiguration', resource: 'bucket' },
  PutBucketLifecycleConfiguration: { action: 's3:PutLifecycleConfiguration', resource: 'bucket' },
  GetBucketLifecycleConfiguration: { action: 's3:GetLifecycleConfiguration', resource: 'bucket' },
  DeleteBucketLifecycle: { action: 's3:PutLifecycleConfiguration', resource: 'bucket' },
  PutBucketTagging: { action: 's3:PutBucketTagging', resource: 'bucket' },
  GetBucketTagging: { action: 's3:GetBucketTagging', resource: 'bucket' },
  DeleteBucketTagging: { action: 's3:PutBucketTagging', resource: 'bucket' },
  PutBucketAcl: { action: 's3:PutBucketAcl', resource: 'bucket' },
  GetBucketAcl: { action: 's3:GetBucketAcl', resource: 'bucket' },
  PutBucketCors: { action: 's3:PutBucketCORS', resource: 'bucket' },
  GetBucketCors: { action: 's3:GetBucketCORS', resource: 'bucket' },
  DeleteBucketCors: { action: 's3:PutBucketCORS', resource: 'bucket' },
  ListObjects: { action: 's3:ListBucket', resource: 'bucket' },
  ListObjectsV2: { action: 's3:ListBucket', resource: 'bucket' },
  ListObjectVersions: { action: 's3:ListBucketVersions', resource: 'bucket' },
  ListMultipartUploads: { action: 's3:ListBucketMultipartUploads', resource: 'bucket' },
  GetObject: { action: 's3:GetObject', versionAction: 's3:GetObjectVersion', resource: 'object' },
  HeadObject: { action: 's3:GetObject', versionAction: 's3:GetObjectVersion', resource: 'object' },
  PutObject: { action: 's3:PutObject', resource: 'object' },
  CopyObject: { action: 's3:PutObject', resource: 'object' },
  DeleteObject: { action: 's3:DeleteObject', versionAction: 's3:DeleteObjectVersion', resource: 'object' },
  CreateMultipartUpload: { action: 's3:PutObject', resource: 'object' },
  UploadPart: { action: 's3:PutObject', resource: 'object' },
  UploadPartCopy: { action: 's3:PutObject', resource: 'object' },
  CompleteMultipartUpload: { action: 's3:PutObject', resource: 'object' },
  AbortMultipartUpload: { action: 's3:AbortMultipartUpload', resource: 'object' },
  ListParts: { action: 's3:ListMultipartUploadParts', resource: 'object' },
};

/** Builds the ARN of a bucket, or of an object when a key is given. */
export function s3Arn(bucket: string, key?: string): string {
  return key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
}

/**
 * Runs the request's IAM check for an operation. DeleteObjects is checked per key by its
 * handler, because S3 reports a denied key as an error entry and deletes the others.
 */
export function authorizeOperation(context: S3HttpContext, operation: string): void {
  const rule = ACTIONS[operation];
  if (!rule) return;

  const versionId = context.request.query.get('versionId');
  const action = versionId !== null && rule.versionAction ? rule.versionAction : rule.action;
  context.request.authorize(action, resourceOf(rule.resource, context));

  if (operation === 'CopyObject' || operation === 'UploadPartCopy') authorizeCopySource(context);
}

/** Checks s3:DeleteObject (or s3:DeleteObjectVersion) on one key; returns the denial instead of throwing. */
export function deleteDenial(context: S3HttpContext, key: string, versionId: string | undefined): AwsError | undefined {
  try {
    context.request.authorize(versionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion', s3Arn(context.bucket, key));
    return undefined;
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
}

function resourceOf(kind: ResourceKind, context: S3HttpContext): string {
  if (kind === 'account') return '*';
  if (kind === 'bucket') return s3Arn(context.bucket);
  return s3Arn(context.bucket, context.key);
}

function authorizeCopySource(context: S3HttpContext): void {
  const source = parseCopySource(header(context.request, 'x-amz-copy-source') ?? '');
  const action = source.versionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion';
  context.request.authorize(action, s3Arn(source.bucket, source.key));
}
