/**
 * The stage of an invocation: the alias in `context.invokedFunctionArn`
 * (`arn:aws:lambda:<region>:<account>:function:<name>:<alias>`). An unqualified ARN, `$LATEST`
 * or a numeric version has no alias: such an invocation runs in the stage its client context
 * names under `custom["keystage-stage"]` (the deploy service verifies a new version that way),
 * else in the default stage.
 */

/** The part of the Lambda context that carries the invoked ARN and the caller's client context. */
export interface InvocationContext {
  invokedFunctionArn?: string;
  clientContext?: unknown;
}

/** Key in the client context's `custom` map that names the stage of a version invoked by number. */
export const STAGE_CLIENT_CONTEXT_KEY = 'keystage-stage';

/** Stage names as they appear in aliases: a letter, then letters, digits, `-` or `_`, at most 128. */
const STAGE_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

/** Fallback when `DEFAULT_STAGE` is unset. */
export const DEFAULT_STAGE = 'dev';

/** True for a string usable as a stage name (and as the alias naming it). */
export function isStageName(value: string): boolean {
  return STAGE_PATTERN.test(value);
}

/**
 * Reads the stage from the alias the function was invoked through. For an unqualified ARN,
 * `$LATEST`, a numeric version, or a context without an ARN, returns the stage the client
 * context names, else `defaultStage`. An alias always wins over the client context.
 */
export function stageFromContext(context: InvocationContext | undefined, defaultStage: string = DEFAULT_STAGE): string {
  const qualifier = qualifierOf(context?.invokedFunctionArn);

  if (qualifier === undefined || qualifier === '$LATEST' || /^\d+$/.test(qualifier)) {
    return stageFromClientContext(context?.clientContext) ?? defaultStage;
  }
  return qualifier;
}

function stageFromClientContext(clientContext: unknown): string | undefined {
  if (typeof clientContext !== 'object' || clientContext === null) return undefined;

  const custom = (clientContext as { custom?: unknown }).custom;
  if (typeof custom !== 'object' || custom === null) return undefined;

  const stage = (custom as Record<string, unknown>)[STAGE_CLIENT_CONTEXT_KEY];
  return typeof stage === 'string' && isStageName(stage) ? stage : undefined;
}

/** The qualifier of a function ARN (`...:function:<name>:<qualifier>`), or undefined when unqualified. */
export function qualifierOf(functionArn: string | undefined): string | undefined {
  if (!functionArn) return undefined;

  const parts = functionArn.split(':');
  const functionIndex = parts.indexOf('function');
  if (functionIndex < 0) return undefined;

  const qualifier = parts[functionIndex + 2];
  return qualifier === undefined || qualifier === '' ? undefined : qualifier;
}

/** Returns the default stage of this execution environment: `DEFAULT_STAGE`, else `dev`. */
export function defaultStageFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.DEFAULT_STAGE?.trim();
  return configured ? configured : DEFAULT_STAGE;
}
