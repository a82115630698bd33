import { randomBytes } from 'node:crypto';

import type { Logger } from '../log.js';
import { DisabledException, LimitExceededException } from './errors.js';
import type { KmsScope } from './key-id.js';
import { keyArn, requireNotPendingDeletion, resolveKey } from './key-id.js';
import { BACKING_KEY_BYTES, keyMaterialId } from './keys.js';
import type { KeyRecord, KmsStore } from './store.js';
import { checkEnum, checkRange, decodeMarker, encodeMarker } from './validation.js';

const DEFAULT_ROTATION_PERIOD_DAYS = 365;
/** KMS allows at most 25 on-demand rotations per key. */
export const MAX_ON_DEMAND_ROTATIONS = 25;
const DAY_MS = 86_400_000;

/** Turns on yearly (or every `RotationPeriodInDays`, 90–2560) rotation of the key material. */
export function EnableKeyRotation(scope: KmsScope, input: { KeyId: string; RotationPeriodInDays?: number }): void {
  const periodInDays = input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
  checkRange('RotationPeriodInDays', periodInDays, 90, 2560);
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:EnableKeyRotation');
  requireRotatableKey(scope, key);

  const nextRotationDate = new Date(scope.now().getTime() + periodInDays * DAY_MS);
  scope.store.setRotation(key.keyId, { enabled: true, periodInDays, nextRotationDate });
}

/** Turns off automatic rotation; existing backing keys stay and keep decrypting. */
export function DisableKeyRotation(scope: KmsScope, input: { KeyId: string }): void {
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:DisableKeyRotation');
  requireRotatableKey(scope, key);
  scope.store.setRotation(key.keyId, { enabled: false });
}

/** Reports whether automatic rotation is on, its period and the next rotation date. */
export function GetKeyRotationStatus(
  scope: KmsScope,
  input: { KeyId: string },
): { KeyRotationEnabled: boolean; KeyId: string; RotationPeriodInDays?: number; NextRotationDate?: Date } {
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:GetKeyRotationStatus');
  requireNotPendingDeletion(scope, key);

  return {
    KeyRotationEnabled: key.rotationEnabled,
    KeyId: keyArn(scope, key.keyId),
    RotationPeriodInDays: key.rotationEnabled ? key.rotationPeriodInDays : undefined,
    NextRotationDate: key.rotationEnabled ? key.nextRotationDate : undefined,
  };
}

/**
 * Rotates the key material now: new ciphertexts use a new backing key and older ones keep
 * decrypting with theirs. The rotation completes before the response, so no rotation is ever
 * in progress and ConflictException never occurs here.
 */
export function RotateKeyOnDemand(scope: KmsScope, input: { KeyId: string }): { KeyId: string } {
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:RotateKeyOnDemand');
  requireRotatableKey(scope, key);
  if (key.onDemandRotations >= MAX_ON_DEMAND_ROTATIONS) {
    throw new LimitExceededException(`${keyArn(scope, key.keyId)} has used all ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`);
  }

  scope.store.rotateMaterial(key.keyId, randomBytes(BACKING_KEY_BYTES), scope.now(), { onDemand: true });
  return { KeyId: keyArn(scope, key.keyId) };
}

/**
 * Lists the completed rotations of a key, oldest first, `Limit` (1–1000, default 100) at a time.
 * NOTE: `IncludeKeyMaterial` is checked but changes nothing, because keys with imported key
 * material, the case it is for, do not exist here.
 */
export function ListKeyRotations(
  scope: KmsScope,
  input: { KeyId: string; IncludeKeyMaterial?: string; Limit?: number; Marker?: string },
): { Rotations: { KeyId: string; KeyMaterialId: string; RotationDate: Date; RotationType: string }[]; Truncated: boolean; NextMarker?: string } {
  checkEnum('IncludeKeyMaterial', input.IncludeKeyMaterial ?? 'ROTATIONS_ONLY', ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY']);
  const limit = input.Limit ?? 100;
  checkRange('Limit', limit, 1, 1000);
  const afterVersion = input.Marker === undefined ? 0 : Number(decodeMarker(input.Marker, 'number'));
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:ListKeyRotations');

  const rotations = scope.store.listRotations(key.keyId, afterVersion, limit + 1);
  const page = rotations.slice(0, limit);
  const truncated = rotations.length > limit;
  return {
    Rotations: page.map((rotation) => ({
      KeyId: keyArn(scope, key.keyId),
      KeyMaterialId: keyMaterialId(key.keyId, rotation.materialVersion),
      RotationDate: rotation.rotatedAt,
      RotationType: rotation.rotationType,
    })),
    Truncated: truncated,
    NextMarker: truncated ? encodeMarker(page.at(-1)!.materialVersion) : undefined,
  };
}

function requireRotatableKey(scope: KmsScope, key: KeyRecord): void {
  if (key.keyState === 'Disabled') throw new DisabledException(`${keyArn(scope, key.keyId)} is disabled.`);
  requireNotPendingDeletion(scope, key);
}

/**
 * Runs the automatic rotations that have come due, in every region, each advancing its next
 * date by its period. The provider calls this before each request, so a rotation happens at
 * the first request after its date rather than at the date itself.
 */
export function rotateDueKeys(store: KmsStore, now: Date, logger: Logger): void {
  for (const key of store.keysDueForRotation(now)) {
    const periodMs = (key.rotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS) * DAY_MS;
    let nextRotationDate = key.nextRotationDate ?? now;
    while (nextRotationDate.getTime() <= now.getTime()) nextRotationDate = new Date(nextRotationDate.getTime() + periodMs);

    const version = store.rotateMaterial(key.keyId, randomBytes(BACKING_KEY_BYTES), now, { onDemand: false, nextRotationDate });
    logger.info('kms key rotated automatically', { keyId: key.keyId, region: key.region, materialVersion: version });
  }
}
