import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { validationError } from '../protocol/json.js';
import {
  CustomKeyStoreNotFoundException,
  KMSInvalidStateException,
  MalformedPolicyDocumentException,
  UnsupportedOperationException,
} from './errors.js';
import type { KmsScope } from './key-id.js';
import { keyArn, requireNotPendingDeletion, resolveKey } from './key-id.js';
import type { KeyRecord, Tag } from './store.js';
import { MAX_TAGS_PER_KEY, checkEnum, checkLength, checkRange, checkTags, decodeMarker, encodeMarker } from './validation.js';
import { TagException } from './errors.js';

export const KEY_SPECS = [
  'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1',
  'SYMMETRIC_DEFAULT', 'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'SM2', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87',
  'ECC_NIST_EDWARDS25519',
] as const;
export const KEY_USAGES = ['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'] as const;
export const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const;

/** Bytes of each backing key: AES-256. */
export const BACKING_KEY_BYTES = 32;
const DEFAULT_PENDING_WINDOW_DAYS = 30;

/** `KeyMetadata`, as DescribeKey and CreateKey return it. */
export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: boolean;
  Description: string;
  KeyUsage: string;
  KeyState: string;
  DeletionDate?: Date;
  Origin: string;
  KeyManager: 'CUSTOMER';
  CustomerMasterKeySpec: string;
  KeySpec: string;
  EncryptionAlgorithms: string[];
  MultiRegion: false;
  CurrentKeyMaterialId: string;
}

export interface CreateKeyInput {
  Description?: string;
  KeyUsage?: string;
  KeySpec?: string;
  CustomerMasterKeySpec?: string;
  Origin?: string;
  Policy?: string;
  Tags?: Tag[];
  MultiRegion?: boolean;
  CustomKeyStoreId?: string;
  XksKeyId?: string;
}

/**
 * Creates a symmetric encryption key with fresh random key material.
 * NOTE: only `SYMMETRIC_DEFAULT` keys with `AWS_KMS` origin exist here. Requests for asymmetric,
 * HMAC, imported, multi-Region or custom key store keys fail with UnsupportedOperationException.
 */
export function CreateKey(scope: KmsScope, input: CreateKeyInput): { KeyMetadata: KeyMetadata } {
  scope.authorize('kms:CreateKey', '*');
  const key = newKeyRecord(scope, input);
  const tags = input.Tags ?? [];
  checkTags(tags);
  if (tags.length > MAX_TAGS_PER_KEY) throw new TagException(`A key can have at most ${MAX_TAGS_PER_KEY} tags; the request has ${tags.length}.`);

  scope.store.insertKey(key, randomBytes(BACKING_KEY_BYTES), tags);
  return { KeyMetadata: keyMetadata(scope, scope.store.getKey(scope.region, key.keyId)!) };
}

function newKeyRecord(scope: KmsScope, input: CreateKeyInput): KeyRecord {
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
    throw validationError('KeySpec', 'KeySpec and the deprecated CustomerMasterKeySpec cannot both be set; use KeySpec only');
  }
  const keySpec = checkEnum('KeySpec', input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT', KEY_SPECS);
  const keyUsage = checkEnum('KeyUsage', input.KeyUsage ?? 'ENCRYPT_DECRYPT', KEY_USAGES);
  const origin = checkEnum('Origin', input.Origin ?? 'AWS_KMS', ORIGINS);
  const description = input.Description ?? '';
  checkLength('Description', description, 0, 8192);

  if (keySpec === 'SYMMETRIC_DEFAULT' && keyUsage !== 'ENCRYPT_DECRYPT') {
    throw validationError('KeyUsage', `KeyUsage ${keyUsage} is not compatible with KeySpec SYMMETRIC_DEFAULT; use ENCRYPT_DECRYPT`, keyUsage);
  }
  if (keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new UnsupportedOperationException(`KeySpec ${keySpec} is not supported by the local KMS; only SYMMETRIC_DEFAULT keys can be created.`);
  }
  if (origin !== 'AWS_KMS') throw new UnsupportedOperationException(`Origin ${origin} is not supported by the local KMS; use AWS_KMS.`);
  if (input.MultiRegion) throw new UnsupportedOperationException('Multi-Region keys are not supported by the local KMS.');
  if (input.CustomKeyStoreId !== undefined || input.XksKeyId !== undefined) {
    throw new CustomKeyStoreNotFoundException(`Custom key store ${input.CustomKeyStoreId ?? ''} does not exist; the local KMS has none.`);
  }

  const keyId = randomUUID();
  return {
    keyId,
    region: scope.region,
    description,
    keyUsage,
    keySpec,
    origin,
    policy: checkPolicy(input.Policy) ?? defaultKeyPolicy(scope.accountId),
    keyState: 'Enabled',
    createdAt: scope.now(),
    rotationEnabled: false,
    onDemandRotations: 0,
    currentMaterialVersion: 1,
  };
}

