/**
 * Evaluation of IAM identity policies, following the logic that AWS documents for a request
 * within one account with no resource policy, permissions boundary, session policy or SCP.
 * An explicit Deny in any statement wins. Otherwise any Allow grants the request, and without
 * one the request is implicitly denied.
 *
 * LIMITATIONS: no policy variables (`${aws:username}`), no `Principal`/`NotPrincipal`
 * (identity policies have none), and of the condition operators only the String, Arn, Bool,
 * Null and Numeric families with their `IfExists` forms and set prefixes. A condition with any
 * other operator never matches, so an Allow that relies on one grants nothing and a Deny that
 * relies on one denies nothing.
 */

/** The result of evaluating policies for one action on one resource. */
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** Condition keys of a request: `kms:EncryptionContext:stage` → `"dev"`, multivalued keys as arrays. */
export type RequestContext = Record<string, string | string[]>;

/** One request to evaluate. */
export interface EvaluationRequest {
  /** The IAM action, `service:Operation`; compared case-insensitively. */
  action: string;
  /** The resource ARN, or `*` for actions without a resource; compared case-sensitively. */
  resource: string;
  context: RequestContext;
}

type Values = string[];
type ValueMatcher = (requestValue: string, policyValue: string) => boolean;

/** A base condition operator: its test of request values against policy values, and whether it is a negation. */
interface Operator {
  test(requestValues: Values, policyValues: Values): boolean;
  negated: boolean;
}

/** Evaluates identity policy documents (parsed JSON) for a request. Malformed statements grant nothing. */
export function evaluatePolicies(policies: readonly unknown[], request: EvaluationRequest): Decision {
  const context = lowerCaseKeys(request.context);
  let allowed = false;

  for (const statement of policies.flatMap(statementsOf)) {
    if (!statementApplies(statement, request, context)) continue;
    if (statement.Effect === 'Deny') return 'ExplicitlyDenied';
    if (statement.Effect === 'Allow') allowed = true;
  }

  return allowed ? 'Allowed' : 'ImplicitlyDenied';
}

/**
 * Matches `text` against an IAM pattern where `*` stands for any run of characters (also
 * `:` and `/`) and `?` for exactly one character.
 */
export function matchesWildcard(pattern: string, text: string, ignoreCase = false): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'is' : 's').test(text);
}

function statementsOf(policy: unknown): Record<string, unknown>[] {
  if (!isObject(policy)) return [];
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return statements.filter(isObject);
}

function statementApplies(statement: Record<string, unknown>, request: EvaluationRequest, context: RequestContext): boolean {
  const actionMatches = (pattern: string) => matchesWildcard(pattern, request.action, true);
  const resourceMatches = (pattern: string) => matchesWildcard(pattern, request.resource);

  if (!elementApplies(statement.Action, statement.NotAction, actionMatches)) return false;
  if (!elementApplies(statement.Resource, statement.NotResource, resourceMatches)) return false;
  return conditionsHold(statement.Condition, context);
}

/**
 * Applies an `Action`/`NotAction` or `Resource`/`NotResource` pair: the positive element
 * applies when a pattern matches, the negative one when none does, and a statement with
 * neither applies to nothing.
 */
function elementApplies(positiveElement: unknown, negativeElement: unknown, matches: (pattern: string) => boolean): boolean {
  if (positiveElement !== undefined) return valuesOf(positiveElement).some(matches);
  if (negativeElement !== undefined) return !valuesOf(negativeElement).some(matches);
  return false;
}

/** Every operator block must hold, and within a block every key: the condition is one AND. */
function conditionsHold(condition: unknown, context: RequestContext): boolean {
  if (condition === undefined) return true;
  if (!isObject(condition)) return false;

  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) return false;
    for (const [key, policyValue] of Object.entries(block)) {
      const requestValue = context[key.toLowerCase()];
      const requestValues = requestValue === undefined ? undefined : valuesOf(requestValue);
      if (!operatorHolds(operator, requestValues, valuesOf(policyValue))) return false;
    }
  }
  return true;
}

/**
 * Applies one operator, such as `ForAnyValue:StringLikeIfExists`, to a key. As AWS documents,
 * a key missing from the request makes a positive operator false and a negated one
 * (`StringNotEquals`) true. `IfExists` makes any operator true for a missing key, and `Null`
 * tests whether the key is present.
 */
