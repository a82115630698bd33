import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { CliError } from '../errors.js';

/** Folder of the IAM templates in this checkout: `<function>.policy.json` and `<function>.trust.json`. */
export const DEFAULT_POLICIES_DIR = resolve(import.meta.dirname, '..', '..', '..', 'policies');

/**
 * Values for the `${Name}` placeholders of a template. A string fills the placeholder in place.
 * A list fills it once per item, so it may only appear inside a string that is an element of a
 * JSON array, and that element becomes one element per item (`"…/${Stage}/config.json"` with
 * stages dev and prod becomes two resources).
 */
export type PolicyVariables = Record<string, string | readonly string[]>;

/** An IAM policy document as JSON. */
export type PolicyDocument = { Version: string; Statement: unknown[] } & Record<string, unknown>;

const PLACEHOLDER = /\$\{([A-Za-z]+)\}/g;

/** Reads `policies/<service>.<kind>.json` and fills its placeholders. */
export function renderPolicyFile(
  service: string,
  kind: 'policy' | 'trust',
  variables: PolicyVariables,
  policiesDir: string = DEFAULT_POLICIES_DIR,
): PolicyDocument {
  const path = join(policiesDir, `${service}.${kind}.json`);

  let template: unknown;
  try {
    template = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`Cannot read the IAM template ${path}: ${(error as Error).message}. Restore it from the repository.`, { cause: error });
  }

  return renderPolicy(template, variables, path) as PolicyDocument;
}

/**
 * Fills the placeholders of a parsed template. Throws when a placeholder has no value or a list
 * placeholder appears outside an array element, naming the template and the placeholder.
 */
export function renderPolicy(template: unknown, variables: PolicyVariables, source = 'template'): unknown {
  if (Array.isArray(template)) {
    return template.flatMap((element) => (typeof element === 'string' ? expandString(element, variables, source) : [renderPolicy(element, variables, source)]));
  }

  if (typeof template === 'string') {
    const expanded = expandString(template, variables, source);
    if (expanded.length !== 1) {
      throw new CliError(`${source}: the list placeholder in "${template}" must sit inside a JSON array, because it expands to several values.`);
    }
    return expanded[0];
  }

  if (template !== null && typeof template === 'object') {
    const rendered: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) rendered[key] = renderPolicy(value, variables, source);
    return rendered;
  }

  return template;
}

function expandString(text: string, variables: PolicyVariables, source: string): string[] {
  const names = [...text.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
  for (const name of names) {
    if (!(name in variables)) throw new CliError(`${source}: unknown placeholder \${${name}}; known placeholders are ${Object.keys(variables).join(', ')}.`);
  }

  const listNames = [...new Set(names.filter((name) => Array.isArray(variables[name])))];
  if (listNames.length > 1) {
    throw new CliError(`${source}: "${text}" uses several list placeholders (${listNames.join(', ')}); use at most one per string.`);
  }

  const fill = (listValue?: string): string =>
    text.replace(PLACEHOLDER, (_match, name: string) => {
      const value = variables[name];
      return typeof value === 'string' ? value : (listValue as string);
    });

  const listName = listNames[0];
  if (listName === undefined) return [fill()];
  return (variables[listName] as readonly string[]).map((value) => fill(value));
}

/**
 * Compares two policy documents by content, ignoring key order and whitespace. IAM returns
 * documents URL-encoded and may reorder keys, so string comparison would report false changes.
 */
export function samePolicy(left: unknown, right: unknown): boolean {
  return canonicalJson(left) === canonicalJson(right);
}

/** Parses a policy document as IAM returns it: URL-encoded JSON, or plain JSON from some endpoints. */
export function parsePolicyDocument(document: string): unknown {
  const text = document.trimStart().startsWith('{') ? document : decodeURIComponent(document);
  return JSON.parse(text);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => compareKeys(a, b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
