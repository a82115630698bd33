/**
 * Runs requests through `@cloud-copilot/iam-simulate`, an independent IAM policy simulator
 * (AGPL-3.0, a dev dependency only), to check policies and the local cloud's evaluator.
 */
import { loadPolicy } from '@cloud-copilot/iam-policy';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { EvaluationResult } from '@cloud-copilot/iam-simulate';

// The core engine is not exported by the package, so it is imported by file path.
import { DiscoveryContextKeyConstraints } from '../../../node_modules/@cloud-copilot/iam-simulate/dist/esm/context_keys/discoveryContextKeyConstraints.js';
import { authorize } from '../../../node_modules/@cloud-copilot/iam-simulate/dist/esm/core_engine/CoreSimulatorEngine.js';
import { AwsRequestImpl } from '../../../node_modules/@cloud-copilot/iam-simulate/dist/esm/request/request.js';
import { RequestContextImpl } from '../../../node_modules/@cloud-copilot/iam-simulate/dist/esm/requestContext.js';

export const ACCOUNT_ID = '000000000000';

/** One call to simulate: the action, one resource ARN and the request's condition keys. */
export interface SimulatedRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/**
 * The key policy that KMS gives a key created without one: it lets the account's IAM policies
 * grant access to the key. The simulator, like KMS, denies every call without a key policy.
 */
const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: 'kms:*', Resource: '*' }],
};

/** Returns the simulator's decision for a role session of `roleName` calling with `policies`. */
export async function simulate(policies: readonly object[], request: SimulatedRequest, roleName = 'keystage-test'): Promise<EvaluationResult> {
  const principal = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/session`;
  const context = request.context ?? {};
  const resourcePolicy = request.action.toLowerCase().startsWith('kms:') ? DEFAULT_KEY_POLICY : undefined;
  const identityPolicies = policies.map((policy, index) => ({ name: `policy-${index}`, policy }));

  if (Object.keys(context).some(isEncryptionContextKey)) {
    return simulateWithoutKeyFiltering(principal, identityPolicies, resourcePolicy, request, context);
  }

  const response = await runSimulation(
    {
      request: { principal, action: request.action, resource: { resource: request.resource, accountId: ACCOUNT_ID }, contextVariables: context },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate rejected ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  if (response.resultType === 'single' && response.result.ignoredContextKeys?.length) {
    throw new Error(`iam-simulate ignored the context keys ${response.result.ignoredContextKeys.join(', ')} of ${request.action}`);
  }
  return response.overallResult;
}

function isEncryptionContextKey(key: string): boolean {
  return key.toLowerCase().startsWith('kms:encryptioncontext:');
}

/**
 * Runs the simulator's core engine directly. NOTE: iam-simulate 0.1.173's `runSimulation` drops
 * `kms:EncryptionContext:<key>` from the request, because it matches templated condition keys
 * only at a `/`, and its `runUnsafeSimulation` fails on a resource policy without a name.
 */
function simulateWithoutKeyFiltering(
  principal: string,
  identityPolicies: { name: string; policy: object }[],
  resourcePolicy: object | undefined,
  request: SimulatedRequest,
  context: Record<string, string | string[]>,
): EvaluationResult {
  const awsRequest = new AwsRequestImpl(
    principal,
    { resource: request.resource, accountId: ACCOUNT_ID },
    request.action,
    new RequestContextImpl(context),
  );
  const analysis = authorize({
    request: awsRequest,
    sessionPolicy: undefined,
    identityPolicies: identityPolicies.map(({ name, policy }) => loadPolicy(policy, { name })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicy ? loadPolicy(resourcePolicy, { name: 'key-policy' }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: {} },
  });
  return analysis.result;
}