/** Checks a key policy: 1 to 131,072 characters of a JSON object; returns it, or undefined when absent. */
export function checkPolicy(policy: string | undefined): string | undefined {
  if (policy === undefined) return undefined;
  checkLength('Policy', policy, 1, 131072);
  try {
    const parsed: unknown = JSON.parse(policy);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
  } catch (error) {
    throw new MalformedPolicyDocumentException('The key policy is not a valid JSON policy document.', { cause: error });
  }
  return policy;
}

/** Builds the key policy that KMS gives a key created without one, which lets the account do everything. */
function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
    ],
  });
}

/** Returns a key's metadata; DescribeKey accepts all four key reference forms. */
export function DescribeKey(scope: KmsScope, input: { KeyId: string }): { KeyMetadata: KeyMetadata } {
  return { KeyMetadata: keyMetadata(scope, resolveKey(scope, input.KeyId, 'any', 'kms:DescribeKey')) };
}

/** Lists the keys of the request's region in creation order, `Limit` (1–1000, default 100) at a time. */
export function ListKeys(
  scope: KmsScope,
  input: { Limit?: number; Marker?: string },
): { Keys: { KeyId: string; KeyArn: string }[]; Truncated: boolean; NextMarker?: string } {
  const limit = input.Limit ?? 100;
  checkRange('Limit', limit, 1, 1000);
  const fromSeq = input.Marker === undefined ? 0 : Number(decodeMarker(input.Marker, 'number'));
  scope.authorize('kms:ListKeys', '*');

  const page = scope.store.listKeys(scope.region, fromSeq, limit);
  return {
    Keys: page.keys.map((key) => ({ KeyId: key.keyId, KeyArn: keyArn(scope, key.keyId) })),
    Truncated: page.nextSeq !== undefined,
    NextMarker: page.nextSeq === undefined ? undefined : encodeMarker(page.nextSeq),
  };
}

/** Enables a disabled key; a key pending deletion must have its deletion cancelled first. */
export function EnableKey(scope: KmsScope, input: { KeyId: string }): void {
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:EnableKey');
  requireNotPendingDeletion(scope, key);
  scope.store.setKeyState(key.keyId, 'Enabled');
}

/** Disables a key, so that cryptographic operations with it fail with DisabledException. */
export function DisableKey(scope: KmsScope, input: { KeyId: string }): void {
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:DisableKey');
  requireNotPendingDeletion(scope, key);
  scope.store.setKeyState(key.keyId, 'Disabled');
}

/**
 * Schedules a key's deletion after `PendingWindowInDays` (7–30, default 30). The key and its
 * aliases are deleted when the first request after that date arrives.
 */
export function ScheduleKeyDeletion(
  scope: KmsScope,
  input: { KeyId: string; PendingWindowInDays?: number },
): { KeyId: string; DeletionDate: Date; KeyState: 'PendingDeletion'; PendingWindowInDays: number } {
  const pendingWindowInDays = input.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
  checkRange('PendingWindowInDays', pendingWindowInDays, 7, 30);
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:ScheduleKeyDeletion');
  requireNotPendingDeletion(scope, key);

  const deletionDate = new Date(scope.now().getTime() + pendingWindowInDays * 86_400_000);
  scope.store.setKeyState(key.keyId, 'PendingDeletion', deletionDate);
  return { KeyId: keyArn(scope, key.keyId), DeletionDate: deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: pendingWindowInDays };
}

/** Cancels a scheduled deletion; the key comes back Disabled, as in KMS. */
export function CancelKeyDeletion(scope: KmsScope, input: { KeyId: string }): { KeyId: string } {
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:CancelKeyDeletion');
  if (key.keyState !== 'PendingDeletion') {
    throw new KMSInvalidStateException(`${keyArn(scope, key.keyId)} is ${key.keyState.toLowerCase()}, not pending deletion.`);
  }

  scope.store.setKeyState(key.keyId, 'Disabled');
  return { KeyId: keyArn(scope, key.keyId) };
}

/** Builds `KeyMetadata` from a stored key. */
export function keyMetadata(scope: KmsScope, key: KeyRecord): KeyMetadata {
  const pending = key.keyState === 'PendingDeletion';
  return {
    AWSAccountId: scope.accountId,
    KeyId: key.keyId,
    Arn: keyArn(scope, key.keyId),
    CreationDate: key.createdAt,
    Enabled: key.keyState === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.keyState,
    DeletionDate: pending ? key.deletionDate : undefined,
    Origin: key.origin,
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
    CurrentKeyMaterialId: keyMaterialId(key.keyId, key.currentMaterialVersion),
  };
}

/** A stable 64-hex-digit id for one backing key version, the form of KMS's `KeyMaterialId`. */
export function keyMaterialId(keyId: string, materialVersion: number): string {
  return createHash('sha256').update(`${keyId}/${materialVersion}`).digest('hex');
}
