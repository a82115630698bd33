import { describe, expect, it } from 'vitest';

import { InvalidParameterException } from '../../../src/localcloud/logs/errors.js';
import { compileFilterPattern } from '../../../src/localcloud/logs/operations.js';

describe('compileFilterPattern', () => {
  it('matches everything without a pattern', () => {
    expect(compileFilterPattern(undefined)('anything')).toBe(true);
  });

  it('requires every term', () => {
    const matches = compileFilterPattern('ERROR timeout');
    expect(matches('ERROR: request timeout')).toBe(true);
    expect(matches('ERROR: bad input')).toBe(false);
  });

  it('matches a quoted phrase as one term', () => {
    const matches = compileFilterPattern('"Task timed out"');
    expect(matches('2024 id Task timed out after 3.00 seconds')).toBe(true);
    expect(matches('Task was not timed out')).toBe(false);
  });

  it('matches any term when every term starts with a question mark', () => {
    const matches = compileFilterPattern('?ERROR ?WARN');
    expect(matches('a WARN line')).toBe(true);
    expect(matches('an INFO line')).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(compileFilterPattern('error')('ERROR')).toBe(false);
  });

  it('rejects JSON and space-delimited patterns it does not implement', () => {
    expect(() => compileFilterPattern('{ $.level = "ERROR" }')).toThrow(InvalidParameterException);
  });
});