function operatorHolds(operator: string, requestValues: Values | undefined, policyValues: Values): boolean {
  const parsed = /^(ForAllValues:|ForAnyValue:)?(.+?)(IfExists)?$/i.exec(operator);
  if (!parsed) return false;
  const [, setPrefix, baseName = '', ifExists] = parsed;

  if (baseName.toLowerCase() === 'null') {
    const expectAbsent = policyValues.some((value) => value.toLowerCase() === 'true');
    return (requestValues === undefined || requestValues.length === 0) === expectAbsent;
  }

  const base = BASE_OPERATORS[baseName.toLowerCase()];
  if (!base) return false;

  if (requestValues === undefined && ifExists !== undefined) return true;

  const prefix = setPrefix?.toLowerCase();
  if (prefix === 'forallvalues:') return (requestValues ?? []).every((value) => base.test([value], policyValues));
  if (prefix === 'foranyvalue:') return (requestValues ?? []).some((value) => base.test([value], policyValues));

  if (requestValues === undefined) return base.negated;
  return base.test(requestValues, policyValues);
}

/**
 * Builds an operator that is true when some request value matches some policy value. Its
 * negated form, from `negative`, is true when no request value matches any policy value.
 */
function positive(matches: ValueMatcher): Operator {
  return { negated: false, test: (requestValues, policyValues) => requestValues.some((value) => policyValues.some((pattern) => matches(value, pattern))) };
}

function negative(matches: ValueMatcher): Operator {
  const { test } = positive(matches);
  return { negated: true, test: (requestValues, policyValues) => !test(requestValues, policyValues) };
}

const stringEquals = (value: string, pattern: string) => value === pattern;
const stringEqualsIgnoreCase = (value: string, pattern: string) => value.toLowerCase() === pattern.toLowerCase();
const stringLike = (value: string, pattern: string) => matchesWildcard(pattern, value);
const numeric = (compare: (left: number, right: number) => boolean) => (value: string, pattern: string) => {
  const left = Number(value);
  const right = Number(pattern);
  return value.trim() !== '' && pattern.trim() !== '' && Number.isFinite(left) && Number.isFinite(right) && compare(left, right);
};

const BASE_OPERATORS: Record<string, Operator> = {
  stringequals: positive(stringEquals),
  stringnotequals: negative(stringEquals),
  stringequalsignorecase: positive(stringEqualsIgnoreCase),
  stringnotequalsignorecase: negative(stringEqualsIgnoreCase),
  stringlike: positive(stringLike),
  stringnotlike: negative(stringLike),
  arnequals: positive(arnLike),
  arnlike: positive(arnLike),
  arnnotequals: negative(arnLike),
  arnnotlike: negative(arnLike),
  bool: positive((value, pattern) => value.toLowerCase() === pattern.toLowerCase()),
  numericequals: positive(numeric((left, right) => left === right)),
  numericnotequals: negative(numeric((left, right) => left === right)),
  numericlessthan: positive(numeric((left, right) => left < right)),
  numericlessthanequals: positive(numeric((left, right) => left <= right)),
  numericgreaterthan: positive(numeric((left, right) => left > right)),
  numericgreaterthanequals: positive(numeric((left, right) => left >= right)),
};

/**
 * Compares ARNs segment by segment: the first five `:`-separated parts each match their
 * pattern part, and the rest of the ARN (which may contain `:`) matches the last part.
 */
function arnLike(value: string, pattern: string): boolean {
  const valueParts = splitArn(value);
  const patternParts = splitArn(pattern);
  if (!valueParts || !patternParts) return false;
  return patternParts.every((part, index) => matchesWildcard(part, valueParts[index]!));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** Reads a string, number or boolean (Bool and Numeric accept JSON literals), or an array of them, as strings. */
function valuesOf(value: unknown): Values {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item) => ['string', 'number', 'boolean'].includes(typeof item)).map(String);
}

function lowerCaseKeys(context: RequestContext): RequestContext {
  return Object.fromEntries(Object.entries(context).map(([key, value]) => [key.toLowerCase(), value]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
