/**
 * Recognises the format of a ciphertext. An Encryption SDK message starts with its version byte
 * and a known algorithm suite id: `0x02 <suite:2>` for format version 2, or `0x01 0x80 <suite:2>`
 * for version 1 (the `0x80` is its object type). Anything else is treated as a KMS ciphertext
 * blob; KMS blobs start with `0x01 0x02`, so the two cannot be confused.
 */
import { V1_SUITE_IDS, V2_SUITE_IDS } from './suites.js';

export type CiphertextFormat = 'envelope' | 'kms';

/** Object type byte of version 1 messages: customer authenticated encrypted data. */
const V1_OBJECT_TYPE = 0x80;

/** Returns `envelope` for an Encryption SDK message, else `kms`. */
export function detectFormat(ciphertext: Uint8Array): CiphertextFormat {
  if (ciphertext.byteLength >= 3 && ciphertext[0] === 0x02 && V2_SUITE_IDS.has(readUint16(ciphertext, 1))) {
    return 'envelope';
  }
  if (ciphertext.byteLength >= 4 && ciphertext[0] === 0x01 && ciphertext[1] === V1_OBJECT_TYPE && V1_SUITE_IDS.has(readUint16(ciphertext, 2))) {
    return 'envelope';
  }
  return 'kms';
}

function readUint16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}
