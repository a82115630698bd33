/**
 * The `envelope` format: an AWS Encryption SDK message whose data key comes from KMS through the
 * materials managers of `materials.ts`. Messages use a committing algorithm suite, and the
 * commitment policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT rejects non-committing messages on decrypt.
 *
 * `message/codec.ts` writes and reads messages of the non-signing suite on whole buffers. Signed
 * messages, and anything else the codec does not read, go through the Encryption SDK.
 */
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { CommitmentPolicy, EncryptedDataKey, NodeAlgorithmSuite, unwrapDataKey } from '@aws-crypto/material-management-node';
import type { AlgorithmSuiteIdentifier, NodeMaterialsManager } from '@aws-crypto/material-management-node';

import { CiphertextInvalidError, InternalError, KeystageError, PayloadTooLargeError } from '../errors.js';
import { translateKmsError } from '../aws/translate.js';
import type { EncryptionContext } from './context.js';
import { KmsCapturedFailure, withKmsErrorCapture } from './kms-errors.js';
import { readMessage, writeMessage } from './message/codec.js';
import { CONTENT_TYPE_FRAMED, parseHeader } from './message/header.js';
import type { ParsedHeader } from './message/header.js';
import { COMMITTING_SUITE_ID } from './suites.js';

/** keystage messages carry one encrypted data key; a few more are tolerated, thousands are not. */
export const MAX_ENCRYPTED_DATA_KEYS = 8;

/**
 * Frame length of new messages. Larger frames cost fewer cipher setups; 1 MiB keeps a frame
 * well inside the 6 MB invoke payload limit and the memory of the smallest Lambda size.
 */
export const FRAME_LENGTH_BYTES = 1024 * 1024;

const COMMITMENT_POLICY = CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT;

/**
 * The Encryption SDK client, built from its encrypt and decrypt packages rather than
 * `@aws-crypto/client-node`: that umbrella package ships only CommonJS, so a bundler keeps all
 * of it, including the hierarchical keyring and its DynamoDB client (about 110 KiB minified).
 * `buildEncrypt` and `buildDecrypt` are the two halves of `buildClient`.
 */
const clientOptions = { commitmentPolicy: COMMITMENT_POLICY, maxEncryptedDataKeys: MAX_ENCRYPTED_DATA_KEYS };
const encryptionSdk = { ...buildEncrypt(clientOptions), ...buildDecrypt(clientOptions) };

