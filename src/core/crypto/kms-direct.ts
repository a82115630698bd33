/**
 * The `kms` format: a direct KMS `Encrypt` of at most 4,096 bytes, readable by any KMS client
 * that knows the encryption context. Decryption does not name the key, because a symmetric KMS
 * ciphertext blob carries it, so ciphertexts of a rotated-out key still decrypt.
 */
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';

import { PayloadTooLargeError } from '../errors.js';
import { translateKmsError } from '../aws/translate.js';
import type { EncryptionContext } from './context.js';

/** Largest plaintext KMS `Encrypt` accepts. */
export const KMS_MAX_PLAINTEXT_BYTES = 4096;

export interface DirectEncryptResult {
  ciphertext: Uint8Array;
  /** ARN of the key KMS used, as it returned it. */
  keyId: string;
}

export interface DirectDecryptResult {
  plaintext: Uint8Array;
  keyId: string | undefined;
}

/** Encrypts with KMS `Encrypt`; rejects payloads over 4,096 bytes with a hint to use `envelope`. */
export async function encryptDirect(kms: KMSClient, keyId: string, plaintext: Uint8Array, context: EncryptionContext): Promise<DirectEncryptResult> {
  if (plaintext.byteLength > KMS_MAX_PLAINTEXT_BYTES) {
    throw new PayloadTooLargeError(
      `The kms format encrypts at most ${KMS_MAX_PLAINTEXT_BYTES} bytes and the payload has ${plaintext.byteLength}; use "format": "envelope" for larger data.`,
    );
  }

  try {
    const response = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context }));
    return { ciphertext: requireBytes(response.CiphertextBlob), keyId: response.KeyId ?? keyId };
  } catch (error) {
    throw translateKmsError(error, { operation: 'Encrypt', keyId });
  }
}

/** Decrypts a KMS ciphertext blob with the expected encryption context. */
export async function decryptDirect(kms: KMSClient, ciphertext: Uint8Array, context: EncryptionContext): Promise<DirectDecryptResult> {
  try {
    const response = await kms.send(new DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: context }));
    return { plaintext: requireBytes(response.Plaintext), keyId: response.KeyId };
  } catch (error) {
    throw translateKmsError(error, { operation: 'Decrypt' });
  }
}

function requireBytes(value: Uint8Array | undefined): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error('KMS returned a response without its binary field.');
  return value;
}
