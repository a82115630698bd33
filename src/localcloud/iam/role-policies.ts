import { InvalidInputError, LimitExceededError, NoSuchEntityError } from './errors.js';
import { findManagedPolicy } from './managed-policies.js';
import { encodePolicyDocument, parsePolicyDocument } from './policy-document.js';
import type { IamScope } from './roles.js';
import { checkLength, checkName, requireRole } from './roles.js';

/** IAM's quota on the summed size of a role's inline policies, in characters without whitespace. */
export const MAX_INLINE_POLICY_CHARACTERS = 10_240;
/** IAM's default quota of managed policies attached to one role. */
export const MAX_ATTACHED_POLICIES_PER_ROLE = 10;
const POLICY_ARN_PATTERN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/(?:[\u0021-\u007E]+\/)?[\w+=,.@-]+$/;

/** Adds or replaces an inline policy of a role. */
export function PutRolePolicy(scope: IamScope, input: { RoleName: string; PolicyName: string; PolicyDocument: string }): void {
  checkName('PolicyName', input.PolicyName, 128);
  checkLength('PolicyDocument', input.PolicyDocument, 1, 131072);
  const role = requireRole(scope, input.RoleName, 'iam:PutRolePolicy');
  parsePolicyDocument(input.PolicyDocument, 'permissions');

  const others = scope.store.listRolePolicies(role.roleName).filter((policy) => policy.policyName !== input.PolicyName);
  const size = [...others.map((policy) => policy.document), input.PolicyDocument].reduce((sum, document) => sum + policySize(document), 0);
  if (size > MAX_INLINE_POLICY_CHARACTERS) {
    throw new LimitExceededError(`Maximum policy size of ${MAX_INLINE_POLICY_CHARACTERS} bytes exceeded for role ${role.roleName}`);
  }

  scope.store.putRolePolicy(role.roleName, input.PolicyName, input.PolicyDocument);
}

/** Returns an inline policy; its document is URL-encoded, as IAM returns it. */
export function GetRolePolicy(
  scope: IamScope,
  input: { RoleName: string; PolicyName: string },
): { RoleName: string; PolicyName: string; PolicyDocument: string } {
  checkName('PolicyName', input.PolicyName, 128);
  const role = requireRole(scope, input.RoleName, 'iam:GetRolePolicy');
  const document = scope.store.getRolePolicy(role.roleName, input.PolicyName);
  if (document === undefined) throw rolePolicyNotFound(input.PolicyName);

  return { RoleName: role.roleName, PolicyName: input.PolicyName, PolicyDocument: encodePolicyDocument(document) };
}

/** Deletes an inline policy of a role. */
export function DeleteRolePolicy(scope: IamScope, input: { RoleName: string; PolicyName: string }): void {
  checkName('PolicyName', input.PolicyName, 128);
  const role = requireRole(scope, input.RoleName, 'iam:DeleteRolePolicy');
  if (!scope.store.deleteRolePolicy(role.roleName, input.PolicyName)) throw rolePolicyNotFound(input.PolicyName);
}

/** Lists the names of a role's inline policies, alphabetically. */
export function ListRolePolicies(scope: IamScope, input: { RoleName: string }): { PolicyNames: string[]; IsTruncated: boolean } {
  const role = requireRole(scope, input.RoleName, 'iam:ListRolePolicies');
  return { PolicyNames: scope.store.listRolePolicies(role.roleName).map((policy) => policy.policyName), IsTruncated: false };
}

/**
 * Attaches an AWS managed policy. Only the managed policies in the local table exist, and
 * customer managed policies (CreatePolicy) are not implemented, so other ARNs are NoSuchEntity.
 */
export function AttachRolePolicy(scope: IamScope, input: { RoleName: string; PolicyArn: string }): void {
  checkPolicyArn(input.PolicyArn);
  const role = requireRole(scope, input.RoleName, 'iam:AttachRolePolicy');
  if (!findManagedPolicy(input.PolicyArn)) {
    throw new NoSuchEntityError(`Policy ${input.PolicyArn} does not exist or is not attachable.`);
  }

  const attached = scope.store.listAttachedPolicyArns(role.roleName);
  if (!attached.includes(input.PolicyArn) && attached.length >= MAX_ATTACHED_POLICIES_PER_ROLE) {
    throw new LimitExceededError(`Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED_POLICIES_PER_ROLE}`);
  }
  scope.store.attachPolicy(role.roleName, input.PolicyArn, scope.now());
}

/** Detaches a managed policy from a role. */
export function DetachRolePolicy(scope: IamScope, input: { RoleName: string; PolicyArn: string }): void {
  checkPolicyArn(input.PolicyArn);
  const role = requireRole(scope, input.RoleName, 'iam:DetachRolePolicy');
  if (!scope.store.detachPolicy(role.roleName, input.PolicyArn)) throw new NoSuchEntityError(`Policy ${input.PolicyArn} was not found.`);
}

/** Lists the managed policies attached to a role, optionally only those under `PathPrefix`. */
export function ListAttachedRolePolicies(
  scope: IamScope,
  input: { RoleName: string; PathPrefix?: string },
): { AttachedPolicies: { PolicyName: string; PolicyArn: string }[]; IsTruncated: boolean } {
  const role = requireRole(scope, input.RoleName, 'iam:ListAttachedRolePolicies');
  const pathPrefix = input.PathPrefix ?? '/';

  const policies = scope.store
    .listAttachedPolicyArns(role.roleName)
    .map((policyArn) => findManagedPolicy(policyArn))
    .filter((policy) => policy !== undefined && policy.path.startsWith(pathPrefix));
  return { AttachedPolicies: policies.map((policy) => ({ PolicyName: policy!.name, PolicyArn: policy!.arn })), IsTruncated: false };
}

function checkPolicyArn(policyArn: string): void {
  checkLength('PolicyArn', policyArn, 20, 2048);
  if (!POLICY_ARN_PATTERN.test(policyArn)) throw new InvalidInputError(`ARN ${policyArn} is not valid.`);
}

function rolePolicyNotFound(policyName: string): InstanceType<typeof NoSuchEntityError> {
  return new NoSuchEntityError(`The role policy with name ${policyName} cannot be found.`);
}

/** Counts a document's size as IAM's inline policy quota does: characters other than whitespace. */
function policySize(document: string): number {
  return document.replace(/\s/g, '').length;
}
