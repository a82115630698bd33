import { describe, expect, it } from 'vitest';

import { NotModified, etagListMatches, evaluateReadConditions, evaluateWriteConditions } from '../../../src/localcloud/s3/conditional.js';
import { contentRange, resolveRange } from '../../../src/localcloud/s3/range.js';

const LAST_MODIFIED_MS = Date.UTC(2024, 5, 1, 12, 0, 0, 500);
const TARGET = { etag: '"abc123"', lastModifiedMs: LAST_MODIFIED_MS };
const BEFORE = new Date(LAST_MODIFIED_MS - 60_000).toUTCString();
const SAME_SECOND = new Date(LAST_MODIFIED_MS).toUTCString();
const AFTER = new Date(LAST_MODIFIED_MS + 60_000).toUTCString();

function outcome(conditions: Parameters<typeof evaluateReadConditions>[0]): number {
  try {
    evaluateReadConditions(conditions, TARGET);
    return 200;
  } catch (error) {
    return (error as NotModified).statusCode;
  }
}

describe('evaluateReadConditions', () => {
  it('returns 200 when If-Match names the ETag, quoted or not', () => {
    expect(outcome({ ifMatch: '"abc123"' })).toBe(200);
    expect(outcome({ ifMatch: 'abc123' })).toBe(200);
    expect(outcome({ ifMatch: '"other", "abc123"' })).toBe(200);
    expect(outcome({ ifMatch: '*' })).toBe(200);
  });

  it('returns 412 when If-Match names another ETag', () => {
    expect(outcome({ ifMatch: '"other"' })).toBe(412);
  });

  it('returns 304 when If-None-Match names the ETag', () => {
    expect(outcome({ ifNoneMatch: '"abc123"' })).toBe(304);
  });

  it('returns 200 when If-None-Match names another ETag', () => {
    expect(outcome({ ifNoneMatch: '"other"' })).toBe(200);
  });

  it('returns 304 when not modified since the given date', () => {
    expect(outcome({ ifModifiedSince: AFTER })).toBe(304);
    expect(outcome({ ifModifiedSince: SAME_SECOND })).toBe(304);
  });

  it('returns 200 when modified since the given date', () => {
    expect(outcome({ ifModifiedSince: BEFORE })).toBe(200);
  });

  it('returns 412 when modified since If-Unmodified-Since', () => {
    expect(outcome({ ifUnmodifiedSince: BEFORE })).toBe(412);
  });

  it('returns 200 when unmodified since If-Unmodified-Since', () => {
    expect(outcome({ ifUnmodifiedSince: SAME_SECOND })).toBe(200);
  });

  it('lets a true If-Match override a false If-Unmodified-Since', () => {
    expect(outcome({ ifMatch: '"abc123"', ifUnmodifiedSince: BEFORE })).toBe(200);
  });

  it('returns 304 when If-None-Match fails even though If-Modified-Since holds', () => {
    expect(outcome({ ifNoneMatch: '"abc123"', ifModifiedSince: BEFORE })).toBe(304);
  });

  it('ignores an unparsable date', () => {
    expect(outcome({ ifModifiedSince: 'yesterday' })).toBe(200);
  });
});

describe('evaluateWriteConditions', () => {
  it('accepts If-None-Match: * when the key has no object', () => {
    expect(() => evaluateWriteConditions({ ifNoneMatch: '*' }, 'k', undefined)).not.toThrow();
  });

  it('rejects If-None-Match: * with 412 when the key exists', () => {
    expect(() => evaluateWriteConditions({ ifNoneMatch: '*' }, 'k', TARGET)).toThrow(
      expect.objectContaining({ code: 'PreconditionFailed', statusCode: 412 }),
    );
  });

  it('rejects an If-None-Match value other than * as not implemented', () => {
    expect(() => evaluateWriteConditions({ ifNoneMatch: '"abc123"' }, 'k', undefined)).toThrow(expect.objectContaining({ code: 'NotImplemented' }));
  });

  it('accepts If-Match with the current ETag', () => {
    expect(() => evaluateWriteConditions({ ifMatch: '"abc123"' }, 'k', TARGET)).not.toThrow();
  });

  it('rejects If-Match with another ETag with 412', () => {
    expect(() => evaluateWriteConditions({ ifMatch: '"zzz"' }, 'k', TARGET)).toThrow(expect.objectContaining({ code: 'PreconditionFailed' }));
  });

  it('rejects If-Match on a missing key with NoSuchKey', () => {
    expect(() => evaluateWriteConditions({ ifMatch: '"abc123"' }, 'k', undefined)).toThrow(expect.objectContaining({ code: 'NoSuchKey' }));
  });
});

describe('etagListMatches', () => {
  it('ignores the weak marker', () => {
    expect(etagListMatches('W/"abc123"', '"abc123"')).toBe(true);
  });
});

describe('resolveRange', () => {
  it('resolves a closed range', () => {
    expect(resolveRange('bytes=0-4', 10)).toEqual({ start: 0, end: 4 });
  });

  it('clips an end past the object', () => {
    expect(resolveRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
  });

  it('resolves an open range to the end', () => {
    expect(resolveRange('bytes=7-', 10)).toEqual({ start: 7, end: 9 });
  });

  it('resolves a suffix range', () => {
    expect(resolveRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(resolveRange('bytes=-30', 10)).toEqual({ start: 0, end: 9 });
  });

  it('ignores a header that is not one byte range', () => {
    expect(resolveRange('bytes=0-1,3-4', 10)).toBeUndefined();
    expect(resolveRange('items=0-1', 10)).toBeUndefined();
    expect(resolveRange('bytes=5-2', 10)).toBeUndefined();
  });

  it('rejects a range that starts past the end with InvalidRange', () => {
    expect(() => resolveRange('bytes=10-', 10)).toThrow(expect.objectContaining({ code: 'InvalidRange', statusCode: 416 }));
  });

  it('rejects any range of an empty object', () => {
    expect(() => resolveRange('bytes=0-', 0)).toThrow(expect.objectContaining({ code: 'InvalidRange' }));
  });

  it('formats Content-Range', () => {
    expect(contentRange({ start: 0, end: 4 }, 10)).toBe('bytes 0-4/10');
  });
});
