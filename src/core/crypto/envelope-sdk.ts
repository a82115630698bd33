/**
 * The envelope messages that the message codec does not handle, through the AWS Encryption SDK:
 * the committing suite with ECDSA P-384 signature (`0x0578`), and version 1 messages, which the
 * commitment policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT rejects with a clear error.
 *
 * `envelope.ts` imports this module on first use, so the SDK stays out of a cold start. Its KMS
 * keyrings and caching materials managers come from `materials.ts`, with the same data key cache
 * limits as the codec path.
 */
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { CommitmentPolicy } from '@aws-crypto/material-management-node';
import type { AlgorithmSuiteIdentifier } from '@aws-crypto/material-management-node';

import { translateKmsError } from '../aws/translate.js';
import type { KeystageError } from '../errors.js';
import type { EnvelopeDecryptInput, EnvelopeDecryptResult, EnvelopeEncryptInput, EnvelopeEncryptResult } from './envelope.js';
import { FRAME_LENGTH_BYTES, MAX_ENCRYPTED_DATA_KEYS, translateEnvelopeFailure } from './envelope.js';
import { KmsCapturedFailure, withKmsErrorCapture } from './kms-errors.js';

/**
 * The Encryption SDK client, built from its encrypt and decrypt packages rather than
 * `@aws-crypto/client-node`: that umbrella package ships only CommonJS, so a bundler keeps all
 * of it, including the hierarchical keyring and its DynamoDB client (about 110 KiB minified).
 * `buildEncrypt` and `buildDecrypt` are the two halves of `buildClient`.
 */
const clientOptions = { commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: MAX_ENCRYPTED_DATA_KEYS };
const encryptionSdk = { ...buildEncrypt(clientOptions), ...buildDecrypt(clientOptions) };

/**
 * Encrypts with the SDK. The KMS keyring lets a `GenerateDataKey` error propagate unchanged, so
 * encryption skips `withKmsErrorCapture`, whose async-context hooks would slow every later
 * request of the function.
 */
export async function encryptWithSdk(input: EnvelopeEncryptInput): Promise<EnvelopeEncryptResult> {
  try {
    const manager = await input.keys.loadMaterialsManager();
    const { result, messageHeader } = await encryptionSdk.encrypt(manager, input.plaintext, {
      encryptionContext: input.context,
      suiteId: input.suiteId as AlgorithmSuiteIdentifier,
      frameLength: input.frameLengthBytes ?? FRAME_LENGTH_BYTES,
    });
    return { ciphertext: result, keyId: messageHeader.encryptedDataKeys[0]?.providerInfo ?? input.keyId };
  } catch (error) {
    throw translateSdkFailure(error, 'GenerateDataKey', input.keyId);
  }
}

/** Decrypts with the SDK and checks the decrypted message's context. */
export async function decryptWithSdk(input: EnvelopeDecryptInput): Promise<EnvelopeDecryptResult> {
  try {
    const manager = await input.keys.loadMaterialsManager();
    const { plaintext, messageHeader } = await withKmsErrorCapture(() => encryptionSdk.decrypt(manager, input.ciphertext, { maxBodySize: input.maxPlaintextBytes }));
    input.checkContext(messageHeader.encryptionContext);
    return { plaintext, context: messageHeader.encryptionContext, keyId: messageHeader.encryptedDataKeys[0]?.providerInfo };
  } catch (error) {
    throw translateSdkFailure(error, 'Decrypt', undefined);
  }
}

/**
 * Translates an SDK failure. The SDK's KMS keyring folds KMS errors of decryption into a generic
 * error, so the KMS errors recorded during the call take precedence.
 */
function translateSdkFailure(error: unknown, operation: 'GenerateDataKey' | 'Decrypt', keyId: string | undefined): KeystageError {
  if (!(error instanceof KmsCapturedFailure)) return translateEnvelopeFailure(error, operation, keyId);

  const [firstKmsError] = error.kmsErrors;
  if (firstKmsError !== undefined) return translateKmsError(firstKmsError, { operation, keyId });
  return translateEnvelopeFailure(error.failure, operation, keyId);
}
