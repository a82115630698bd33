import { describe, expect, it } from 'vitest';

import { decodeBase64, decodeUtf8 } from '../../../src/core/encoding.js';
import { InvalidInputError } from '../../../src/core/errors.js';

describe('decodeBase64', () => {
  it('decodes padded base64', () => {
    expect([...decodeBase64('AP8B', 'data')]).toEqual([0, 255, 1]);
  });

  it('ignores spaces, tabs and line breaks', () => {
    expect(decodeBase64(' aGVs\r\nbG8g\td29y\nbGQ= \n', 'data').toString()).toBe('hello world');
  });

  it('decodes an empty string to no bytes', () => {
    expect(decodeBase64('', 'data').byteLength).toBe(0);
  });

  it.each([
    ['a character outside the alphabet', 'aGV*bG8='],
    ['missing padding', 'aGVsbG8'],
    ['a truncated group', 'aGVsb'],
    ['the URL-safe alphabet', 'a-_b'],
    ['padding in the middle', 'aG==bG8='],
  ])('rejects %s', (_case, text) => {
    expect(() => decodeBase64(text, 'data')).toThrow(InvalidInputError);
  });

  it('names the field in the error', () => {
    expect(() => decodeBase64('%%', 'data')).toThrow('"data" is not valid base64');
  });
});

describe('decodeUtf8', () => {
  it('returns valid UTF-8 text', () => {
    expect(decodeUtf8(Buffer.from('grüße 🎉'))).toBe('grüße 🎉');
  });

  it('returns undefined for invalid UTF-8', () => {
    expect(decodeUtf8(Uint8Array.from([0xc3, 0x28]))).toBeUndefined();
  });

  it('keeps a byte order mark', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFa'))).toBe('\uFEFFa');
  });
});
