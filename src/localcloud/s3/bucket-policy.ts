import type { S3Backend } from './backend.js';
import { deleteBucketConfiguration, readBucketConfiguration, writeBucketConfiguration } from './bucket-configuration.js';
import { MalformedPolicy, NoSuchBucketPolicy, PublicPolicyDenied } from './errors.js';
import { GetPublicAccessBlock } from './public-access-block.js';

/**
 * PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy and GetBucketPolicyStatus. A policy
 * is checked as S3 checks it before storing (valid JSON, a Statement whose entries have an
 * Effect, a Principal, S3 actions and resources inside this bucket) and is returned exactly
 * as it was sent.
 *
 * NOTE: the stored policy is never evaluated. Requests are authorized by the caller's IAM
 * policies alone, when the local cloud enforces IAM at all.
 */

/** S3's limit on the size of a bucket policy. */
export const MAX_POLICY_BYTES = 20 * 1024;

const POLICY_VERSIONS = new Set(['2012-10-17', '2008-10-17']);

interface StoredPolicy {
  document: string;
}

type PolicyStatement = Record<string, unknown>;

/**
 * Validates and stores a bucket policy. When the bucket's public access block sets
 * BlockPublicPolicy, a policy that grants public access is rejected with AccessDenied.
 */
export function PutBucketPolicy(backend: S3Backend, input: { bucket: string; policy: string }): void {
  const statements = validatePolicy(input.policy, input.bucket);

  const publicAccessBlock = GetPublicAccessBlock(backend, input.bucket, { allowMissing: true });
  if (publicAccessBlock?.blockPublicPolicy && statements.some(isPublicStatement)) throw new PublicPolicyDenied(input.bucket);

  writeBucketConfiguration(backend, input.bucket, 'policy', { document: input.policy } satisfies StoredPolicy);
}

/** Returns the bucket's policy document as it was stored, or throws `NoSuchBucketPolicy`. */
export function GetBucketPolicy(backend: S3Backend, bucket: string): { policy: string } {
  const stored = readBucketConfiguration<StoredPolicy>(backend, bucket, 'policy');
  if (!stored) throw new NoSuchBucketPolicy(bucket);
  return { policy: stored.document };
}

export function DeleteBucketPolicy(backend: S3Backend, bucket: string): void {
  deleteBucketConfiguration(backend, bucket, 'policy');
}

/**
 * Reports whether the bucket policy grants public access: an Allow statement for every
 * principal (`"*"` or `{"AWS": "*"}`, or a NotPrincipal) with no Condition.
 *
 * NOTE: S3 counts a conditional statement as non-public only when its conditions pin fixed
 * values (source IPs, accounts, VPC endpoints). Here any condition makes a statement non-public.
 */
export function GetBucketPolicyStatus(backend: S3Backend, bucket: string): { isPublic: boolean } {
  const stored = readBucketConfiguration<StoredPolicy>(backend, bucket, 'policy');
  if (!stored) throw new NoSuchBucketPolicy(bucket);
  return { isPublic: statementsOf(JSON.parse(stored.document) as Record<string, unknown>).some(isPublicStatement) };
}

/** Checks a policy document as S3 does and returns its statements; throws `MalformedPolicy` naming the first problem. */
export function validatePolicy(policy: string, bucket: string): PolicyStatement[] {
  if (Buffer.byteLength(policy) > MAX_POLICY_BYTES) {
    throw new MalformedPolicy(`Policies must be at most ${MAX_POLICY_BYTES} bytes; this one has ${Buffer.byteLength(policy)}.`);
  }

  const document = parsePolicyJson(policy);
  if (document.Version !== undefined && !POLICY_VERSIONS.has(String(document.Version))) {
    throw new MalformedPolicy(`The policy Version "${String(document.Version)}" is not valid; use "2012-10-17".`);
  }
  if (document.Statement === undefined) throw new MalformedPolicy('Missing required field Statement');

  const statements = statementsOf(document);
  if (statements.length === 0) throw new MalformedPolicy('Missing required field Statement: the Statement list is empty.');
  const sids = new Set<string>();
  for (const statement of statements) {
    validateStatement(statement, bucket);
    if (typeof statement.Sid === 'string' && sids.has(statement.Sid)) {
      throw new MalformedPolicy(`Statement IDs (SID) in a single policy must be unique; "${statement.Sid}" appears twice.`);
    }
    if (typeof statement.Sid === 'string') sids.add(statement.Sid);
  }
  return statements;
}

function parsePolicyJson(policy: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    throw new MalformedPolicy('This policy contains invalid Json');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new MalformedPolicy('This policy contains invalid Json: the document must be a JSON object.');
  }
  return document as Record<string, unknown>;
}

function statementsOf(document: Record<string, unknown>): PolicyStatement[] {
  const statement = document.Statement;
  let list: unknown[] = [];
  if (Array.isArray(statement)) list = statement;
  else if (statement !== undefined) list = [statement];
  return list.map((entry) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new MalformedPolicy('Each entry of Statement must be a JSON object.');
    }
    return entry as PolicyStatement;
  });
}

function validateStatement(statement: PolicyStatement, bucket: string): void {
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    throw new MalformedPolicy(statement.Effect === undefined ? 'Missing required field Effect' : `Invalid effect: ${String(statement.Effect)}`);
  }
  if (statement.Principal === undefined && statement.NotPrincipal === undefined) throw new MalformedPolicy('Missing required field Principal');

  const actions = stringsOf(statement.Action ?? statement.NotAction);
  if (actions === undefined) throw new MalformedPolicy('Missing required field Action');
  const invalidAction = actions.find((action) => action !== '*' && !/^s3:[A-Za-z*?]+$/i.test(action));
  if (invalidAction !== undefined) throw new MalformedPolicy(`Policy has invalid action: "${invalidAction}" is not an S3 action.`);

  const resources = stringsOf(statement.Resource ?? statement.NotResource);
  if (resources === undefined) throw new MalformedPolicy('Missing required field Resource');
  const invalidResource = resources.find((resource) => !resourceCoversBucket(resource, bucket));
  if (invalidResource !== undefined) {
    throw new MalformedPolicy(`Policy has invalid resource: "${invalidResource}" is not arn:aws:s3:::${bucket} or an object ARN inside it.`);
  }
}

/** Reads a policy element that is a string or a list of strings; undefined when it is absent or contains anything else. */
function stringsOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}

/** True for `arn:aws:s3:::<bucket pattern>[/<key pattern>]` whose bucket pattern matches this bucket. */
function resourceCoversBucket(resource: string, bucket: string): boolean {
  const match = /^arn:aws:s3:::([^/]+)(\/.*)?$/.exec(resource);
  if (!match) return false;
  return wildcardPattern(match[1]!).test(bucket);
}

function wildcardPattern(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

function isPublicStatement(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow' || statement.Condition !== undefined) return false;
  if (statement.NotPrincipal !== undefined) return true;

  const principal = statement.Principal;
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const aws = (principal as Record<string, unknown>).AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}
