import { createHash, randomBytes, randomInt } from 'node:crypto';

import type { RoleDirectory, TemporaryCredentials } from '../contracts.js';
import { AwsError } from '../errors.js';
import type { Authorize } from '../request.js';
import { AccessDeniedError, MalformedPolicyDocumentError, PackedPolicyTooLargeError, ValidationError } from './errors.js';
import type { IssuedCredentials, StsStore } from './store.js';

/** Store, account, IAM's roles, clock and caller's authorization check that STS operations run with. */
export interface StsScope {
  store: StsStore;
  accountId: string;
  roles: RoleDirectory;
  now(): Date;
  /** Throws AccessDenied when IAM enforcement denies the caller an action on a resource. */
  authorize: Authorize;
}

/** Identity behind a request's access key, as GetCallerIdentity and IAM enforcement see it. */
export interface Principal {
  arn: string;
  userId: string;
  /** The role's ARN for keys that STS issued for a role session. */
  roleArn?: string;
  /** When the key stops being valid; only keys that STS issued expire. */
  expiration?: Date;
}

export interface AssumeRoleInput {
  RoleArn: string;
  RoleSessionName: string;
  DurationSeconds?: number;
  Policy?: string;
  PolicyArns?: string[];
  Tags?: { Key: string; Value: string }[];
  ExternalId?: string;
  SourceIdentity?: string;
}

export interface AssumeRoleOutput {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date };
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  SourceIdentity?: string;
}

const DEFAULT_DURATION_SECONDS = 3600;
/** Maximum session that a role session may get by assuming another role (role chaining): 1 hour. */
const ROLE_CHAINING_MAX_SECONDS = 3600;
/** Session policy plaintext limit, from the AssumeRole reference: 2,048 characters. */
export const MAX_SESSION_POLICY_CHARACTERS = 2048;
/** How long the credentials of a Lambda execution environment last, as in Lambda: 12 hours. */
export const EXECUTION_ROLE_DURATION_SECONDS = 43_200;
const SESSION_NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\u0021-\u007E]*\/)?([\w+=,.@-]{1,64})$/;
const ID_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Returns the account, user id and ARN of the caller's access key. */
export function GetCallerIdentity(scope: StsScope, accessKeyId: string): { UserId: string; Account: string; Arn: string } {
  if (!accessKeyId) throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);

  const principal = principalFor(scope, accessKeyId);
  if (principal.expiration && principal.expiration.getTime() <= scope.now().getTime()) {
    throw new AwsError('ExpiredToken', 'The security token included in the request is expired', 400);
  }
  return { UserId: principal.userId, Account: scope.accountId, Arn: principal.arn };
}

/**
 * Issues temporary credentials for a role session to the caller with `callerAccessKeyId`.
 * The role must exist. A missing role gets
 * AccessDenied, as in STS, which does not reveal which roles exist.
 * NOTE: the role's trust policy and the session policy are not evaluated, so any caller may
 * assume any existing role.
 */
export function AssumeRole(scope: StsScope, input: AssumeRoleInput, callerAccessKeyId: string): AssumeRoleOutput {
  checkRoleArn(input.RoleArn);
  checkSessionName(input.RoleSessionName);
  const durationSeconds = input.DurationSeconds ?? DEFAULT_DURATION_SECONDS;
  checkDuration(durationSeconds);
  if (input.Policy !== undefined) checkSessionPolicy(input.Policy);
  const packedPolicySize = packedSessionSize(input);
  scope.authorize('sts:AssumeRole', input.RoleArn);

  const caller = principalFor(scope, callerAccessKeyId);
  const role = scope.roles.getRole(input.RoleArn);
  if (!role) {
    throw new AccessDeniedError(`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
  }
  if (caller.roleArn !== undefined && durationSeconds > ROLE_CHAINING_MAX_SECONDS) {
    throw new ValidationError(
      `The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining (${caller.arn} is a role session).`,
    );
  }
  if (durationSeconds > role.maxSessionDurationSeconds) {
    throw new ValidationError(
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (${role.maxSessionDurationSeconds} seconds).`,
    );
  }

  const issued = issue(scope, { roleArn: role.arn, roleId: role.roleId, sessionName: input.RoleSessionName, durationSeconds });
  return {
    Credentials: {
      AccessKeyId: issued.accessKeyId,
      SecretAccessKey: issued.secretAccessKey,
      SessionToken: issued.sessionToken,
      Expiration: issued.expiration,
    },
    AssumedRoleUser: { AssumedRoleId: `${issued.roleId}:${issued.sessionName}`, Arn: assumedRoleArn(scope.accountId, issued) },
    PackedPolicySize: packedPolicySize,
    SourceIdentity: input.SourceIdentity,
  };
}

/**
 * Issues credentials for a Lambda execution environment, lasting 12 hours. A role that IAM
 * does not know still gets credentials, with a role id derived from its ARN, because the
 * Lambda provider decides whether a function's role is acceptable.
 */