export interface EnvelopeEncryptInput {
  manager: NodeMaterialsManager;
  plaintext: Uint8Array;
  context: EncryptionContext;
  suiteId: AlgorithmSuiteIdentifier;
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
  manager: NodeMaterialsManager;
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

/**
 * Encrypts `plaintext` into an Encryption SDK message. The KMS keyring lets a `GenerateDataKey`
 * error propagate unchanged, so encryption skips `withKmsErrorCapture`, whose async-context hooks
 * would slow every request of the encryption function.
 */
export async function encryptEnvelope(input: EnvelopeEncryptInput): Promise<EnvelopeEncryptResult> {
  try {
    return input.suiteId === COMMITTING_SUITE_ID ? await encryptWithCodec(input) : await encryptWithSdk(input);
  } catch (error) {
    throw translateEnvelopeFailure(error, 'GenerateDataKey', input.keyId);
  }
}

/** Decrypts an Encryption SDK message whose context passes `checkContext`. */
export async function decryptEnvelope(input: EnvelopeDecryptInput): Promise<EnvelopeDecryptResult> {
  const parsed = parseVersion2Header(input.ciphertext);
  if (parsed) input.checkContext(parsed.header.encryptionContext);

  try {
    const decrypted = await withKmsErrorCapture(() => (parsed && readableByCodec(parsed) ? decryptWithCodec(input, parsed) : decryptWithSdk(input)));
    input.checkContext(decrypted.context);
    return decrypted;
  } catch (error) {
    throw translateEnvelopeFailure(error, 'Decrypt', undefined);
  }
}

async function encryptWithCodec(input: EnvelopeEncryptInput): Promise<EnvelopeEncryptResult> {
  const material = await input.manager.getEncryptionMaterials({
    suite: suiteFor(input.suiteId),
    encryptionContext: input.context,
    plaintextLength: input.plaintext.byteLength,
    commitmentPolicy: COMMITMENT_POLICY,
  });

  try {
    if (material.suite.id !== input.suiteId) throw new Error(`The materials manager returned suite ${material.suite.id}, not ${input.suiteId}.`);
    if (material.encryptedDataKeys.length > MAX_ENCRYPTED_DATA_KEYS) throw new Error(`The materials carry more than ${MAX_ENCRYPTED_DATA_KEYS} encrypted data keys.`);
    const encryptedDataKeys = material.encryptedDataKeys.map(({ providerId, providerInfo, rawInfo, encryptedDataKey }) => ({ providerId, providerInfo, rawInfo, encryptedDataKey }));
    const ciphertext = writeMessage({
      dataKey: unwrapDataKey(material.getUnencryptedDataKey()),
      encryptionContext: material.encryptionContext,
      encryptedDataKeys,
      frameLength: input.frameLengthBytes ?? FRAME_LENGTH_BYTES,
      plaintext: input.plaintext,
    });
    return { ciphertext, keyId: encryptedDataKeys[0]?.providerInfo ?? input.keyId };
  } finally {
    material.zeroUnencryptedDataKey();
  }
}

async function encryptWithSdk(input: EnvelopeEncryptInput): Promise<EnvelopeEncryptResult> {
  const { result, messageHeader } = await encryptionSdk.encrypt(input.manager, input.plaintext, {
    encryptionContext: input.context,
    suiteId: input.suiteId,
    frameLength: input.frameLengthBytes ?? FRAME_LENGTH_BYTES,
  });
  return { ciphertext: result, keyId: messageHeader.encryptedDataKeys[0]?.providerInfo ?? input.keyId };
}

async function decryptWithCodec(input: EnvelopeDecryptInput, parsed: ParsedHeader): Promise<EnvelopeDecryptResult> {
  const { header } = parsed;
  const material = await input.manager.decryptMaterials({
    suite: suiteFor(header.suiteId),
    encryptionContext: header.encryptionContext,
    encryptedDataKeys: header.encryptedDataKeys.map((dataKey) => new EncryptedDataKey(dataKey)),
  });

  try {
    const plaintext = readMessage(parsed, input.ciphertext, unwrapDataKey(material.getUnencryptedDataKey()), input.maxPlaintextBytes);
    const keyId = material.keyringTrace[0]?.keyName ?? header.encryptedDataKeys[0]?.providerInfo;
    return { plaintext, context: header.encryptionContext, keyId };
  } finally {
    material.zeroUnencryptedDataKey();
  }
}

async function decryptWithSdk(input: EnvelopeDecryptInput): Promise<EnvelopeDecryptResult> {
  const { plaintext, messageHeader } = await encryptionSdk.decrypt(input.manager, input.ciphertext, { maxBodySize: input.maxPlaintextBytes });
  return { plaintext, context: messageHeader.encryptionContext, keyId: messageHeader.encryptedDataKeys[0]?.providerInfo };
}

const suites = new Map<number, NodeAlgorithmSuite>();

/** Returns the suite object of an id, built once because it is immutable. */
function suiteFor(suiteId: AlgorithmSuiteIdentifier): NodeAlgorithmSuite {
  let suite = suites.get(suiteId);
  if (!suite) {
    suite = new NodeAlgorithmSuite(suiteId);
    suites.set(suiteId, suite);
  }
  return suite;
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
 * Maps an envelope failure to a keystage error. Keystage errors pass through, and a KMS error,
 * thrown or recorded, is translated. Any other decrypt failure means the message is invalid.
 */
export function translateEnvelopeFailure(error: unknown, operation: 'GenerateDataKey' | 'Decrypt', keyId: string | undefined): KeystageError {
  const failure = error instanceof KmsCapturedFailure ? error.failure : error;
  const kmsErrors = error instanceof KmsCapturedFailure ? error.kmsErrors : [];

  if (failure instanceof KeystageError) return failure;
  if (kmsErrors.length > 0) return translateKmsError(kmsErrors[0], { operation, keyId });
  if (isSdkError(failure)) return translateKmsError(failure, { operation, keyId });
  if (operation === 'GenerateDataKey') return new InternalError('The Encryption SDK failed to encrypt the payload.', { cause: failure });

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
