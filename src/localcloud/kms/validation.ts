import { validationError } from '../protocol/json.js';
import { InvalidMarkerException, TagException } from './errors.js';
import type { Tag } from './store.js';

/** Maximum number of tags on one key, a KMS quota. */
export const MAX_TAGS_PER_KEY = 50;

/** Checks a string member's length against its modeled bounds. */
export function checkLength(memberName: string, value: string | Buffer, minLength: number, maxLength: number): void {
  if (value.length < minLength) {
    throw validationError(memberName, `Member must have length greater than or equal to ${minLength}`);
  }
  if (value.length > maxLength) {
    throw validationError(memberName, `Member must have length less than or equal to ${maxLength}`);
  }
}

/** Checks an integer member against its modeled range. */
export function checkRange(memberName: string, value: number, min: number, max: number): void {
  if (value < min) throw validationError(memberName, `Member must have value greater than or equal to ${min}`, value);
  if (value > max) throw validationError(memberName, `Member must have value less than or equal to ${max}`, value);
}

/** Checks a member against its modeled enum. */
export function checkEnum<T extends string>(memberName: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw validationError(memberName, `Member must satisfy enum value set: [${allowed.join(', ')}]`, value);
  }
  return value as T;
}

/** Checks tags as TagResource and CreateKey take them: key 1–128, value 0–256 characters, no `aws:` prefix. */
export function checkTags(tags: Tag[]): void {
  for (const tag of tags) {
    if (typeof tag.TagKey !== 'string' || typeof tag.TagValue !== 'string') {
      throw new TagException('Every tag needs a TagKey and a TagValue string.');
    }
    if (tag.TagKey.length < 1 || tag.TagKey.length > 128) {
      throw new TagException(`Tag key '${tag.TagKey}' must be 1 to 128 characters long.`);
    }
    if (tag.TagValue.length > 256) throw new TagException(`The value of tag '${tag.TagKey}' must be at most 256 characters long.`);
    if (tag.TagKey.toLowerCase().startsWith('aws:')) {
      throw new TagException(`Tag key '${tag.TagKey}' is reserved: tag keys beginning with aws: are for AWS use.`);
    }
  }
}

/** Encodes a list position as an opaque marker, as KMS's `NextMarker`. */
export function encodeMarker(position: number | string): string {
  return Buffer.from(String(position), 'utf8').toString('base64url');
}

/** Decodes a marker made by `encodeMarker`; anything else is an InvalidMarkerException. */
export function decodeMarker(marker: string, kind: 'number' | 'string'): string {
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  const valid = marker.length > 0 && encodeMarker(text) === marker && (kind === 'string' || /^\d+$/.test(text));
  if (!valid) throw new InvalidMarkerException(`The marker '${marker}' is not one that a previous response returned.`);
  return text;
}
