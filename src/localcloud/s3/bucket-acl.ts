import type { S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { AccessControlListNotSupported } from './errors.js';

/**
 * GetBucketAcl and PutBucketAcl for buckets with S3's default object ownership since April
 * 2023, BucketOwnerEnforced: ACLs are disabled, the owner has FULL_CONTROL, and a request to
 * change the ACL succeeds only when it keeps exactly that.
 */

/** The canned ACLs that leave a bucket owner-only, which an ACL-disabled bucket accepts. */
const OWNER_ONLY_CANNED_ACLS: ReadonlySet<string> = new Set(['private', 'bucket-owner-full-control']);

export interface Grant {
  granteeId: string;
  permission: string;
}

export interface BucketAcl {
  ownerId: string;
  grants: Grant[];
}

/** Returns the bucket's ACL: one grant of FULL_CONTROL to the owner. */
export function GetBucketAcl(backend: S3Backend, bucket: string): BucketAcl {
  requireBucket(backend, bucket);
  return { ownerId: backend.ownerId, grants: [{ granteeId: backend.ownerId, permission: 'FULL_CONTROL' }] };
}

/**
 * Accepts an ACL that grants only the owner FULL_CONTROL (the `private` canned ACL, or an
 * explicit grant list saying so) and changes nothing. Anything else fails with
 * `AccessControlListNotSupported`, as it does on an S3 bucket with ACLs disabled.
 */
export function PutBucketAcl(backend: S3Backend, bucket: string, acl: { cannedAcl?: string; grants?: Grant[] }): void {
  requireBucket(backend, bucket);
  if (acl.cannedAcl !== undefined && !OWNER_ONLY_CANNED_ACLS.has(acl.cannedAcl)) throw new AccessControlListNotSupported();
  if (acl.grants !== undefined && !acl.grants.every((grant) => grant.granteeId === backend.ownerId && grant.permission === 'FULL_CONTROL')) {
    throw new AccessControlListNotSupported();
  }
}
