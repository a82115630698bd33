/**
 * The `envelope` format: an AWS Encryption SDK message whose data key comes from KMS. Messages use
 * a committing algorithm suite, and decryption rejects non-committing messages (the SDK's commitment
 * policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT).
 *
 * Messages of the committing suite without signature (`0x0478`), the default, are written and read
 * by `message/codec.ts` with data keys from `data-keys.ts`, without the Encryption SDK. Signed
 * messages, and anything else the codec does not read, go through `envelope-sdk.ts`, which is
 * imported on first use: bundled with code splitting, the SDK then sits in a chunk that a cold
 * start does not load.
 */
import { translateKmsError } from '../aws/translate.js';
import { CiphertextInvalidError, InternalError, KeystageError, PayloadTooLargeError } from '../errors.js';
import type { EncryptionContext } from './context.js';
import type { DataKeyProvider } from './data-keys.js';
import { readMessage, writeMessage } from './message/codec.js';
import { CONTENT_TYPE_FRAMED, parseHeader } from './message/header.js';
import type { ParsedHeader } from './message/header.js';
import { COMMITTING_SUITE_ID } from './suites.js';
import type { SuiteId } from './suites.js';

/** keystage messages carry one encrypted data key; a few more are tolerated, thousands are not. */
export const MAX_ENCRYPTED_DATA_KEYS = 8;

/**
 * Frame length of new messages. Larger frames cost fewer cipher setups; 1 MiB keeps a frame
 * well inside the 6 MB invoke payload limit and the memory of the smallest Lambda size.
 */
export const FRAME_LENGTH_BYTES = 1024 * 1024;

export interface EnvelopeEncryptInput {
  keys: DataKeyProvider;
  plaintext: Uint8Array;
  context: EncryptionContext;
  suiteId: SuiteId;
  /** Key named in the stage config, for error messages. */
  keyId: string;
  frameLengthBytes?: number;
}

export interface EnvelopeEncryptResult {
  ciphertext: Uint8Array;
  /** ARN of the KMS key that encrypted the data key, as KMS returned it. */
  keyId: string;
}

export interface EnvelopeDecryptInput {
  keys: DataKeyProvider;
  ciphertext: Uint8Array;
  maxPlaintextBytes: number;
  /**
   * Throws when the message's context is not the expected one. It runs on the header before any
   * KMS call (version 2 messages), and again on the context of the decrypted message.
   */
  checkContext: (context: Readonly<EncryptionContext>) => void;
}

export interface EnvelopeDecryptResult {
  plaintext: Uint8Array;
  context: Readonly<EncryptionContext>;
  keyId: string | undefined;
}

/** Encrypts `plaintext` into an Encryption SDK message. */
export async function encryptEnvelope(input: EnvelopeEncryptInput): Promise<EnvelopeEncryptResult> {
  if (input.suiteId !== COMMITTING_SUITE_ID) {
    const { encryptWithSdk } = await import('./envelope-sdk.js');
    return encryptWithSdk(input);
  }

  try {
    const { dataKey, encryptedDataKeys, keyId } = await input.keys.generateDataKey(input.context, input.plaintext.byteLength);
    const ciphertext = writeMessage({
      dataKey,
      encryptionContext: input.context,
      encryptedDataKeys,
      frameLength: input.frameLengthBytes ?? FRAME_LENGTH_BYTES,
      plaintext: input.plaintext,
    });
    return { ciphertext, keyId };
  } catch (error) {
    throw translateEnvelopeFailure(error, 'GenerateDataKey', input.keyId);
  }
}

/** Decrypts an Encryption SDK message whose context passes `checkContext`. */
export async function decryptEnvelope(input: EnvelopeDecryptInput): Promise<EnvelopeDecryptResult> {
  const parsed = parseVersion2Header(input.ciphertext);
  if (parsed) input.checkContext(parsed.header.encryptionContext);

  if (!parsed || !readableByCodec(parsed)) {
    const { decryptWithSdk } = await import('./envelope-sdk.js');
    return decryptWithSdk(input);
  }

  try {
    const { header } = parsed;
    const { dataKey, keyId } = await input.keys.decryptDataKey(header.encryptionContext, header.encryptedDataKeys);
    const plaintext = readMessage(parsed, input.ciphertext, dataKey, input.maxPlaintextBytes);
    return { plaintext, context: header.encryptionContext, keyId };
  } catch (error) {
    throw translateEnvelopeFailure(error, 'Decrypt', undefined);
  }
}

/** Parses the header of a version 2 message; returns undefined for version 1, which the SDK reads. */
function parseVersion2Header(ciphertext: Uint8Array): ParsedHeader | undefined {
  if (ciphertext[0] !== 0x02) return undefined;
  return parseHeader(ciphertext, MAX_ENCRYPTED_DATA_KEYS);
}

function readableByCodec(parsed: ParsedHeader): boolean {
  return parsed.header.suiteId === COMMITTING_SUITE_ID && parsed.header.contentType === CONTENT_TYPE_FRAMED;
}

/**
 * Maps an envelope failure to a keystage error. Keystage errors pass through, and a KMS error is
 * translated. Any other decrypt failure means the message is invalid.
 */
export function translateEnvelopeFailure(failure: unknown, operation: 'GenerateDataKey' | 'Decrypt', keyId: string | undefined): KeystageError {
  if (failure instanceof KeystageError) return failure;
  if (isSdkError(failure)) return translateKmsError(failure, { operation, keyId });
  if (operation === 'GenerateDataKey') return new InternalError('Encrypting the payload into an envelope message failed.', { cause: failure });

  const reason = failure instanceof Error ? failure.message : String(failure);
  if (/maxBodySize/i.test(reason)) {
    return new PayloadTooLargeError('The decrypted payload would exceed the response size limit.', { cause: failure });
  }
  return new CiphertextInvalidError(`The ciphertext is not a valid message for this stage (${summarize(reason)}).`, { cause: failure });
}

function isSdkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

function summarize(reason: string): string {
  const firstLine = reason.split('\n')[0] ?? reason;
  return firstLine.length > 160 ? `${firstLine.slice(0, 157)}...` : firstLine;
}
