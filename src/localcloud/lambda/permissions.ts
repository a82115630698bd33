import { randomUUID } from 'node:crypto';

import {
  InvalidParameterValueException,
  PolicyLengthExceededException,
  PreconditionFailedException,
  ResourceConflictException,
  ResourceNotFoundException,
} from './errors.js';
import { requireFunction, resolveTarget } from './lookup.js';
import type { LambdaState } from './lookup.js';
import { LATEST, qualifiedArn } from './names.js';
import type { PolicyRecord } from './store.js';

/** Lambda's limit for a function's resource policy: 20 KB of JSON. */
export const MAX_POLICY_BYTES = 20_480;

const STATEMENT_ID_PATTERN = /^[a-zA-Z0-9_.-]{1,100}$/;
const ACTION_PATTERN = /^(lambda:\*|lambda:[a-zA-Z]+|\*)$/;

export interface AddPermissionInput {
  statementId: string;
  action: string;
  principal: string;
  sourceArn?: string;
  sourceAccount?: string;
  eventSourceToken?: string;
  principalOrgId?: string;
  functionUrlAuthType?: string;
  qualifier?: string;
  revisionId?: string;
}

/** Adds a statement to the resource policy of a function, version or alias; returns it. */
export function addPermission(state: LambdaState, region: string, name: string, input: AddPermissionInput): Record<string, unknown> {
  checkQualifier(state, region, name, input.qualifier);
  checkStatementId(input.statementId);
  if (!ACTION_PATTERN.test(input.action)) {
    throw new InvalidParameterValueException(`The action ${input.action} is invalid: use lambda:<Operation>, lambda:* or *.`);
  }

  return state.store.transaction(() => {
    const policy = currentPolicy(state, region, name, input.qualifier);
    checkRevision(policy, input.revisionId);
    if (policy.statements.some((statement) => statement.Sid === input.statementId)) {
      throw new ResourceConflictException(
        `The statement id (${input.statementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      );
    }

    const statement = buildStatement(qualifiedArn(region, state.accountId, name, input.qualifier), input);
    const statements = [...policy.statements, statement];
    const size = Buffer.byteLength(policyDocument(statements));
    if (size > MAX_POLICY_BYTES) {
      throw new PolicyLengthExceededException(`The final policy size (${size}) is bigger than the limit (${MAX_POLICY_BYTES}).`);
    }

    state.store.putPolicy({ ...policy, statements, revisionId: randomUUID() });
    return statement;
  });
}

/** Removes one statement by its id. */
export function removePermission(
  state: LambdaState,
  region: string,
  name: string,
  statementId: string,
  qualifier: string | undefined,
  revisionId: string | undefined,
): void {
  checkQualifier(state, region, name, qualifier);
  state.store.transaction(() => {
    const policy = state.store.getPolicy(region, name, qualifier ?? '');
    if (!policy) throw new ResourceNotFoundException('No policy is associated with the given resource.');
    checkRevision(policy, revisionId);

    const statements = policy.statements.filter((statement) => statement.Sid !== statementId);
    if (statements.length === policy.statements.length) {
      throw new ResourceNotFoundException(`Statement ${statementId} is not found in resource policy.`);
    }
    state.store.putPolicy({ ...policy, statements, revisionId: randomUUID() });
  });
}

/** The resource policy document as Lambda returns it, a JSON string, with its revision. */
export function getPolicy(state: LambdaState, region: string, name: string, qualifier: string | undefined): { policy: string; revisionId: string } {
  checkQualifier(state, region, name, qualifier);
  const policy = state.store.getPolicy(region, name, qualifier ?? '');
  if (!policy) throw new ResourceNotFoundException('The resource you requested does not exist.');
  return { policy: policyDocument(policy.statements), revisionId: policy.revisionId };
}

/** Serializes statements as the policy document Lambda stores: `Version`, `Id`, `Statement`. */
export function policyDocument(statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });
}

/**
 * Builds one statement as Lambda writes it: a service principal becomes `{"Service": ...}`,
 * an account id the account's root ARN, and each source condition its own condition key.
 */
export function buildStatement(resource: string, input: AddPermissionInput): Record<string, unknown> {
  const statement: Record<string, unknown> = {
    Sid: input.statementId,
    Effect: 'Allow',
    Principal: principalElement(input.principal),
    Action: input.action,
    Resource: resource,
  };

  const stringEquals: Record<string, string> = {};
  if (input.sourceAccount) stringEquals['AWS:SourceAccount'] = input.sourceAccount;
  if (input.eventSourceToken) stringEquals['lambda:EventSourceToken'] = input.eventSourceToken;
  if (input.principalOrgId) stringEquals['aws:PrincipalOrgID'] = input.principalOrgId;
  if (input.functionUrlAuthType) stringEquals['lambda:FunctionUrlAuthType'] = input.functionUrlAuthType;

  const condition: Record<string, Record<string, string>> = {};
  if (Object.keys(stringEquals).length > 0) condition.StringEquals = stringEquals;
  if (input.sourceArn) condition.ArnLike = { 'AWS:SourceArn': input.sourceArn };
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return statement;
}

function principalElement(principal: string): unknown {
  if (principal === '*') return '*';
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (principal.startsWith('arn:')) return { AWS: principal };
  return { Service: principal };
}

function currentPolicy(state: LambdaState, region: string, name: string, qualifier: string | undefined): PolicyRecord {
  const existing = state.store.getPolicy(region, name, qualifier ?? '');
  return existing ?? { region, name, qualifier: qualifier ?? '', statements: [], revisionId: '' };
}

function checkRevision(policy: PolicyRecord, revisionId: string | undefined): void {
  if (revisionId !== undefined && policy.revisionId !== '' && revisionId !== policy.revisionId) {
    throw new PreconditionFailedException();
  }
}

function checkQualifier(state: LambdaState, region: string, name: string, qualifier: string | undefined): void {
  requireFunction(state, region, name);
  if (qualifier === undefined) return;
  if (qualifier === LATEST) throw new InvalidParameterValueException('We currently do not support adding policies for $LATEST.');
  resolveTarget(state, { region, name, qualifier });
}

function checkStatementId(statementId: string): void {
  if (!STATEMENT_ID_PATTERN.test(statementId)) {
    throw new InvalidParameterValueException(
      `The statement id ${statementId} is invalid: use 1 to 100 letters, digits, '-', '_' or '.'.`,
    );
  }
}
