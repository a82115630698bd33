import { describe, expect, it } from 'vitest';

import { artifactKey, decodeEventKey, InvalidReleaseMetadataError, ledgerKey, leaseKey, parseArtifactKey, progressKey, smokeEventKey } from '../../../../src/core/release/index.js';

describe('decodeEventKey', () => {
  it('turns + into a space', () => {
    expect(decodeEventKey('dev/my+function.zip')).toBe('dev/my function.zip');
  });

  it('keeps an encoded plus as a plus', () => {
    expect(decodeEventKey('dev/a%2Bb.zip')).toBe('dev/a+b.zip');
  });

  it('decodes percent-encoded UTF-8', () => {
    expect(decodeEventKey('dev/caf%C3%A9+%E2%9C%93.zip')).toBe('dev/café ✓.zip');
  });

  it('rejects a malformed escape with the key in the message', () => {
    expect(() => decodeEventKey('dev/%E2%9C.zip')).toThrow(InvalidReleaseMetadataError);
    expect(() => decodeEventKey('dev/%E2%9C.zip')).toThrow('dev/%E2%9C.zip');
  });
});

describe('parseArtifactKey', () => {
  it('matches <stage>/<function>.zip', () => {
    expect(parseArtifactKey('prod/keystage-encryption.zip')).toEqual({ stage: 'prod', functionName: 'keystage-encryption' });
  });

  it.each([
    ['a deeper path', 'prod/sub/keystage-encryption.zip'],
    ['another suffix', 'prod/keystage-encryption.tar'],
    ['a space in the function name', 'prod/keystage encryption.zip'],
    ['a state object', '.keystage/ledger/x.zip'],
    ['a folder placeholder', 'prod/'],
  ])('ignores %s', (_case, key) => {
    expect(parseArtifactKey(key)).toBeUndefined();
  });
});

describe('state keys', () => {
  it('places each object under .keystage', () => {
    expect(artifactKey('dev', 'fn')).toBe('dev/fn.zip');
    expect(ledgerKey('fn', 'dev')).toBe('.keystage/ledger/fn/dev.json');
    expect(leaseKey('fn', 'dev')).toBe('.keystage/leases/fn/dev.json');
    expect(progressKey('fn', 'dev')).toBe('.keystage/progress/fn/dev.json');
    expect(smokeEventKey('fn')).toBe('.keystage/smoke/fn.json');
  });
});
