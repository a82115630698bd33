import { AwsError } from '../errors.js';
import { NoSuchKey, NotImplemented, PreconditionFailed } from './errors.js';

/**
 * Conditional requests as S3 evaluates them. Reads (GetObject, HeadObject) follow RFC 9110:
 * `If-Match` and `If-Unmodified-Since` fail with 412, `If-None-Match` and `If-Modified-Since`
 * answer 304, and a present entity-tag condition makes its date partner irrelevant
 * (`If-Match` true with `If-Unmodified-Since` false is 200, `If-None-Match` false with
 * `If-Modified-Since` true is 304). Writes (PutObject, CompleteMultipartUpload) accept
 * `If-None-Match: *` and `If-Match: <etag>`.
 */

/** The conditional headers of a request, as sent. */
export interface ConditionalHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/** What a condition is evaluated against. */
export interface ConditionTarget {
  /** With quotes, as stored. */
  etag: string;
  lastModifiedMs: number;
}

/** A 304 outcome: not a failure, but S3 sends it through the same path as errors (no body). */
export class NotModified extends AwsError {
  override name = 'NotModified';
  constructor() {
    super('NotModified', 'Not Modified', 304);
  }
}

/** Throws `PreconditionFailed` (412) or `NotModified` (304) when a read condition says so. */
export function evaluateReadConditions(conditions: ConditionalHeaders, target: ConditionTarget): void {
  if (conditions.ifMatch !== undefined) {
    if (!etagListMatches(conditions.ifMatch, target.etag)) throw new PreconditionFailed('If-Match');
  } else if (conditions.ifUnmodifiedSince !== undefined) {
    const since = parseHttpDate(conditions.ifUnmodifiedSince);
    if (since !== undefined && wholeSeconds(target.lastModifiedMs) > since) throw new PreconditionFailed('If-Unmodified-Since');
  }

  if (conditions.ifNoneMatch !== undefined) {
    if (etagListMatches(conditions.ifNoneMatch, target.etag)) throw new NotModified();
  } else if (conditions.ifModifiedSince !== undefined) {
    const since = parseHttpDate(conditions.ifModifiedSince);
    if (since !== undefined && wholeSeconds(target.lastModifiedMs) <= since) throw new NotModified();
  }
}

/**
 * Checks a write's conditions against the current version of the key (undefined when the
 * key has no current object or its current version is a delete marker).
 * `If-None-Match: *` fails when an object exists; `If-Match` fails when the ETag differs
 * and returns `NoSuchKey` when there is no object, as S3 does.
 */
export function evaluateWriteConditions(conditions: ConditionalHeaders, key: string, current: ConditionTarget | undefined): void {
  if (conditions.ifNoneMatch !== undefined) {
    if (conditions.ifNoneMatch.trim() !== '*') {
      throw new NotImplemented('A header you provided implies functionality that is not implemented: If-None-Match accepts only "*" on writes.', 'If-None-Match');
    }
    if (current) throw new PreconditionFailed('If-None-Match');
  }

  if (conditions.ifMatch !== undefined) {
    if (!current) throw new NoSuchKey(key);
    if (!etagListMatches(conditions.ifMatch, current.etag)) throw new PreconditionFailed('If-Match');
  }
}

/** True when a comma-separated list of entity tags (or `*`) contains the ETag, ignoring quotes and `W/`. */
export function etagListMatches(list: string, etag: string): boolean {
  const wanted = normalizeEtag(etag);
  return list
    .split(',')
    .map((item) => item.trim())
    .some((item) => item === '*' || normalizeEtag(item) === wanted);
}

function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** Parses an HTTP date to milliseconds; an unparsable date is ignored, as S3 ignores it. */
function parseHttpDate(value: string): number | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Last-Modified has one-second resolution on the wire, so comparisons drop the milliseconds. */
function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
