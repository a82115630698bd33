/**
 * The release metadata of an artifact: S3 user metadata `description`, `sha256` and `strategy`
 * (keys arrive lower-cased). Validated in full before anything changes.
 */
import { InvalidReleaseMetadataError } from './errors.js';
import { parseStrategy } from './strategy.js';
import type { ReleaseStrategy } from './strategy.js';

/** Lambda's limit on a version description. */
export const MAX_DESCRIPTION_CHARS = 256;

export interface ReleaseMetadata {
  description: string;
  /** True when the upload had no `description` and the default was used. */
  defaultedDescription: boolean;
  /** Expected SHA-256 of the zip, lower-case hex, when the upload gave one. */
  sha256?: string;
  strategy: ReleaseStrategy;
}

/**
 * Validates object metadata. `defaultDescription` is used when `description` is missing or blank.
 * Throws `InvalidReleaseMetadataError` naming the field and value.
 */
export function parseReleaseMetadata(metadata: Record<string, string> | undefined, defaultDescription: string): ReleaseMetadata {
  const given = decodeEncodedWords(metadata?.description ?? '').trim();
  const description = given === '' ? defaultDescription : given;
  if (description.length > MAX_DESCRIPTION_CHARS) {
    throw new InvalidReleaseMetadataError(
      `The description is ${description.length} characters long; Lambda accepts at most ${MAX_DESCRIPTION_CHARS}. Upload again with a shorter description.`,
    );
  }

  const sha256 = metadata?.sha256 === undefined ? undefined : parseSha256(metadata.sha256);
  const strategy = parseStrategy(metadata?.strategy);
  return { description, defaultedDescription: given === '', sha256, strategy };
}

/** Normalises a SHA-256 given as 64 hex digits or as base64 (Lambda's `CodeSha256` form) to lower-case hex. */
export function parseSha256(value: string): string {
  const trimmed = value.trim();
  if (/^[0-9A-Fa-f]{64}$/.test(trimmed)) return trimmed.toLowerCase();

  if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return Buffer.from(trimmed, 'base64').toString('hex');

  throw new InvalidReleaseMetadataError(
    `The sha256 metadata "${trimmed}" is invalid: give the zip's SHA-256 as 64 hex digits or 44 base64 characters.`,
  );
}

/**
 * Decodes RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`), the form S3 clients use to
 * carry non-ASCII text in metadata headers. Other text is returned unchanged.
 */
export function decodeEncodedWords(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_word, encoding: string, text: string) => {
    if (encoding.toLowerCase() === 'b') return Buffer.from(text, 'base64').toString('utf8');

    const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
}
