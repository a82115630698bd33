import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';

import { Crc32c } from '@aws-crypto/crc32c';

import { BadDigest, InvalidDigest, InvalidRequest } from './errors.js';
import type { ChecksumAlgorithm, StoredChecksum } from './store.js';

/**
 * S3's flexible checksums (CRC32, CRC32C, SHA1, SHA256) and Content-MD5. CRC32 comes from
 * Node's `zlib.crc32` (Node 20.15 and later), CRC32C from `@aws-crypto/crc32c`, the
 * implementation the AWS SDK for JavaScript itself uses.
 *
 * NOTE: CRC64NVME, which S3 also accepts and now computes by default for objects uploaded
 * without a checksum, is not supported: a request that names it gets `InvalidRequest`, and
 * an object uploaded without a checksum has none.
 */

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'];

/** The header that carries each algorithm's base64 checksum, on requests and responses. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** The output member that carries each algorithm's checksum (`ChecksumCRC32`). */
export function checksumMember(algorithm: ChecksumAlgorithm): `Checksum${ChecksumAlgorithm}` {
  return `Checksum${algorithm}`;
}

/** An incremental checksum over a body that arrives in chunks. */
export interface ChecksumHasher {
  update(chunk: Buffer): void;
  /** The checksum as S3 writes it: base64 of the big-endian CRC or of the digest bytes. */
  digestBase64(): string;
}

/** Reads an algorithm name from a header value, in any letter case. Throws `InvalidRequest` for others. */
export function parseChecksumAlgorithm(value: string, headerName: string): ChecksumAlgorithm {
  const algorithm = value.toUpperCase() as ChecksumAlgorithm;
  if (CHECKSUM_ALGORITHMS.includes(algorithm)) return algorithm;
  throw new InvalidRequest(
    `Value for ${headerName} header is invalid: "${value}". The local cloud supports ${CHECKSUM_ALGORITHMS.join(', ')}.`,
  );
}

export function createChecksumHasher(algorithm: ChecksumAlgorithm): ChecksumHasher {
  switch (algorithm) {
    case 'CRC32':
      return crc32Hasher();
    case 'CRC32C':
      return crc32cHasher();
    case 'SHA1':
      return digestHasher(createHash('sha1'));
    case 'SHA256':
      return digestHasher(createHash('sha256'));
  }
}

/** The base64 checksum of a whole buffer. */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Buffer): string {
  const hasher = createChecksumHasher(algorithm);
  hasher.update(data);
  return hasher.digestBase64();
}

/**
 * The checksum S3 reports for a multipart object of type COMPOSITE: the checksum of the
 * concatenated binary part checksums, in base64, followed by `-<number of parts>`.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string {
  const joined = Buffer.concat(partChecksums.map((value) => Buffer.from(value, 'base64')));
  return `${checksumOf(algorithm, joined)}-${partChecksums.length}`;
}

/** Throws `BadDigest` unless the client's checksum equals the computed one. */
export function verifyChecksum(expected: StoredChecksum, computedBase64: string): void {
  if (expected.value === computedBase64) return;
  throw new BadDigest(`The ${expected.algorithm} you specified did not match the calculated checksum.`);
}

/** Reads a Content-MD5 header into its 16 bytes. Throws `InvalidDigest` when it is not base64 of 16 bytes. */
export function parseContentMd5(header: string): Buffer {
  const bytes = Buffer.from(header, 'base64');
  const canonical = /^[A-Za-z0-9+/]{22}==$/.test(header);
  if (!canonical || bytes.length !== 16) throw new InvalidDigest(header);
  return bytes;
}

/** Throws `BadDigest` when the body's MD5 differs from the Content-MD5 header. */
export function verifyContentMd5(header: string, md5: Buffer): void {
  const expected = parseContentMd5(header);
  if (expected.equals(md5)) return;
  throw new BadDigest('The Content-MD5 you specified did not match what we received.');
}

/** Checks that a checksum value is base64 of the algorithm's digest length. */
export function validateChecksumValue(algorithm: ChecksumAlgorithm, value: string): void {
  const expectedBytes = { CRC32: 4, CRC32C: 4, SHA1: 20, SHA256: 32 }[algorithm];
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length === expectedBytes && bytes.toString('base64') === value) return;
  throw new InvalidRequest(`Value for ${checksumHeader(algorithm)} header is invalid: "${value}" is not a base64 ${algorithm} checksum.`);
}

function crc32Hasher(): ChecksumHasher {
  let value = 0;
  return {
    update: (chunk) => {
      value = crc32(chunk, value);
    },
    digestBase64: () => uint32Base64(value),
  };
}

function crc32cHasher(): ChecksumHasher {
  const hash = new Crc32c();
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    digestBase64: () => uint32Base64(hash.digest()),
  };
}

function digestHasher(hash: Hash): ChecksumHasher {
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    digestBase64: () => hash.digest('base64'),
  };
}

function uint32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}
