import type { Authorize } from '../request.js';
import { DisabledException, KMSInvalidStateException, NotFoundException } from './errors.js';
import type { KeyRecord, KmsStore } from './store.js';

/**
 * The four ways a request names a KMS key: key id, key ARN, alias name and alias ARN.
 * Operations that change a key itself (EnableKey, TagResource, …) accept only the first two,
 * as the KMS API reference states for each of them.
 */
export type KeyReference =
  | { form: 'keyId'; keyId: string }
  | { form: 'keyArn'; keyId: string; region: string; accountId: string }
  | { form: 'aliasName'; aliasName: string }
  | { form: 'aliasArn'; aliasName: string; region: string; accountId: string };

/** The key reference forms that an operation accepts. */
export type AcceptedKeyForms = 'keyIdOrArn' | 'any';

/** The account and region that a request's keys and aliases live in, and the caller's authorization check. */
export interface KmsScope {
  store: KmsStore;
  region: string;
  accountId: string;
  now(): Date;
  /** Throws AccessDenied when IAM enforcement denies the caller an action on a resource. */
  authorize: Authorize;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ARN_PATTERN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

/**
 * Parses a key reference. Text that matches none of the four forms, a malformed ARN included,
 * raises NotFoundException, because that is the one error every KMS operation taking a key lists.
 */
export function parseKeyReference(text: string): KeyReference {
  if (text.startsWith('arn:')) return parseKmsArn(text);
  if (text.startsWith('alias/')) return { form: 'aliasName', aliasName: text };
  if (UUID_PATTERN.test(text)) return { form: 'keyId', keyId: text };
  throw new NotFoundException(`Invalid keyId ${text}`);
}

function parseKmsArn(text: string): KeyReference {
  const match = ARN_PATTERN.exec(text);
  if (!match) throw new NotFoundException(`Invalid arn ${text}: a KMS key ARN looks like arn:aws:kms:<region>:<account>:key/<key id>.`);

  const [, , region, accountId, resource, name] = match as unknown as [string, string, string, string, string, string];
  if (resource === 'alias') return { form: 'aliasArn', aliasName: `alias/${name}`, region, accountId };
  if (!UUID_PATTERN.test(name)) throw new NotFoundException(`Invalid keyId ${text}`);
  return { form: 'keyArn', keyId: name, region, accountId };
}

/** Builds the ARN of a key in a scope. */
export function keyArn(scope: Pick<KmsScope, 'region' | 'accountId'>, keyId: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:key/${keyId}`;
}

/** Builds the ARN of an alias in a scope, where `aliasName` includes `alias/`. */
export function aliasArn(scope: Pick<KmsScope, 'region' | 'accountId'>, aliasName: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:${aliasName}`;
}

/**
 * Finds the key a reference names in the request's account and region, then checks that the
 * caller may run `action` (`kms:Encrypt`) on it. Throws NotFoundException with KMS's wording
 * for an unknown key or alias, and for an alias form where the operation accepts only a key
 * id or key ARN.
 */
export function resolveKey(
  scope: KmsScope,
  text: string,
  accepted: AcceptedKeyForms,
  action: string,
  encryptionContext?: Record<string, string>,
): KeyRecord {
  const key = findKey(scope, text, accepted);
  authorizeKey(scope, action, key, encryptionContext);
  return key;
}

/**
 * Runs the caller's authorization check for an action on a key. The key's aliases become
 * `kms:ResourceAliases`, and the encryption context the `kms:EncryptionContext:<key>` and
 * `kms:EncryptionContextKeys` condition keys.
 */
export function authorizeKey(scope: KmsScope, action: string, key: KeyRecord, encryptionContext?: Record<string, string>): void {
  const aliases = scope.store.listAliases(scope.region, { keyId: key.keyId, limit: 100 });
  const conditions: Record<string, string | string[]> = { 'kms:ResourceAliases': aliases.map((alias) => alias.aliasName) };

  if (encryptionContext) {
    conditions['kms:EncryptionContextKeys'] = Object.keys(encryptionContext);
    for (const [name, value] of Object.entries(encryptionContext)) conditions[`kms:EncryptionContext:${name}`] = value;
  }

  scope.authorize(action, keyArn(scope, key.keyId), conditions);
}

function findKey(scope: KmsScope, text: string, accepted: AcceptedKeyForms): KeyRecord {
  const reference = parseKeyReference(text);
  if (accepted === 'keyIdOrArn' && (reference.form === 'aliasName' || reference.form === 'aliasArn')) {
    throw new NotFoundException(`Invalid keyId ${text}: this operation takes a key id or key ARN, not an alias.`);
  }

  const inScope = reference.form === 'keyId' || reference.form === 'aliasName' || isInScope(scope, reference);
  if (reference.form === 'keyId' || reference.form === 'keyArn') {
    const key = inScope ? scope.store.getKey(scope.region, reference.keyId) : undefined;
    if (!key) throw keyNotFound(reference.form === 'keyArn' ? text : keyArn(scope, reference.keyId));
    return key;
  }

  const alias = inScope ? scope.store.getAlias(scope.region, reference.aliasName) : undefined;
  const key = alias && scope.store.getKey(scope.region, alias.keyId);
  if (!key) throw aliasNotFound(reference.form === 'aliasArn' ? text : aliasArn(scope, reference.aliasName));
  return key;
}

function isInScope(scope: KmsScope, reference: { region: string; accountId: string }): boolean {
  return reference.region === scope.region && reference.accountId === scope.accountId;
}

/** KMS's NotFoundException for a key: `Key '<arn>' does not exist`. */
export function keyNotFound(arn: string): InstanceType<typeof NotFoundException> {
  return new NotFoundException(`Key '${arn}' does not exist`);
}

/** KMS's NotFoundException for an alias: `Alias <arn> is not found.` */
export function aliasNotFound(arn: string): InstanceType<typeof NotFoundException> {
  return new NotFoundException(`Alias ${arn} is not found.`);
}

/**
 * Checks that a key can be used for cryptography: a disabled key is a DisabledException and a
 * key pending deletion a KMSInvalidStateException, as the KMS key state table lists.
 */
export function requireUsableKey(scope: KmsScope, key: KeyRecord): void {
  if (key.keyState === 'Disabled') throw new DisabledException(`${keyArn(scope, key.keyId)} is disabled.`);
  requireNotPendingDeletion(scope, key);
}

/** Throws KMSInvalidStateException for a key pending deletion. */
export function requireNotPendingDeletion(scope: KmsScope, key: KeyRecord): void {
  if (key.keyState === 'PendingDeletion') {
    throw new KMSInvalidStateException(`${keyArn(scope, key.keyId)} is pending deletion.`);
  }
}
