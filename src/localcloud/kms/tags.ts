import { TagException } from './errors.js';
import type { KmsScope } from './key-id.js';
import { requireNotPendingDeletion, resolveKey } from './key-id.js';
import type { Tag } from './store.js';
import { MAX_TAGS_PER_KEY, checkLength, checkRange, checkTags, decodeMarker, encodeMarker } from './validation.js';

/** Adds tags to a key, replacing the value of a tag key it already has. */
export function TagResource(scope: KmsScope, input: { KeyId: string; Tags: Tag[] }): void {
  checkTags(input.Tags);
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:TagResource');
  requireNotPendingDeletion(scope, key);

  const existing = new Set(scope.store.listTags(key.keyId).map((tag) => tag.TagKey));
  const added = new Set(input.Tags.map((tag) => tag.TagKey).filter((tagKey) => !existing.has(tagKey)));
  if (existing.size + added.size > MAX_TAGS_PER_KEY) {
    throw new TagException(`A key can have at most ${MAX_TAGS_PER_KEY} tags; it has ${existing.size} and the request adds ${added.size}.`);
  }

  scope.store.putTags(key.keyId, input.Tags);
}

/** Removes tags by tag key; keys that the key does not have are ignored, as in KMS. */
export function UntagResource(scope: KmsScope, input: { KeyId: string; TagKeys: string[] }): void {
  for (const tagKey of input.TagKeys) checkLength('TagKeys', tagKey, 1, 128);
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:UntagResource');
  requireNotPendingDeletion(scope, key);

  scope.store.deleteTags(key.keyId, input.TagKeys);
}

/** Lists a key's tags by tag key, `Limit` (1–50, default 50) at a time. */
export function ListResourceTags(
  scope: KmsScope,
  input: { KeyId: string; Limit?: number; Marker?: string },
): { Tags: Tag[]; Truncated: boolean; NextMarker?: string } {
  const limit = input.Limit ?? 50;
  checkRange('Limit', limit, 1, 50);
  const start = input.Marker === undefined ? 0 : Number(decodeMarker(input.Marker, 'number'));
  const key = resolveKey(scope, input.KeyId, 'keyIdOrArn', 'kms:ListResourceTags');

  const tags = scope.store.listTags(key.keyId);
  const end = start + limit;
  return {
    Tags: tags.slice(start, end),
    Truncated: end < tags.length,
    NextMarker: end < tags.length ? encodeMarker(end) : undefined,
  };
}
