import type { S3Backend } from './backend.js';
import { deleteBucketConfiguration, readBucketConfiguration, writeBucketConfiguration } from './bucket-configuration.js';
import { InvalidTag, NoSuchTagSet } from './errors.js';

/**
 * PutBucketTagging, GetBucketTagging and DeleteBucketTagging, with the tag rules of S3: at
 * most 50 tags, keys of 1 to 128 characters, values of at most 256, unique keys, and no
 * keys in the reserved `aws:` namespace.
 */

export interface Tag {
  key: string;
  value: string;
}

/** S3's maximum number of tags on a bucket. */
export const MAX_BUCKET_TAGS = 50;
const MAX_TAG_KEY_CHARACTERS = 128;
const MAX_TAG_VALUE_CHARACTERS = 256;
/** Letters, digits, white space and `+ - = . _ : / @`, as AWS tag rules allow. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Replaces the bucket's tags. An empty tag set removes them, so GetBucketTagging then fails with NoSuchTagSet. */
export function PutBucketTagging(backend: S3Backend, bucket: string, tags: Tag[]): void {
  validateTagSet(tags, MAX_BUCKET_TAGS);
  if (tags.length === 0) {
    deleteBucketConfiguration(backend, bucket, 'tagging');
    return;
  }
  writeBucketConfiguration(backend, bucket, 'tagging', tags);
}

/** Returns the bucket's tags, or throws `NoSuchTagSet` when it has none. */
export function GetBucketTagging(backend: S3Backend, bucket: string): Tag[] {
  const tags = readBucketConfiguration<Tag[]>(backend, bucket, 'tagging');
  if (!tags) throw new NoSuchTagSet(bucket);
  return tags;
}

export function DeleteBucketTagging(backend: S3Backend, bucket: string): void {
  deleteBucketConfiguration(backend, bucket, 'tagging');
}

/** Throws `InvalidTag` for the first tag that breaks S3's rules. Lifecycle filters use it for their tags too. */
export function validateTagSet(tags: Tag[], maxTags: number): void {
  if (tags.length > maxTags) throw new InvalidTag(`A tag set can have at most ${maxTags} tags; this one has ${tags.length}.`, tags[maxTags]!.key);

  const keys = new Set<string>();
  for (const tag of tags) {
    const keyLength = [...tag.key].length;
    if (keyLength < 1 || keyLength > MAX_TAG_KEY_CHARACTERS) {
      throw new InvalidTag(`The TagKey you have provided is invalid: it must have 1 to ${MAX_TAG_KEY_CHARACTERS} characters.`, tag.key);
    }
    if ([...tag.value].length > MAX_TAG_VALUE_CHARACTERS) {
      throw new InvalidTag(`The TagValue you have provided is invalid: it must have at most ${MAX_TAG_VALUE_CHARACTERS} characters.`, tag.key);
    }
    if (!TAG_CHARACTERS.test(tag.key) || !TAG_CHARACTERS.test(tag.value)) {
      throw new InvalidTag('The TagKey or TagValue you have provided contains characters other than letters, digits, spaces and + - = . _ : / @.', tag.key);
    }
    if (tag.key.toLowerCase().startsWith('aws:')) throw new InvalidTag('System tags cannot be added or updated by requester: the aws: prefix is reserved.', tag.key);
    if (keys.has(tag.key)) throw new InvalidTag('Cannot provide multiple Tags with the same key', tag.key);
    keys.add(tag.key);
  }
}
