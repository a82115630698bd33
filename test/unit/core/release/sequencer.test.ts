import { describe, expect, it } from 'vitest';

import { compareSequencers } from '../../../../src/core/release/index.js';

describe('compareSequencers', () => {
  it('orders equal-length sequencers as hex', () => {
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E6')).toBeLessThan(0);
  });

  it('left-pads the shorter one with zeros', () => {
    expect(compareSequencers('FF', '0100')).toBeLessThan(0);
    expect(compareSequencers('0100', 'FF')).toBeGreaterThan(0);
  });

  it('treats padded equals as equal', () => {
    expect(compareSequencers('00AB', 'AB')).toBe(0);
  });

  it('ignores letter case', () => {
    expect(compareSequencers('abc', 'ABD')).toBeLessThan(0);
  });
});
