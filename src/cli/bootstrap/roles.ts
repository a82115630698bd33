import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';

import { readOrUndefined } from '../aws-errors.js';
import { SERVICE_NAMES } from '../build.js';
import { artifactBucketName, configBucketName, functionName, roleName } from '../names.js';
import { parsePolicyDocument, renderPolicyFile, samePolicy } from './policies.js';
import type { PolicyDocument, PolicyVariables } from './policies.js';
import type { PlanContext, PlannedStep } from './plan-types.js';

/** Builds the placeholder values for the templates in `policies/`. */
export function policyVariables(context: Pick<PlanContext, 'options' | 'installation'>): PolicyVariables {
  const { installation, options } = context;
  return {
    AccountId: installation.accountId,
    Region: installation.region,
    Prefix: installation.prefix,
    ConfigBucket: configBucketName(installation),
    ArtifactBucket: artifactBucketName(installation),
    Stage: [...options.stages],
    DeployableFunction: deployableFunctions(installation.prefix),
  };
}

/** Lists the functions the deploy function may release: all three, so it can also update itself. */
export function deployableFunctions(prefix: string): string[] {
  return SERVICE_NAMES.map((service) => functionName(prefix, service));
}

/** Names the inline policy on each role. */
export function rolePolicyName(prefix: string, service: string): string {
  return `${prefix}-${service}-permissions`;
}

/** Plans one execution role per function, with its trust policy and one inline permissions policy. */
export async function planRoles(context: PlanContext): Promise<PlannedStep[]> {
  const variables = policyVariables(context);
  const steps: PlannedStep[] = [];

  for (const service of SERVICE_NAMES) {
    const trust = renderPolicyFile(service, 'trust', variables, context.options.policiesDir);
    const permissions = renderPolicyFile(service, 'policy', variables, context.options.policiesDir);
    steps.push(...(await planRole(context, service, trust, permissions)));
  }
  return steps;
}

async function planRole(context: PlanContext, service: string, trust: PolicyDocument, permissions: PolicyDocument): Promise<PlannedStep[]> {
  const { prefix } = context.options;
  const name = roleName(prefix, service);
  const policyName = rolePolicyName(prefix, service);
  const putPermissions = (applyContext: PlanContext) =>
    applyContext.clients.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: policyName, PolicyDocument: JSON.stringify(permissions) }));

  const existing = await readOrUndefined(() => context.clients.iam.send(new GetRoleCommand({ RoleName: name })), [NoSuchEntityException]);
  if (!existing?.Role) {
    return [
      {
        action: 'create',
        resourceType: 'AWS::IAM::Role',
        resource: name,
        detail: `execution role of ${functionName(prefix, service)}, with policy ${policyName}`,
        apply: async (applyContext) => {
          const { Role } = await applyContext.clients.iam.send(
            new CreateRoleCommand({
              RoleName: name,
              AssumeRolePolicyDocument: JSON.stringify(trust),
              Description: `Execution role of the ${functionName(prefix, service)} Lambda function`,
              Tags: [{ Key: 'keystage:prefix', Value: prefix }],
            }),
          );
          applyContext.outputs.roleArns.set(service, Role?.Arn as string);
          await putPermissions(applyContext);
        },
      },
    ];
  }

  context.outputs.roleArns.set(service, existing.Role.Arn as string);
  const steps: PlannedStep[] = [];

  const currentTrust = existing.Role.AssumeRolePolicyDocument ? parsePolicyDocument(existing.Role.AssumeRolePolicyDocument) : undefined;
  if (!samePolicy(currentTrust, trust)) {
    steps.push({
      action: 'update',
      resourceType: 'AWS::IAM::Role',
      resource: name,
      detail: 'trust policy differs from the template; replace it',
      apply: async (applyContext) => {
        await applyContext.clients.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: JSON.stringify(trust) }));
      },
    });
  }

  const currentPolicy = await readOrUndefined(
    () => context.clients.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName })),
    [NoSuchEntityException],
  );
  const currentPermissions = currentPolicy?.PolicyDocument ? parsePolicyDocument(currentPolicy.PolicyDocument) : undefined;
  if (!samePolicy(currentPermissions, permissions)) {
    steps.push({
      action: currentPermissions ? 'update' : 'create',
      resourceType: 'AWS::IAM::Policy',
      resource: `${name}/${policyName}`,
      detail: currentPermissions ? 'permissions differ from the template; replace them' : 'inline permissions policy is missing; add it',
      apply: async (applyContext) => {
        await putPermissions(applyContext);
      },
    });
  }
  return steps;
}
