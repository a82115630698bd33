import { randomBytes } from 'node:crypto';

import { validationError } from '../protocol/json.js';
import { sealCiphertext, openCiphertext, parseCiphertext } from './ciphertext.js';
import { DryRunOperationException, IncorrectKeyException, InvalidCiphertextException, InvalidKeyUsageException } from './errors.js';
import type { KmsScope } from './key-id.js';
import { authorizeKey, keyArn, requireUsableKey, resolveKey } from './key-id.js';
import { keyMaterialId } from './keys.js';
import type { KeyRecord } from './store.js';
import { checkEnum, checkLength, checkRange } from './validation.js';

export const ENCRYPTION_ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const;
const DATA_KEY_SPECS = ['AES_256', 'AES_128'] as const;
const DATA_KEY_SPEC_BYTES: Record<(typeof DATA_KEY_SPECS)[number], number> = { AES_256: 32, AES_128: 16 };
/** Plaintext bounds of Encrypt, from the KMS API: 1 to 4,096 bytes. */
export const MAX_PLAINTEXT_BYTES = 4096;
/** Ciphertext bounds of Decrypt and ReEncrypt, from the KMS API: 1 to 6,144 bytes. */
export const MAX_CIPHERTEXT_BYTES = 6144;

type EncryptionContext = Record<string, string>;

export interface EncryptInput {
  KeyId: string;
  Plaintext: Buffer;
  EncryptionContext?: EncryptionContext;
  EncryptionAlgorithm?: string;
  /** Checks the request and the key's state, then fails with DryRunOperationException instead of running. */
  DryRun?: boolean;
}

export interface DecryptInput {
  CiphertextBlob: Buffer;
  KeyId?: string;
  EncryptionContext?: EncryptionContext;
  EncryptionAlgorithm?: string;
  /** Checks the request and the key's state, then fails with DryRunOperationException instead of running. */
  DryRun?: boolean;
}

export interface GenerateDataKeyInput {
  KeyId: string;
  KeySpec?: string;
  NumberOfBytes?: number;
  EncryptionContext?: EncryptionContext;
  /** Checks the request and the key's state, then fails with DryRunOperationException instead of running. */
  DryRun?: boolean;
}

export interface ReEncryptInput {
  CiphertextBlob: Buffer;
  SourceKeyId?: string;
  SourceEncryptionContext?: EncryptionContext;
  SourceEncryptionAlgorithm?: string;
  DestinationKeyId: string;
  DestinationEncryptionContext?: EncryptionContext;
  DestinationEncryptionAlgorithm?: string;
  /** Checks the request and the key's state, then fails with DryRunOperationException instead of running. */
  DryRun?: boolean;
}

/** Encrypts up to 4,096 bytes under a key named in any of the four forms. */
export function Encrypt(
  scope: KmsScope,
  input: EncryptInput,
): { CiphertextBlob: Buffer; KeyId: string; EncryptionAlgorithm: string } {
  checkLength('Plaintext', input.Plaintext, 1, MAX_PLAINTEXT_BYTES);
  const algorithm = checkAlgorithm('EncryptionAlgorithm', input.EncryptionAlgorithm);
  const key = usableKey(scope, input.KeyId, 'kms:Encrypt', input.EncryptionContext);
  if (input.DryRun) throw dryRun();

  return {
    CiphertextBlob: encryptWithKey(scope, key, input.Plaintext, input.EncryptionContext),
    KeyId: keyArn(scope, key.keyId),
    EncryptionAlgorithm: algorithm,
  };
}

/**
 * Decrypts a blob made by Encrypt, GenerateDataKey or ReEncrypt. The key comes from the blob,
 * so a `KeyId` (any of the four forms) is optional. When given, it must name that same key or
 * the call fails with IncorrectKeyException.
 */
export function Decrypt(
  scope: KmsScope,
  input: DecryptInput,
): { KeyId: string; Plaintext: Buffer; EncryptionAlgorithm: string; KeyMaterialId: string } {
  checkLength('CiphertextBlob', input.CiphertextBlob, 1, MAX_CIPHERTEXT_BYTES);
  const algorithm = checkAlgorithm('EncryptionAlgorithm', input.EncryptionAlgorithm);

  const { key, plaintext, materialVersion } = decryptBlob(scope, 'kms:Decrypt', input.CiphertextBlob, input.KeyId, input.EncryptionContext);
  if (input.DryRun) throw dryRun();

  return {
    KeyId: keyArn(scope, key.keyId),
    Plaintext: plaintext,
    EncryptionAlgorithm: algorithm,
    KeyMaterialId: keyMaterialId(key.keyId, materialVersion),
  };
}

/**
 * Returns a new random data key in plaintext and encrypted under a key. Exactly one of
 * `KeySpec` (AES_256, AES_128) and `NumberOfBytes` (1–1024) is required.
 */
export function GenerateDataKey(
  scope: KmsScope,
  input: GenerateDataKeyInput,
): { CiphertextBlob: Buffer; Plaintext: Buffer; KeyId: string; KeyMaterialId: string } {
  return generateDataKey(scope, input, 'kms:GenerateDataKey');
}

/** Like GenerateDataKey, but returns only the encrypted data key. */
export function GenerateDataKeyWithoutPlaintext(
  scope: KmsScope,
  input: GenerateDataKeyInput,
): { CiphertextBlob: Buffer; KeyId: string; KeyMaterialId: string } {
  const { CiphertextBlob, KeyId, KeyMaterialId } = generateDataKey(scope, input, 'kms:GenerateDataKeyWithoutPlaintext');
  return { CiphertextBlob, KeyId, KeyMaterialId };
}

