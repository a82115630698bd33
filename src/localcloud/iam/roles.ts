import { randomInt } from 'node:crypto';

import type { Authorize } from '../request.js';
import { DeleteConflictError, EntityAlreadyExistsError, InvalidInputError, LimitExceededError, NoSuchEntityError, ValidationError } from './errors.js';
import { encodePolicyDocument, parsePolicyDocument } from './policy-document.js';
import type { IamStore, RoleRecord, RoleTag } from './store.js';

/** The account, clock and caller's authorization check that IAM operations run with. */
export interface IamScope {
  store: IamStore;
  accountId: string;
  now(): Date;
  /** Throws AccessDenied when IAM enforcement denies the caller an action on a resource. */
  authorize: Authorize;
}

/** A role as CreateRole, GetRole and ListRoles return it; policy documents are URL-encoded, as IAM sends them. */
export interface Role {
  Path: string;
  RoleName: string;
  RoleId: string;
  Arn: string;
  CreateDate: Date;
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags?: RoleTag[];
  /** Always empty, because the local IAM does not track role use; GetRole returns it, as IAM does. */
  RoleLastUsed?: Record<string, never>;
}

export interface CreateRoleInput {
  RoleName: string;
  AssumeRolePolicyDocument: string;
  Path?: string;
  Description?: string;
  MaxSessionDuration?: number;
  Tags?: RoleTag[];
}

/** Maximum number of tags on one IAM role. */
export const MAX_TAGS_PER_ROLE = 50;
const NAME_PATTERN = /^[\w+=,.@-]+$/;
const PATH_PATTERN = /^(\/|\/[\u0021-\u007E]+\/)$/;
const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const ID_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Creates a role with a trust policy; the name must be new, compared without case. */
export function CreateRole(scope: IamScope, input: CreateRoleInput): { Role: Role } {
  checkName('RoleName', input.RoleName, 64);
  const path = input.Path ?? '/';
  checkPath(path);
  checkLength('AssumeRolePolicyDocument', input.AssumeRolePolicyDocument, 1, 131072);
  parsePolicyDocument(input.AssumeRolePolicyDocument, 'trust');
  if (input.Description !== undefined) checkLength('Description', input.Description, 0, 1000);
  const maxSessionDurationSeconds = input.MaxSessionDuration ?? 3600;
  checkRange('MaxSessionDuration', maxSessionDurationSeconds, 3600, 43200);
  const tags = input.Tags ?? [];
  checkTags(tags, 0);

  scope.authorize('iam:CreateRole', roleArn(scope.accountId, { path, roleName: input.RoleName }));
  const role: RoleRecord = {
    roleName: input.RoleName,
    roleId: newUniqueId('AROA'),
    path,
    description: input.Description,
    assumeRolePolicyDocument: input.AssumeRolePolicyDocument,
    maxSessionDurationSeconds,
    createdAt: scope.now(),
  };
  if (!scope.store.insertRole(role, tags)) throw new EntityAlreadyExistsError(`Role with name ${input.RoleName} already exists.`);
  return { Role: toRole(scope, role, scope.store.listTags(role.roleName)) };
}

/** Returns a role with its tags. */
export function GetRole(scope: IamScope, input: { RoleName: string }): { Role: Role } {
  const role = requireRole(scope, input.RoleName, 'iam:GetRole');
  return { Role: { ...toRole(scope, role, scope.store.listTags(role.roleName)), RoleLastUsed: {} } };
}

/** Changes a role's description or maximum session duration (3600–43200 seconds). */
export function UpdateRole(scope: IamScope, input: { RoleName: string; Description?: string; MaxSessionDuration?: number }): void {
  if (input.Description !== undefined) checkLength('Description', input.Description, 0, 1000);
  if (input.MaxSessionDuration !== undefined) checkRange('MaxSessionDuration', input.MaxSessionDuration, 3600, 43200);
  const role = requireRole(scope, input.RoleName, 'iam:UpdateRole');

  scope.store.updateRole(role.roleName, { description: input.Description, maxSessionDurationSeconds: input.MaxSessionDuration });
}