export function issueRoleCredentials(scope: StsScope, roleArn: string, sessionName: string): TemporaryCredentials {
  checkRoleArn(roleArn);
  checkSessionName(sessionName);

  const role = scope.roles.getRole(roleArn);
  const roleId = role?.roleId ?? derivedRoleId(roleArn);
  const issued = issue(scope, { roleArn: role?.arn ?? roleArn, roleId, sessionName, durationSeconds: EXECUTION_ROLE_DURATION_SECONDS });
  return {
    accessKeyId: issued.accessKeyId,
    secretAccessKey: issued.secretAccessKey,
    sessionToken: issued.sessionToken,
    expiration: issued.expiration,
  };
}

/**
 * Finds who an access key belongs to: the assumed-role session for keys that STS issued,
 * the account's root user for any other key (the local cloud accepts any credentials).
 */
export function principalFor(scope: Pick<StsScope, 'store' | 'accountId'>, accessKeyId: string): Principal {
  const issued = scope.store.find(accessKeyId);
  if (!issued) return { arn: `arn:aws:iam::${scope.accountId}:root`, userId: scope.accountId };

  return {
    arn: assumedRoleArn(scope.accountId, issued),
    userId: `${issued.roleId}:${issued.sessionName}`,
    roleArn: issued.roleArn,
    expiration: issued.expiration,
  };
}

function issue(
  scope: StsScope,
  session: { roleArn: string; roleId: string; sessionName: string; durationSeconds: number },
): IssuedCredentials {
  const issuedAt = scope.now();
  const credentials: IssuedCredentials = {
    accessKeyId: newId('ASIA', 16),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(180).toString('base64'),
    roleArn: session.roleArn,
    roleId: session.roleId,
    sessionName: session.sessionName,
    expiration: new Date(issuedAt.getTime() + session.durationSeconds * 1000),
    issuedAt,
  };
  scope.store.insert(credentials);
  return credentials;
}

/** `arn:aws:sts::<account>:assumed-role/<role name>/<session>`; the role's path is not part of it. */
function assumedRoleArn(accountId: string, issued: Pick<IssuedCredentials, 'roleArn' | 'sessionName'>): string {
  const roleName = issued.roleArn.slice(issued.roleArn.lastIndexOf('/') + 1);
  return `arn:aws:sts::${accountId}:assumed-role/${roleName}/${issued.sessionName}`;
}

function checkRoleArn(roleArn: string): void {
  if (roleArn.length < 20 || roleArn.length > 2048 || !ROLE_ARN_PATTERN.test(roleArn)) {
    throw new ValidationError(`${roleArn} is not a valid role ARN: expected arn:aws:iam::<account>:role/<name>.`);
  }
}

function checkSessionName(sessionName: string): void {
  if (!SESSION_NAME_PATTERN.test(sessionName)) {
    throw new ValidationError(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: ` +
        'Member must be 2 to 64 characters of [\\w+=,.@-]',
    );
  }
}

function checkDuration(durationSeconds: number): void {
  const constraint =
    durationSeconds < 900 ? 'Member must have value greater than or equal to 900' :
    durationSeconds > 43200 ? 'Member must have value less than or equal to 43200' : undefined;
  if (constraint) {
    throw new ValidationError(`1 validation error detected: Value '${durationSeconds}' at 'durationSeconds' failed to satisfy constraint: ${constraint}`);
  }
}

function checkSessionPolicy(policy: string): void {
  if (policy.length > MAX_SESSION_POLICY_CHARACTERS) {
    throw new ValidationError(
      `1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SESSION_POLICY_CHARACTERS}`,
    );
  }

  try {
    const parsed: unknown = JSON.parse(policy);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
  } catch (error) {
    throw new MalformedPolicyDocumentError('The session policy is not a valid JSON policy document.', { cause: error });
  }
}

/**
 * Returns PackedPolicySize, the percentage of the packed limit that the session policy,
 * policy ARNs and session tags use, or undefined when the request passes none of them.
 * NOTE: AWS's packed binary format is not documented, so this is an estimate: the characters
 * of the policy without whitespace, the ARNs and the tags, against 2,048 characters.
 */
function packedSessionSize(input: AssumeRoleInput): number | undefined {
  if (input.Policy === undefined && !input.PolicyArns?.length && !input.Tags?.length) return undefined;

  const policy = input.Policy?.replace(/\s/g, '') ?? '';
  const tags = (input.Tags ?? []).map((tag) => tag.Key + tag.Value);
  const characters = [policy, ...(input.PolicyArns ?? []), ...tags].reduce((sum, part) => sum + part.length, 0);
  const percentage = Math.ceil((100 * characters) / MAX_SESSION_POLICY_CHARACTERS);
  if (percentage > 100) {
    throw new PackedPolicyTooLargeError(`Packed size of the session policies and tags is ${percentage}% of the limit; pass shorter policies or fewer tags.`);
  }
  return percentage;
}

function newId(prefix: string, length: number): string {
  let id = prefix;
  for (let i = 0; i < length; i++) id += ID_CHARACTERS[randomInt(ID_CHARACTERS.length)];
  return id;
}

function derivedRoleId(roleArn: string): string {
  const digest = createHash('sha256').update(roleArn).digest();
  let id = 'AROA';
  for (let i = 0; i < 17; i++) id += ID_CHARACTERS[digest[i]! % ID_CHARACTERS.length];
  return id;
}