function generateDataKey(
  scope: KmsScope,
  input: GenerateDataKeyInput,
  action: string,
): { CiphertextBlob: Buffer; Plaintext: Buffer; KeyId: string; KeyMaterialId: string } {
  const dataKeyBytes = dataKeyLength(input);
  const key = usableKey(scope, input.KeyId, action, input.EncryptionContext);
  if (input.DryRun) throw dryRun();

  const plaintext = randomBytes(dataKeyBytes);
  return {
    CiphertextBlob: encryptWithKey(scope, key, plaintext, input.EncryptionContext),
    Plaintext: plaintext,
    KeyId: keyArn(scope, key.keyId),
    KeyMaterialId: keyMaterialId(key.keyId, key.currentMaterialVersion),
  };
}

/** Decrypts a blob and encrypts its plaintext under another key or context, on the server side. */
export function ReEncrypt(
  scope: KmsScope,
  input: ReEncryptInput,
): {
  CiphertextBlob: Buffer;
  SourceKeyId: string;
  KeyId: string;
  SourceEncryptionAlgorithm: string;
  DestinationEncryptionAlgorithm: string;
  SourceKeyMaterialId: string;
  DestinationKeyMaterialId: string;
} {
  checkLength('CiphertextBlob', input.CiphertextBlob, 1, MAX_CIPHERTEXT_BYTES);
  const sourceAlgorithm = checkAlgorithm('SourceEncryptionAlgorithm', input.SourceEncryptionAlgorithm);
  const destinationAlgorithm = checkAlgorithm('DestinationEncryptionAlgorithm', input.DestinationEncryptionAlgorithm);
  const destination = usableKey(scope, input.DestinationKeyId, 'kms:ReEncryptTo', input.DestinationEncryptionContext);

  const source = decryptBlob(scope, 'kms:ReEncryptFrom', input.CiphertextBlob, input.SourceKeyId, input.SourceEncryptionContext);
  if (input.DryRun) throw dryRun();

  return {
    CiphertextBlob: encryptWithKey(scope, destination, source.plaintext, input.DestinationEncryptionContext),
    SourceKeyId: keyArn(scope, source.key.keyId),
    KeyId: keyArn(scope, destination.keyId),
    SourceEncryptionAlgorithm: sourceAlgorithm,
    DestinationEncryptionAlgorithm: destinationAlgorithm,
    SourceKeyMaterialId: keyMaterialId(source.key.keyId, source.materialVersion),
    DestinationKeyMaterialId: keyMaterialId(destination.keyId, destination.currentMaterialVersion),
  };
}

function usableKey(scope: KmsScope, keyReference: string, action: string, encryptionContext?: EncryptionContext): KeyRecord {
  const key = resolveKey(scope, keyReference, 'any', action, encryptionContext ?? {});
  requireUsableKey(scope, key);
  return key;
}

function encryptWithKey(scope: KmsScope, key: KeyRecord, plaintext: Buffer, encryptionContext: EncryptionContext = {}): Buffer {
  const material = scope.store.getMaterial(key.keyId, key.currentMaterialVersion);
  if (!material) throw new Error(`Key ${key.keyId} has no backing key version ${key.currentMaterialVersion}.`);
  return sealCiphertext({ keyId: key.keyId, materialVersion: key.currentMaterialVersion }, material, plaintext, encryptionContext);
}

function decryptBlob(
  scope: KmsScope,
  action: string,
  blob: Buffer,
  keyReference: string | undefined,
  encryptionContext: EncryptionContext = {},
): { key: KeyRecord; plaintext: Buffer; materialVersion: number } {
  const parsed = parseCiphertext(blob);
  const named = keyReference === undefined ? undefined : resolveKey(scope, keyReference, 'any', action, encryptionContext);
  if (named && named.keyId !== parsed.keyId) {
    throw new IncorrectKeyException('The key ID in the request does not identify a CMK that can perform this operation.');
  }

  const key = named ?? scope.store.getKey(scope.region, parsed.keyId);
  const material = key && scope.store.getMaterial(key.keyId, parsed.materialVersion);
  if (!key || !material) {
    throw new InvalidCiphertextException('The ciphertext names a key or key version that does not exist in this account and region.');
  }
  if (!named) authorizeKey(scope, action, key, encryptionContext);
  requireUsableKey(scope, key);

  const plaintext = openCiphertext(parsed, material, encryptionContext);
  return { key, plaintext, materialVersion: parsed.materialVersion };
}

function dryRun(): InstanceType<typeof DryRunOperationException> {
  return new DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
}

function checkAlgorithm(memberName: string, algorithm: string | undefined): string {
  const checked = checkEnum(memberName, algorithm ?? 'SYMMETRIC_DEFAULT', ENCRYPTION_ALGORITHMS);
  if (checked !== 'SYMMETRIC_DEFAULT') {
    throw new InvalidKeyUsageException(`${memberName} ${checked} is not supported by symmetric encryption keys; use SYMMETRIC_DEFAULT.`);
  }
  return checked;
}

function dataKeyLength(input: GenerateDataKeyInput): number {
  if (input.KeySpec !== undefined && input.NumberOfBytes !== undefined) {
    throw validationError('KeySpec', 'Specify either KeySpec or NumberOfBytes, not both');
  }
  if (input.KeySpec !== undefined) return DATA_KEY_SPEC_BYTES[checkEnum('KeySpec', input.KeySpec, DATA_KEY_SPECS)];
  if (input.NumberOfBytes === undefined) {
    throw validationError('KeySpec', 'Specify either KeySpec (AES_256 or AES_128) or NumberOfBytes (1 to 1024)');
  }

  checkRange('NumberOfBytes', input.NumberOfBytes, 1, 1024);
  return input.NumberOfBytes;
}
