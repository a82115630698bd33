import { MalformedPolicyDocumentError } from './errors.js';

/** Grammar of a policy document: a role's trust policy needs `Principal`, a permissions policy `Resource`. */
export type PolicyKind = 'trust' | 'permissions';

const POLICY_VERSIONS = new Set(['2012-10-17', '2008-10-17']);

/**
 * Parses a policy document and checks the parts of the IAM policy grammar whose breach IAM
 * rejects with MalformedPolicyDocument. The document must be valid JSON with a known `Version`
 * and a `Statement` of objects. Each statement needs `Effect` Allow or Deny, an action, and a
 * principal (trust policy) or a resource (permissions policy).
 * NOTE: condition operators, ARN formats and action names are not checked.
 */
export function parsePolicyDocument(document: string, kind: PolicyKind): Record<string, unknown> {
  const policy = parseJsonObject(document);

  if (policy.Version !== undefined && !POLICY_VERSIONS.has(String(policy.Version))) {
    throw new MalformedPolicyDocumentError(`The policy Version '${String(policy.Version)}' is not valid; use 2012-10-17.`);
  }
  if (policy.Statement === undefined) throw new MalformedPolicyDocumentError('Syntax errors in policy: the policy has no Statement.');

  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  for (const statement of statements) checkStatement(statement, kind);
  return policy;
}

function parseJsonObject(document: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch (error) {
    throw new MalformedPolicyDocumentError('This policy contains invalid Json', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MalformedPolicyDocumentError('This policy contains invalid Json: the document must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function checkStatement(statement: unknown, kind: PolicyKind): void {
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) {
    throw new MalformedPolicyDocumentError('Syntax errors in policy: each Statement must be a JSON object.');
  }
  const fields = statement as Record<string, unknown>;

  if (fields.Effect !== 'Allow' && fields.Effect !== 'Deny') {
    throw new MalformedPolicyDocumentError(`Syntax errors in policy: Effect must be Allow or Deny, not ${JSON.stringify(fields.Effect)}.`);
  }
  if (fields.Action === undefined && fields.NotAction === undefined) {
    throw new MalformedPolicyDocumentError('Syntax errors in policy: a statement needs an Action or NotAction.');
  }
  if (kind === 'trust' && fields.Principal === undefined && fields.NotPrincipal === undefined) {
    throw new MalformedPolicyDocumentError('Missing required field Principal');
  }
  if (kind === 'permissions' && fields.Resource === undefined && fields.NotResource === undefined) {
    throw new MalformedPolicyDocumentError('Policy statement must contain resources.');
  }
  if (kind === 'permissions' && (fields.Principal !== undefined || fields.NotPrincipal !== undefined)) {
    throw new MalformedPolicyDocumentError('Policy document should not specify a principal.');
  }
}

/**
 * Percent-encodes a policy document as IAM returns it: every byte outside RFC 3986's
 * unreserved characters (`A-Z a-z 0-9 - _ . ~`) becomes `%XX`, so `*` is `%2A` and a space `%20`.
 */
export function encodePolicyDocument(document: string): string {
  return encodeURIComponent(document).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
