import { describe, expect, it } from 'vitest';

import { decodeEncodedWords, parseReleaseMetadata, parseSha256 } from '../../../../src/core/release/metadata.js';
import { InvalidReleaseMetadataError } from '../../../../src/core/release/index.js';

const HEX = 'ab'.repeat(32);

describe('parseReleaseMetadata', () => {
  it('accepts exactly 256 characters', () => {
    expect(parseReleaseMetadata({ description: 'd'.repeat(256) }, 'default').description).toHaveLength(256);
  });

  it('rejects 257 characters', () => {
    expect(() => parseReleaseMetadata({ description: 'd'.repeat(257) }, 'default')).toThrow(InvalidReleaseMetadataError);
  });

  it('uses the default for a blank description and says so', () => {
    expect(parseReleaseMetadata({ description: '  ' }, 'default')).toMatchObject({ description: 'default', defaultedDescription: true });
  });

  it('decodes an RFC 2047 description', () => {
    expect(parseReleaseMetadata({ description: '=?UTF-8?B?Y2Fmw6kg4pyT?=' }, 'default').description).toBe('café ✓');
  });
});

describe('parseSha256', () => {
  it('lower-cases hex', () => {
    expect(parseSha256(HEX.toUpperCase())).toBe(HEX);
  });

  it('converts base64 to hex', () => {
    expect(parseSha256(Buffer.from(HEX, 'hex').toString('base64'))).toBe(HEX);
  });

  it('rejects other text with the value in the message', () => {
    expect(() => parseSha256('abc')).toThrow(/"abc"/);
  });
});

describe('decodeEncodedWords', () => {
  it('decodes the Q encoding', () => {
    expect(decodeEncodedWords('=?utf-8?Q?caf=C3=A9_bar?=')).toBe('café bar');
  });

  it('leaves plain text alone', () => {
    expect(decodeEncodedWords('fix padding')).toBe('fix padding');
  });
});
