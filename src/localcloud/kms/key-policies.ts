import { NotFoundException } from './errors.js';
import type { KmsScope } from './key-id.js';
import { resolveKey } from './key-id.js';
import { checkPolicy } from './keys.js';

/** The one key policy name that KMS has. */
export const DEFAULT_POLICY_NAME = 'default';

/** Returns a key's policy document, as CreateKey or PutKeyPolicy last set it. */
export function GetKeyPolicy(scope: KmsScope, input: { KeyId: string; PolicyName?: string }): { Policy: string; PolicyName: string } {
  const policyName = checkPolicyName(input.KeyId, input.PolicyName);
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:GetKeyPolicy');

  return { Policy: key.policy, PolicyName: policyName };
}

/**
 * Replaces a key's policy with a JSON document.
 * NOTE: key policies are stored and returned but not evaluated, so they grant and deny nothing.
 */
export function PutKeyPolicy(scope: KmsScope, input: { KeyId: string; Policy: string; PolicyName?: string }): void {
  checkPolicyName(input.KeyId, input.PolicyName);
  const policy = checkPolicy(input.Policy)!;
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:PutKeyPolicy');

  scope.store.setPolicy(key.keyId, policy);
}

/** Lists a key's policy names, which is always the one name `default`. */
export function ListKeyPolicies(scope: KmsScope, input: { KeyId: string }): { PolicyNames: string[]; Truncated: boolean } {
  resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:ListKeyPolicies');
  return { PolicyNames: [DEFAULT_POLICY_NAME], Truncated: false };
}

function checkPolicyName(keyReference: string, policyName: string | undefined): string {
  const name = policyName ?? DEFAULT_POLICY_NAME;
  if (name !== DEFAULT_POLICY_NAME) {
    throw new NotFoundException(`Key policy '${name}' of ${keyReference} does not exist: the only key policy name is ${DEFAULT_POLICY_NAME}.`);
  }
  return name;
}
