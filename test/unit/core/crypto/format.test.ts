import { describe, expect, it } from 'vitest';

import { detectFormat } from '../../../../src/core/crypto/format.js';

describe('detectFormat', () => {
  it.each([
    ['a version 2 committing message', [0x02, 0x04, 0x78, 0x00], 'envelope'],
    ['a version 2 signing message', [0x02, 0x05, 0x78, 0x00], 'envelope'],
    ['a version 1 message', [0x01, 0x80, 0x03, 0x78, 0x00], 'envelope'],
    ['a KMS ciphertext blob', [0x01, 0x02, 0x02, 0x00, 0x78], 'kms'],
    ['version 2 with an unknown suite', [0x02, 0x01, 0x78], 'kms'],
    ['version 1 with an unknown suite', [0x01, 0x80, 0x09, 0x99], 'kms'],
    ['a truncated message', [0x02, 0x04], 'kms'],
    ['no bytes', [], 'kms'],
  ])('treats %s as %s', (_case, bytes, format) => {
    expect(detectFormat(Uint8Array.from(bytes))).toBe(format);
  });
});
