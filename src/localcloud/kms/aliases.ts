import { validationError } from '../protocol/json.js';
import { AlreadyExistsException, InvalidAliasNameException } from './errors.js';
import type { KmsScope } from './key-id.js';
import { aliasArn, aliasNotFound, requireNotPendingDeletion, resolveKey } from './key-id.js';
import { checkLength, checkRange, decodeMarker, encodeMarker } from './validation.js';

const ALIAS_NAME_PATTERN = /^[a-zA-Z0-9:/_-]+$/;
const RESERVED_ALIAS_PREFIX = 'alias/aws/';

/** One entry of ListAliases. */
export interface AliasListEntry {
  AliasName: string;
  AliasArn: string;
  TargetKeyId: string;
  CreationDate: Date;
  LastUpdatedDate: Date;
}

/** Checks an alias name against its modeled constraint: 1–256 characters of `[a-zA-Z0-9:/_-]`. */
function checkAliasNameShape(aliasName: string): void {
  checkLength('AliasName', aliasName, 1, 256);
  if (!ALIAS_NAME_PATTERN.test(aliasName)) {
    throw validationError('AliasName', `Member must satisfy regular expression pattern: ${ALIAS_NAME_PATTERN.source}`, aliasName);
  }
}

/**
 * Checks a new alias name: its modeled shape, the `alias/` prefix followed by a name, and not
 * the `alias/aws/` namespace that AWS managed keys use.
 */
export function checkNewAliasName(aliasName: string): void {
  checkAliasNameShape(aliasName);
  if (!aliasName.startsWith('alias/') || aliasName.length === 'alias/'.length) {
    throw new InvalidAliasNameException(`Alias name '${aliasName}' must start with "alias/" followed by a name, as in alias/ExampleAlias.`);
  }
  if (aliasName.startsWith(RESERVED_ALIAS_PREFIX)) {
    throw new InvalidAliasNameException(`Alias name '${aliasName}' is reserved: the alias/aws/ prefix is for AWS managed keys.`);
  }
}

/** Creates an alias for a key named by key id or key ARN; the name must be free in the region. */
export function CreateAlias(scope: KmsScope, input: { AliasName: string; TargetKeyId: string }): void {
  checkNewAliasName(input.AliasName);
  scope.authorize('kms:CreateAlias', aliasArn(scope, input.AliasName));
  const key = resolveKey(scope, input.TargetKeyId, 'keyIdOrArn', 'kms:CreateAlias');
  requireNotPendingDeletion(scope, key);

  const now = scope.now();
  const inserted = scope.store.insertAlias({ region: scope.region, aliasName: input.AliasName, keyId: key.keyId, createdAt: now, updatedAt: now });
  if (!inserted) throw new AlreadyExistsException(`An alias with the name ${aliasArn(scope, input.AliasName)} already exists`);
}

/** Points an existing alias at another key named by key id or key ARN. */
export function UpdateAlias(scope: KmsScope, input: { AliasName: string; TargetKeyId: string }): void {
  checkAliasNameShape(input.AliasName);
  const alias = scope.store.getAlias(scope.region, input.AliasName);
  if (!alias) throw aliasNotFound(aliasArn(scope, input.AliasName));
  scope.authorize('kms:UpdateAlias', aliasArn(scope, input.AliasName));
  const key = resolveKey(scope, input.TargetKeyId, 'keyIdOrArn', 'kms:UpdateAlias');
  requireNotPendingDeletion(scope, key);

  scope.store.retargetAlias(scope.region, input.AliasName, key.keyId, scope.now());
}

/** Deletes an alias; the key it pointed at is unchanged. */
export function DeleteAlias(scope: KmsScope, input: { AliasName: string }): void {
  checkAliasNameShape(input.AliasName);
  scope.authorize('kms:DeleteAlias', aliasArn(scope, input.AliasName));
  if (!scope.store.deleteAlias(scope.region, input.AliasName)) throw aliasNotFound(aliasArn(scope, input.AliasName));
}

/**
 * Lists the aliases of the region, or of one key named by key id or key ARN, by name.
 * NOTE: the predefined `alias/aws/*` aliases of AWS managed keys are not listed, because the
 * local KMS has no AWS managed keys.
 */
export function ListAliases(
  scope: KmsScope,
  input: { KeyId?: string; Limit?: number; Marker?: string },
): { Aliases: AliasListEntry[]; Truncated: boolean; NextMarker?: string } {
  const limit = input.Limit ?? 100;
  checkRange('Limit', limit, 1, 1000);
  const afterName = input.Marker === undefined ? undefined : decodeMarker(input.Marker, 'string');
  scope.authorize('kms:ListAliases', '*');
  const keyId = input.KeyId === undefined ? undefined : resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:ListAliases').keyId;

  const aliases = scope.store.listAliases(scope.region, { keyId, afterName, limit: limit + 1 });
  const page = aliases.slice(0, limit);
  const truncated = aliases.length > limit;
  return {
    Aliases: page.map((alias) => ({
      AliasName: alias.aliasName,
      AliasArn: aliasArn(scope, alias.aliasName),
      TargetKeyId: alias.keyId,
      CreationDate: alias.createdAt,
      LastUpdatedDate: alias.updatedAt,
    })),
    Truncated: truncated,
    NextMarker: truncated ? encodeMarker(page.at(-1)!.aliasName) : undefined,
  };
}