/** Replaces a role's trust policy. */
export function UpdateAssumeRolePolicy(scope: IamScope, input: { RoleName: string; PolicyDocument: string }): void {
  checkLength('PolicyDocument', input.PolicyDocument, 1, 131072);
  const role = requireRole(scope, input.RoleName, 'iam:UpdateAssumeRolePolicy');
  parsePolicyDocument(input.PolicyDocument, 'trust');

  scope.store.setTrustPolicy(role.roleName, input.PolicyDocument);
}

/** Deletes a role that has no inline or attached policies left. */
export function DeleteRole(scope: IamScope, input: { RoleName: string }): void {
  const role = requireRole(scope, input.RoleName, 'iam:DeleteRole');
  if (scope.store.listRolePolicies(role.roleName).length > 0) {
    throw new DeleteConflictError('Cannot delete entity, must delete policies first.');
  }
  if (scope.store.listAttachedPolicyArns(role.roleName).length > 0) {
    throw new DeleteConflictError('Cannot delete entity, must detach all policies first.');
  }

  scope.store.deleteRole(role.roleName);
}

/**
 * Lists roles by name whose path starts with `PathPrefix`, `MaxItems` (1–1000, default 100)
 * at a time. As in IAM, the listed roles carry no tags.
 */
export function ListRoles(
  scope: IamScope,
  input: { PathPrefix?: string; Marker?: string; MaxItems?: number },
): { Roles: Role[]; IsTruncated: boolean; Marker?: string } {
  const maxItems = input.MaxItems ?? 100;
  checkRange('MaxItems', maxItems, 1, 1000);
  const afterName = input.Marker === undefined ? '' : decodeMarker(input.Marker);
  scope.authorize('iam:ListRoles', '*');

  const roles = scope.store.listRoles(input.PathPrefix ?? '/', afterName, maxItems + 1);
  const page = roles.slice(0, maxItems);
  const truncated = roles.length > maxItems;
  return {
    Roles: page.map((role) => toRole(scope, role)),
    IsTruncated: truncated,
    Marker: truncated ? encodeMarker(page.at(-1)!.roleName) : undefined,
  };
}

/** Adds tags to a role or replaces their values; a role carries at most 50 tags. */
export function TagRole(scope: IamScope, input: { RoleName: string; Tags: RoleTag[] }): void {
  const role = requireRole(scope, input.RoleName, 'iam:TagRole');
  const existing = scope.store.listTags(role.roleName).map((tag) => tag.Key.toLowerCase());
  const added = input.Tags.filter((tag) => !existing.includes(tag.Key.toLowerCase())).length;
  checkTags(input.Tags, existing.length + added - input.Tags.length);

  scope.store.putTags(role.roleName, input.Tags);
}

/** Removes tags from a role by key; keys the role does not have are ignored. */
export function UntagRole(scope: IamScope, input: { RoleName: string; TagKeys: string[] }): void {
  const role = requireRole(scope, input.RoleName, 'iam:UntagRole');
  scope.store.deleteTags(role.roleName, input.TagKeys);
}

/** Lists a role's tags by key. */
export function ListRoleTags(scope: IamScope, input: { RoleName: string }): { Tags: RoleTag[]; IsTruncated: boolean } {
  const role = requireRole(scope, input.RoleName, 'iam:ListRoleTags');
  return { Tags: scope.store.listTags(role.roleName), IsTruncated: false };
}

/**
 * Finds a role by name after checking that the caller may run `action` on it, so that a
 * denied caller learns nothing about which roles exist. Throws NoSuchEntity with IAM's wording.
 */
export function requireRole(scope: IamScope, roleName: string, action: string): RoleRecord {
  checkName('RoleName', roleName, 64);
  const role = scope.store.getRole(roleName);
  scope.authorize(action, roleArn(scope.accountId, role ?? { path: '/', roleName }));

  if (!role) throw new NoSuchEntityError(`The role with name ${roleName} cannot be found.`);
  return role;
}

