import { UsageError } from '../errors.js';

/** Keys whose dotted paths name nested settings, such as `cache.maxAgeSeconds`. */
const PATH_PATTERN = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/**
 * Applies `key=value` assignments to a copy of a config document. A value is read as JSON when
 * it parses (numbers, booleans, arrays, objects) and as a string otherwise; a dotted key sets a
 * nested field. Setting `keyId` drops the older `key` field, which would otherwise conflict.
 */
export function applyAssignments(document: Record<string, unknown>, assignments: readonly string[]): Record<string, unknown> {
  const result = structuredClone(document);
  for (const assignment of assignments) {
    const separator = assignment.indexOf('=');
    const path = separator > 0 ? assignment.slice(0, separator) : '';
    if (!PATH_PATTERN.test(path)) {
      throw new UsageError(`Invalid assignment "${assignment}"; write key=value, for example keyId=alias/keystage-dev or cache.maxAgeSeconds=30.`);
    }

    setPath(result, path.split('.'), parseValue(assignment.slice(separator + 1)));
    if (path === 'keyId') delete result.key;
  }
  return result;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }

  const child = target[head];
  const next = typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  target[head] = next;
  setPath(next, rest, value);
}
