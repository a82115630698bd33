import type { S3Backend } from './backend.js';
import { deleteBucketConfiguration, readBucketConfiguration, writeBucketConfiguration } from './bucket-configuration.js';
import { NoSuchPublicAccessBlockConfiguration } from './errors.js';

/**
 * PutPublicAccessBlock, GetPublicAccessBlock and DeletePublicAccessBlock for one bucket.
 * A setting left out of the request is stored as false, as S3 does. BlockPublicPolicy is
 * enforced by PutBucketPolicy; the ACL settings have nothing to act on, because buckets
 * here accept only the private ACL.
 */

export interface PublicAccessBlockConfiguration {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export function PutPublicAccessBlock(backend: S3Backend, bucket: string, configuration: PublicAccessBlockConfiguration): void {
  writeBucketConfiguration(backend, bucket, 'publicAccessBlock', configuration);
}

/**
 * Returns the bucket's public access block. Throws `NoSuchPublicAccessBlockConfiguration`
 * when it has none, unless `allowMissing`, which returns undefined instead.
 */
export function GetPublicAccessBlock(backend: S3Backend, bucket: string, options: { allowMissing: true }): PublicAccessBlockConfiguration | undefined;
export function GetPublicAccessBlock(backend: S3Backend, bucket: string): PublicAccessBlockConfiguration;
export function GetPublicAccessBlock(
  backend: S3Backend,
  bucket: string,
  options: { allowMissing?: boolean } = {},
): PublicAccessBlockConfiguration | undefined {
  const configuration = readBucketConfiguration<PublicAccessBlockConfiguration>(backend, bucket, 'publicAccessBlock');
  if (!configuration && !options.allowMissing) throw new NoSuchPublicAccessBlockConfiguration(bucket);
  return configuration;
}

export function DeletePublicAccessBlock(backend: S3Backend, bucket: string): void {
  deleteBucketConfiguration(backend, bucket, 'publicAccessBlock');
}
