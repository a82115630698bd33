import { describe, expect, it } from 'vitest';

import { formatStrategy, InvalidReleaseMetadataError, parseStrategy, shiftSteps } from '../../../../src/core/release/index.js';

describe('parseStrategy', () => {
  it('defaults to all-at-once when missing', () => {
    expect(parseStrategy(undefined)).toEqual({ kind: 'all-at-once' });
    expect(parseStrategy('  ')).toEqual({ kind: 'all-at-once' });
  });

  it('parses a canary', () => {
    expect(parseStrategy('canary:10:300')).toEqual({ kind: 'canary', percent: 10, bakeSeconds: 300 });
  });

  it('parses a linear shift with a decimal percent', () => {
    expect(parseStrategy('linear:12.5:60')).toEqual({ kind: 'linear', percent: 12.5, stepSeconds: 60 });
  });

  it.each(['canary', 'canary:10', 'canary:0:10', 'canary:100:10', 'canary:-5:10', 'canary:10:abc', 'canary:10:1.5', 'linear:10:90000', 'blue-green:10:10', 'canary:10:10:10'])(
    'rejects %s',
    (text) => {
      expect(() => parseStrategy(text)).toThrow(InvalidReleaseMetadataError);
    },
  );

  it('names the value and the accepted forms', () => {
    expect(() => parseStrategy('canary:0:10')).toThrow(/"canary:0:10".*canary:<percent>:<bake seconds>/);
  });

  it('formats what it parses', () => {
    expect(formatStrategy(parseStrategy('linear:25:30'))).toBe('linear:25:30');
  });
});

describe('shiftSteps', () => {
  it('has no partial step for all-at-once', () => {
    expect(shiftSteps({ kind: 'all-at-once' })).toEqual([]);
  });

  it('has one step for a canary', () => {
    expect(shiftSteps({ kind: 'canary', percent: 10, bakeSeconds: 300 })).toEqual([{ weight: 0.1, bakeSeconds: 300 }]);
  });

  it('grows by the percent below 100 for linear', () => {
    expect(shiftSteps({ kind: 'linear', percent: 30, stepSeconds: 5 }).map((step) => step.weight)).toEqual([0.3, 0.6, 0.9]);
  });
});
