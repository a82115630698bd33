import type { ProviderContext } from '../context.js';
import type { RoleDescription, RoleDirectory } from '../contracts.js';
import type { QueryOperation, QueryParams, XmlValue } from '../protocol/query.js';
import { optionalIntegerParam, readStringList, readStructureList, requiredParam, serveQuery } from '../protocol/query.js';
import type { LocalRequest, Provider } from '../request.js';
import { findManagedPolicy } from './managed-policies.js';
import {
  AttachRolePolicy,
  DeleteRolePolicy,
  DetachRolePolicy,
  GetRolePolicy,
  ListAttachedRolePolicies,
  ListRolePolicies,
  PutRolePolicy,
} from './role-policies.js';
import type { IamScope } from './roles.js';
import {
  CreateRole,
  DeleteRole,
  GetRole,
  ListRoleTags,
  ListRoles,
  TagRole,
  UntagRole,
  UpdateAssumeRolePolicy,
  UpdateRole,
  roleArn,
} from './roles.js';
import { IamStore } from './store.js';
import type { RoleTag } from './store.js';

export const IAM_API_VERSION = '2010-05-08';
export const IAM_XML_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

/**
 * Creates the local IAM: roles, their trust policies, inline policies and attached AWS managed
 * policies, on the query protocol. IAM is global, so requests from every region share one
 * set of roles.
 *
 * LIMITATIONS: there are no users, groups, instance profiles or customer managed policies.
 * Only the few AWS managed policies in `managed-policies.ts` exist. List operations other than
 * ListRoles return everything in one page.
 */
export function createIamProvider(context: ProviderContext): Provider & RoleDirectory {
  const store = new IamStore(context.db);
  const scopeOf = (request?: LocalRequest): IamScope => ({
    store,
    accountId: context.accountId,
    now: () => new Date(),
    authorize: request?.authorize ?? (() => undefined),
  });
  const operations = iamOperations(scopeOf);

  return {
    service: 'iam',
    handle: (request) =>
      serveQuery({ version: IAM_API_VERSION, xmlNamespace: IAM_XML_NAMESPACE, operations, logger: context.logger }, request),
    getRole: (roleArnOrName) => describeRole(scopeOf(), roleArnOrName),
    getManagedPolicyDocument: (policyArn) => findManagedPolicy(policyArn)?.document,
  };
}

/** Looks a role up by name or by ARN (the name is the ARN's last path segment). */
function describeRole(scope: IamScope, roleArnOrName: string): RoleDescription | undefined {
  const roleName = roleArnOrName.startsWith('arn:') ? roleArnOrName.slice(roleArnOrName.lastIndexOf('/') + 1) : roleArnOrName;
  const role = scope.store.getRole(roleName);
  if (!role) return undefined;

  const arn = roleArn(scope.accountId, role);
  if (roleArnOrName.startsWith('arn:') && roleArnOrName.toLowerCase() !== arn.toLowerCase()) return undefined;

  const inlinePolicies = Object.fromEntries(
    scope.store.listRolePolicies(role.roleName).map((policy) => [policy.policyName, JSON.parse(policy.document) as object]),
  );
  return {
    arn,
    name: role.roleName,
    roleId: role.roleId,
    trustPolicy: JSON.parse(role.assumeRolePolicyDocument) as object,
    inlinePolicies,
    attachedPolicyArns: scope.store.listAttachedPolicyArns(role.roleName),
    maxSessionDurationSeconds: role.maxSessionDurationSeconds,
  };
}

function iamOperations(scopeOf: (request: LocalRequest) => IamScope): Record<string, QueryOperation> {
  const roleName = (params: QueryParams) => ({ RoleName: requiredParam(params, 'RoleName') });
  const rolePolicy = (params: QueryParams) => ({ ...roleName(params), PolicyName: requiredParam(params, 'PolicyName') });
  const attachment = (params: QueryParams) => ({ ...roleName(params), PolicyArn: requiredParam(params, 'PolicyArn') });
  const tags = (params: QueryParams) => readStructureList(params, 'Tags') as unknown as RoleTag[];

  const operations: Record<string, (scope: IamScope, params: QueryParams) => object | void> = {
    CreateRole: (scope, params) =>
      CreateRole(scope, {
        ...roleName(params),
        AssumeRolePolicyDocument: requiredParam(params, 'AssumeRolePolicyDocument'),
        Path: params.get('Path'),
        Description: params.get('Description'),
        MaxSessionDuration: optionalIntegerParam(params, 'MaxSessionDuration'),
        Tags: tags(params),
      }),
    GetRole: (scope, params) => GetRole(scope, roleName(params)),
    UpdateRole: (scope, params) =>
      UpdateRole(scope, {
        ...roleName(params),
        Description: params.get('Description'),
        MaxSessionDuration: optionalIntegerParam(params, 'MaxSessionDuration'),
      }),
    UpdateAssumeRolePolicy: (scope, params) =>
      UpdateAssumeRolePolicy(scope, { ...roleName(params), PolicyDocument: requiredParam(params, 'PolicyDocument') }),
    DeleteRole: (scope, params) => DeleteRole(scope, roleName(params)),
    ListRoles: (scope, params) =>
      ListRoles(scope, { PathPrefix: params.get('PathPrefix'), Marker: params.get('Marker'), MaxItems: optionalIntegerParam(params, 'MaxItems') }),
    TagRole: (scope, params) => TagRole(scope, { ...roleName(params), Tags: tags(params) }),
    UntagRole: (scope, params) => UntagRole(scope, { ...roleName(params), TagKeys: readStringList(params, 'TagKeys') }),
    ListRoleTags: (scope, params) => ListRoleTags(scope, roleName(params)),
    PutRolePolicy: (scope, params) => PutRolePolicy(scope, { ...rolePolicy(params), PolicyDocument: requiredParam(params, 'PolicyDocument') }),
    GetRolePolicy: (scope, params) => GetRolePolicy(scope, rolePolicy(params)),
    DeleteRolePolicy: (scope, params) => DeleteRolePolicy(scope, rolePolicy(params)),
    ListRolePolicies: (scope, params) => ListRolePolicies(scope, roleName(params)),
    AttachRolePolicy: (scope, params) => AttachRolePolicy(scope, attachment(params)),
    DetachRolePolicy: (scope, params) => DetachRolePolicy(scope, attachment(params)),
    ListAttachedRolePolicies: (scope, params) => ListAttachedRolePolicies(scope, { ...roleName(params), PathPrefix: params.get('PathPrefix') }),
  };

  return Object.fromEntries(
    Object.entries(operations).map(([name, operation]) => [
      name,
      (params: QueryParams, request: LocalRequest) => (operation(scopeOf(request), params) ?? undefined) as Record<string, XmlValue> | undefined,
    ]),
  );
}
