import { describe, expect, it } from 'vitest';

import { parseStageConfig } from '../../../../src/core/config/schema.js';

const KEY = 'alias/keystage-dev';

function problemsOf(value: unknown): string[] {
  const result = parseStageConfig(value);
  return result.ok ? [] : result.problems;
}

describe('parseStageConfig', () => {
  it('fills the defaults of a config with only a key', () => {
    const result = parseStageConfig({ keyId: KEY });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.defaultFormat).toBe('envelope');
    expect(result.config.cache.maxAgeSeconds).toBe(60);
  });

  it('reads the older key field as keyId', () => {
    const result = parseStageConfig({ key: KEY });

    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config.keyId).toBe(KEY);
  });

  it.each([
    [{ keyId: KEY, cache: { maxAgeSeconds: 'abc' } }, 'cache.maxAgeSeconds: Invalid input: expected number, received string'],
    [{ keyId: KEY, cache: { maxAgeSeconds: -1 } }, 'cache.maxAgeSeconds: Too small: expected number to be >=0'],
    [{ keyId: KEY, defaultFormat: 'kmss' }, 'defaultFormat: Invalid option: expected one of "envelope"|"kms"'],
    [{ keyId: KEY, foo: 1 }, '(root): Unrecognized key: "foo"'],
    [{}, 'keyId: Invalid input: expected string, received undefined'],
  ])('explains what is wrong with %j', (value, problem) => {
    expect(problemsOf(value)).toEqual([problem]);
  });

  it('names an invalid key id', () => {
    const [problem] = problemsOf({ keyId: 'my-key' });

    expect(problem).toContain('"my-key" is not a KMS key id');
  });
});
