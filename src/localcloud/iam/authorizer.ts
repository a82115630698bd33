import type { RoleDescription, RoleDirectory } from '../contracts.js';
import { AccessDeniedError } from '../errors.js';
import type { Authorize, ServiceName } from '../request.js';
import type { AuthorizerFactory } from '../server.js';
import { evaluatePolicies } from './evaluation.js';
import type { RequestContext } from './evaluation.js';

/** The identity behind an access key, as the STS provider's `principalFor` returns it. */
export interface KeyPrincipal {
  arn: string;
  userId: string;
  /** Set only for keys that STS issued for a role session. */
  roleArn?: string;
}

/** Sources of the authorizer: the identity behind an access key, and the policies of roles. */
export interface IamAuthorizerDependencies {
  accountId: string;
  principalFor(accessKeyId: string): KeyPrincipal;
  roles: RoleDirectory;
}

/**
 * The error code and HTTP status each service uses for a denied request, from the AWS API
 * references: KMS and CloudWatch Logs send `AccessDeniedException` with 400, Lambda with 403,
 * and the rest-xml and query services `AccessDenied` with 403.
 */
const DENIAL_BY_SERVICE: Record<ServiceName, { code: string; statusCode: number }> = {
  s3: { code: 'AccessDenied', statusCode: 403 },
  kms: { code: 'AccessDeniedException', statusCode: 400 },
  lambda: { code: 'AccessDeniedException', statusCode: 403 },
  iam: { code: 'AccessDenied', statusCode: 403 },
  sts: { code: 'AccessDenied', statusCode: 403 },
  logs: { code: 'AccessDeniedException', statusCode: 400 },
};

/**
 * Creates the authorizer of an IAM-enforcing local cloud. A request signed with a key that STS
 * issued for a role is checked against the role's identity policies (inline and attached
 * managed), one evaluation per resource, and throws `AccessDeniedError` when any resource is
 * denied. Requests signed with any other key belong to the account's root user and are allowed.
 *
 * The request context gets `aws:PrincipalArn` (the role ARN), `aws:PrincipalAccount`,
 * `aws:PrincipalType`, `aws:userid` and `aws:RequestedRegion` besides the keys the provider
 * passes. NOTE: other global keys (`aws:CurrentTime`, `aws:SourceIp`, `aws:SecureTransport`,
 * principal tags) are not set, so conditions on them treat the key as missing.
 */
export function createIamAuthorizer(dependencies: IamAuthorizerDependencies): AuthorizerFactory {
  return (accessKeyId, service, region) => {
    // NOTE: expired session credentials are still accepted here; only GetCallerIdentity rejects them.
    const principal = dependencies.principalFor(accessKeyId);
    if (principal.roleArn === undefined) return allowAll;

    const roleArn = principal.roleArn;
    let policies: unknown[] | undefined;
    const rolePolicies = () => (policies ??= policiesOf(dependencies.roles.getRole(roleArn), dependencies.roles));
    const denial = DENIAL_BY_SERVICE[service];

    const authorize: Authorize = (action, resources, conditions = {}) => {
      const context: RequestContext = {
        ...conditions,
        'aws:PrincipalArn': roleArn,
        'aws:PrincipalAccount': dependencies.accountId,
        'aws:PrincipalType': 'AssumedRole',
        'aws:userid': principal.userId,
        'aws:RequestedRegion': region,
      };

      for (const resource of Array.isArray(resources) ? resources : [resources]) {
        const decision = evaluatePolicies(rolePolicies(), { action, resource, context });
        if (decision === 'Allowed') continue;
        throw new AccessDeniedError(principal.arn, action, resource, denial.code, denial.statusCode, decision === 'ExplicitlyDenied');
      }
    };
    return authorize;
  };
}

function allowAll(): void {}

/**
 * Collects a role's inline policies and the attached managed policies that IAM has documents
 * for. A role that no longer exists has no policies, so its sessions are denied everything.
 */
function policiesOf(role: RoleDescription | undefined, roles: RoleDirectory): unknown[] {
  if (!role) return [];

  const attached = role.attachedPolicyArns.map((arn) => roles.getManagedPolicyDocument(arn)).filter((document) => document !== undefined);
  return [...Object.values(role.inlinePolicies), ...attached];
}
