import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { InvalidCiphertextException } from './errors.js';

/**
 * The ciphertext blob of the local KMS. Like KMS's own symmetric blobs it is self-describing,
 * so Decrypt needs no KeyId:
 *
 * | bytes | field |
 * | --- | --- |
 * | 1 | format version, `0x01` |
 * | 16 | key id, the UUID's bytes |
 * | 4 | backing-key version, unsigned big-endian |
 * | 12 | AES-GCM IV |
 * | 16 | AES-GCM tag |
 * | rest | AES-256-GCM ciphertext |
 *
 * The AAD is the 21-byte header followed by the canonical encoding of the encryption context,
 * so a changed header byte, a changed context or a changed ciphertext byte all fail the tag.
 */

export const CIPHERTEXT_FORMAT_VERSION = 1;
const HEADER_BYTES = 21;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The smallest blob: a header, an IV, a tag and at least one ciphertext byte. */
export const MIN_CIPHERTEXT_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES + 1;

/** Header of a blob: the key, and the version of its backing key, that encrypted it. */
export interface CiphertextHeader {
  keyId: string;
  materialVersion: number;
}

/** A blob split into its parts, before its tag is checked. */
export interface ParsedCiphertext extends CiphertextHeader {
  header: Buffer;
  iv: Buffer;
  tag: Buffer;
  encrypted: Buffer;
}

/** Encrypts `plaintext` under a 32-byte backing key and returns the complete blob. */
export function sealCiphertext(
  header: CiphertextHeader,
  backingKey: Buffer,
  plaintext: Buffer,
  encryptionContext: Record<string, string> = {},
): Buffer {
  const headerBytes = encodeHeader(header);
  const iv = randomBytes(IV_BYTES);

  const cipher = createCipheriv('aes-256-gcm', backingKey, iv);
  cipher.setAAD(Buffer.concat([headerBytes, encodeEncryptionContext(encryptionContext)]));
  const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);

  return Buffer.concat([headerBytes, iv, cipher.getAuthTag(), encrypted]);
}

/** Splits a blob into its parts; throws InvalidCiphertextException when it is not one of ours. */
export function parseCiphertext(blob: Buffer): ParsedCiphertext {
  if (blob.length < MIN_CIPHERTEXT_BYTES || blob[0] !== CIPHERTEXT_FORMAT_VERSION) {
    throw new InvalidCiphertextException('The ciphertext is not a KMS ciphertext blob of this local cloud, or it was changed.');
  }

  const header = blob.subarray(0, HEADER_BYTES);
  const ivEnd = HEADER_BYTES + IV_BYTES;
  return {
    header,
    keyId: formatUuid(header.subarray(1, 17)),
    materialVersion: header.readUInt32BE(17),
    iv: blob.subarray(HEADER_BYTES, ivEnd),
    tag: blob.subarray(ivEnd, ivEnd + TAG_BYTES),
    encrypted: blob.subarray(ivEnd + TAG_BYTES),
  };
}

/**
 * Decrypts a parsed blob. Any change to the blob, a wrong backing key or a different
 * encryption context (a changed, missing or extra pair) throws InvalidCiphertextException.
 */
export function openCiphertext(parsed: ParsedCiphertext, backingKey: Buffer, encryptionContext: Record<string, string> = {}): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', backingKey, parsed.iv);
    decipher.setAAD(Buffer.concat([parsed.header, encodeEncryptionContext(encryptionContext)]));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.encrypted), decipher.final()]);
  } catch (error) {
    throw new InvalidCiphertextException(
      'The ciphertext failed authentication: it was changed, or the encryption context differs from the one used to encrypt it.',
      { cause: error },
    );
  }
}

/**
 * Encodes an encryption context so that equal maps give equal bytes whatever their pair order:
 * the pair count, then each pair sorted by the UTF-8 bytes of its key, every string prefixed
 * with its byte length. The length prefixes keep `{"ab": "c"}` apart from `{"a": "bc"}`.
 */
export function encodeEncryptionContext(encryptionContext: Record<string, string>): Buffer {
  const pairs = Object.entries(encryptionContext).map(([key, value]) => [Buffer.from(key, 'utf8'), Buffer.from(value, 'utf8')] as const);
  pairs.sort(([a], [b]) => Buffer.compare(a, b));

  const parts: Buffer[] = [uint32(pairs.length)];
  for (const [key, value] of pairs) parts.push(uint32(key.length), key, uint32(value.length), value);
  return Buffer.concat(parts);
}

function encodeHeader(header: CiphertextHeader): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES);
  bytes[0] = CIPHERTEXT_FORMAT_VERSION;
  Buffer.from(header.keyId.replaceAll('-', ''), 'hex').copy(bytes, 1);
  bytes.writeUInt32BE(header.materialVersion, 17);
  return bytes;
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}