/** Builds the ARN of a role: `arn:aws:iam::<account>:role<path><name>`. */
export function roleArn(accountId: string, role: Pick<RoleRecord, 'path' | 'roleName'>): string {
  return `arn:aws:iam::${accountId}:role${role.path}${role.roleName}`;
}

function toRole(scope: IamScope, role: RoleRecord, tags?: RoleTag[]): Role {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: roleArn(scope.accountId, role),
    CreateDate: role.createdAt,
    AssumeRolePolicyDocument: encodePolicyDocument(role.assumeRolePolicyDocument),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDurationSeconds,
    Tags: tags && tags.length > 0 ? tags : undefined,
  };
}

/** Generates a unique id in IAM's form: a 4-letter type prefix and 17 characters of base32. */
export function newUniqueId(prefix: string): string {
  let id = prefix;
  for (let i = 0; i < 17; i++) id += ID_CHARACTERS[randomInt(ID_CHARACTERS.length)];
  return id;
}

/** Checks an IAM name (role, policy): `[\w+=,.@-]`, 1 to `maxLength` characters. */
export function checkName(member: string, value: string, maxLength: number): void {
  checkLength(member, value, 1, maxLength);
  if (!NAME_PATTERN.test(value)) {
    throw validation(member, value, `Member must satisfy regular expression pattern: ${NAME_PATTERN.source.slice(1, -1)}`);
  }
}

function checkPath(path: string): void {
  checkLength('Path', path, 1, 512);
  if (!PATH_PATTERN.test(path)) {
    throw validation('Path', path, 'Member must begin and end with a slash (/) and contain only printable ASCII characters');
  }
}

/** Checks a string parameter's length against its modeled bounds. */
export function checkLength(member: string, value: string, minLength: number, maxLength: number): void {
  if (value.length < minLength) throw validation(member, value, `Member must have length greater than or equal to ${minLength}`);
  if (value.length > maxLength) throw validation(member, undefined, `Member must have length less than or equal to ${maxLength}`);
}

/** Checks an integer parameter against its modeled range. */
export function checkRange(member: string, value: number, min: number, max: number): void {
  if (value < min) throw validation(member, String(value), `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validation(member, String(value), `Member must have value less than or equal to ${max}`);
}

function checkTags(tags: RoleTag[], tagsAlreadyThere: number): void {
  const keys = new Set<string>();
  for (const tag of tags) {
    if (tag.Key === undefined || tag.Value === undefined) throw new InvalidInputError('Every tag needs a Key and a Value.');
    checkLength('Tags.member.Key', tag.Key, 1, 128);
    checkLength('Tags.member.Value', tag.Value, 0, 256);
    if (!TAG_KEY_PATTERN.test(tag.Key)) throw new InvalidInputError(`Tag key '${tag.Key}' contains characters that IAM does not allow in tag keys.`);
    if (tag.Key.toLowerCase().startsWith('aws:')) throw new InvalidInputError(`Tag key '${tag.Key}' is reserved: tag keys beginning with aws: are for AWS use.`);
    if (keys.has(tag.Key.toLowerCase())) throw new InvalidInputError('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    keys.add(tag.Key.toLowerCase());
  }
  if (tagsAlreadyThere + tags.length > MAX_TAGS_PER_ROLE) {
    throw new LimitExceededError(`The number of tags has reached the maximum limit: a role carries at most ${MAX_TAGS_PER_ROLE} tags.`);
  }
}

function validation(member: string, value: string | undefined, constraint: string): InstanceType<typeof ValidationError> {
  const field = member.charAt(0).toLowerCase() + member.slice(1);
  const quotedValue = value === undefined ? '' : ` '${value}'`;
  return new ValidationError(`1 validation error detected: Value${quotedValue} at '${field}' failed to satisfy constraint: ${constraint}`);
}

/** Encodes a list position as an opaque marker. */
export function encodeMarker(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

/** Decodes a marker made by `encodeMarker`; anything else is a ValidationError. */
export function decodeMarker(marker: string): string {
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  if (encodeMarker(text) !== marker) throw new ValidationError(`The marker '${marker}' is not one that a previous response returned.`);
  return text;
}
