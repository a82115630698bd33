import { InvalidParameterValueException } from './errors.js';

/** The version name of the unpublished, editable function. */
export const LATEST = '$LATEST';

/** A function reference after parsing: its region, name and optional version or alias. */
export interface FunctionReference {
  region: string;
  name: string;
  qualifier?: string;
}

const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const QUALIFIER_PATTERN = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;
const ALIAS_PATTERN = /^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/;
const ARN_PATTERN = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const PARTIAL_ARN_PATTERN = /^(\d{12}):function:([^:]+)(?::([^:]+))?$/;

/**
 * Parses the `FunctionName` member in any of the forms Lambda accepts: `name`,
 * `name:qualifier`, `account:function:name[:qualifier]` and the full ARN. A qualifier in the
 * name and a `Qualifier` member must agree.
 */
export function parseFunctionReference(functionName: string, region: string, accountId: string, qualifier?: string): FunctionReference {
  const reference = splitFunctionName(functionName, region, accountId);
  if (!NAME_PATTERN.test(reference.name)) throw invalidFunctionName(functionName);
  if (reference.qualifier !== undefined && !QUALIFIER_PATTERN.test(reference.qualifier)) throw invalidQualifier(reference.qualifier);
  if (qualifier !== undefined && qualifier !== '' && !QUALIFIER_PATTERN.test(qualifier)) throw invalidQualifier(qualifier);

  if (qualifier && reference.qualifier && qualifier !== reference.qualifier) {
    throw new InvalidParameterValueException('The derived qualifier from the function name does not match the specified qualifier.');
  }
  const chosen = qualifier || reference.qualifier;
  return chosen ? { ...reference, qualifier: chosen } : { region: reference.region, name: reference.name };
}

function splitFunctionName(functionName: string, region: string, accountId: string): FunctionReference {
  const full = ARN_PATTERN.exec(functionName);
  if (full) {
    checkAccount(full[2]!, accountId, functionName);
    return { region: full[1]!, name: full[3]!, qualifier: full[4] };
  }

  const partial = PARTIAL_ARN_PATTERN.exec(functionName);
  if (partial) {
    checkAccount(partial[1]!, accountId, functionName);
    return { region, name: partial[2]!, qualifier: partial[3] };
  }

  const [name = '', qualifier, extra] = functionName.split(':');
  if (extra !== undefined) throw invalidFunctionName(functionName);
  return { region, name, qualifier };
}

function checkAccount(found: string, accountId: string, functionName: string): void {
  if (found !== accountId) {
    throw new InvalidParameterValueException(`The function ${functionName} belongs to account ${found}; this local cloud serves account ${accountId}.`);
  }
}

/** Checks an alias name: letters, digits, `-` and `_`, not only digits, at most 128 characters. */
export function checkAliasName(alias: string): void {
  if (!ALIAS_PATTERN.test(alias)) {
    throw new InvalidParameterValueException(
      `The alias name ${alias} is invalid: use 1 to 128 letters, digits, '-' or '_', and not only digits (digits name versions).`,
    );
  }
}

/** True when a qualifier names a published version (digits) rather than an alias or `$LATEST`. */
export function isVersionNumber(qualifier: string): boolean {
  return /^\d+$/.test(qualifier);
}

/** The unqualified ARN of a function. */
export function functionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

/** The ARN qualified with a version or alias; unqualified when `qualifier` is undefined. */
export function qualifiedArn(region: string, accountId: string, name: string, qualifier?: string): string {
  const base = functionArn(region, accountId, name);
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

function invalidFunctionName(functionName: string): InvalidParameterValueException {
  return new InvalidParameterValueException(
    `The function name ${functionName} is invalid: use a name of 1 to 64 letters, digits, '-' or '_', optionally with ':<version or alias>', or a Lambda function ARN.`,
  );
}

function invalidQualifier(qualifier: string): InvalidParameterValueException {
  return new InvalidParameterValueException(
    `The qualifier ${qualifier} is invalid: use $LATEST, a version number or an alias name of letters, digits, '-' or '_'.`,
  );
}
