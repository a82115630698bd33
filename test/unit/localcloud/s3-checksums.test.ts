import { describe, expect, it } from 'vitest';

import {
  checksumOf,
  compositeChecksum,
  createChecksumHasher,
  parseChecksumAlgorithm,
  parseContentMd5,
  validateChecksumValue,
  verifyContentMd5,
} from '../../../src/localcloud/s3/checksums.js';
import { createHash } from 'node:crypto';

const CHECK_INPUT = Buffer.from('123456789');

function base64OfUint32(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes.toString('base64');
}

describe('checksumOf', () => {
  it('computes CRC32 with the standard check value', () => {
    expect(checksumOf('CRC32', CHECK_INPUT)).toBe(base64OfUint32(0xcbf43926));
  });

  it('computes CRC32C with the standard check value', () => {
    expect(checksumOf('CRC32C', CHECK_INPUT)).toBe(base64OfUint32(0xe3069283));
  });

  it('computes SHA1 and SHA256 as base64 digests', () => {
    expect(checksumOf('SHA1', CHECK_INPUT)).toBe(createHash('sha1').update(CHECK_INPUT).digest('base64'));
    expect(checksumOf('SHA256', CHECK_INPUT)).toBe(createHash('sha256').update(CHECK_INPUT).digest('base64'));
  });

  it('gives the same CRC32 for a body fed in pieces', () => {
    const hasher = createChecksumHasher('CRC32');
    hasher.update(CHECK_INPUT.subarray(0, 4));
    hasher.update(CHECK_INPUT.subarray(4));

    expect(hasher.digestBase64()).toBe(checksumOf('CRC32', CHECK_INPUT));
  });

  it('gives the same CRC32C for a body fed in pieces', () => {
    const hasher = createChecksumHasher('CRC32C');
    hasher.update(CHECK_INPUT.subarray(0, 5));
    hasher.update(CHECK_INPUT.subarray(5));

    expect(hasher.digestBase64()).toBe(checksumOf('CRC32C', CHECK_INPUT));
  });
});

describe('compositeChecksum', () => {
  it('hashes the concatenated binary part checksums and appends the part count', () => {
    const parts = [checksumOf('CRC32', Buffer.from('a')), checksumOf('CRC32', Buffer.from('b'))];
    const joined = Buffer.concat(parts.map((value) => Buffer.from(value, 'base64')));

    expect(compositeChecksum('CRC32', parts)).toBe(`${checksumOf('CRC32', joined)}-2`);
  });
});

describe('parseChecksumAlgorithm', () => {
  it('accepts any letter case', () => {
    expect(parseChecksumAlgorithm('crc32c', 'x-amz-sdk-checksum-algorithm')).toBe('CRC32C');
  });

  it('rejects an unknown algorithm with InvalidRequest', () => {
    expect(() => parseChecksumAlgorithm('MD4', 'x-amz-sdk-checksum-algorithm')).toThrow(expect.objectContaining({ code: 'InvalidRequest' }));
  });
});

describe('validateChecksumValue', () => {
  it('accepts base64 of the digest length', () => {
    expect(() => validateChecksumValue('CRC32', 'AAAAAA==')).not.toThrow();
  });

  it('rejects a value of the wrong length', () => {
    expect(() => validateChecksumValue('SHA256', 'AAAAAA==')).toThrow(expect.objectContaining({ code: 'InvalidRequest' }));
  });
});

describe('Content-MD5', () => {
  const body = Buffer.from('hello');
  const md5 = createHash('md5').update(body).digest();

  it('accepts the base64 MD5 of the body', () => {
    expect(() => verifyContentMd5(md5.toString('base64'), md5)).not.toThrow();
  });

  it('rejects a different MD5 with BadDigest', () => {
    const other = createHash('md5').update('other').digest('base64');

    expect(() => verifyContentMd5(other, md5)).toThrow(expect.objectContaining({ code: 'BadDigest' }));
  });

  it('rejects a value that is not base64 of 16 bytes with InvalidDigest', () => {
    expect(() => parseContentMd5('not-an-md5')).toThrow(expect.objectContaining({ code: 'InvalidDigest' }));
    expect(() => parseContentMd5(md5.toString('hex'))).toThrow(expect.objectContaining({ code: 'InvalidDigest' }));
  });
});
