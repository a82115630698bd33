import { isIP } from 'node:net';

import { InvalidURI } from './errors.js';

/** The bucket and key a request addresses, after undoing the URL's percent-encoding once. */
export interface S3Address {
  bucket?: string;
  key?: string;
  style: 'path' | 'virtual-hosted';
}

/**
 * Host suffixes under which the first label is a bucket name (`<bucket>.localhost`,
 * `<bucket>.s3.localhost`, `<bucket>.s3.amazonaws.com`, `<bucket>.s3.<region>.amazonaws.com`).
 * An IP address or a bare service host is path style.
 */
const VIRTUAL_HOST_SUFFIXES = [/\.s3\.localhost$/, /\.localhost$/, /\.s3\.amazonaws\.com$/, /\.s3[.-][a-z0-9-]+\.amazonaws\.com$/];

/**
 * Finds the bucket and key of a request. Virtual-hosted style takes the bucket from the
 * Host header and the whole path as the key. Path style takes the first path segment as
 * the bucket. The raw path is decoded exactly once, so `%2B` is `+`, `+` stays `+`, and
 * `%25` is `%`.
 */
export function resolveAddress(hostname: string, rawPath: string): S3Address {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const virtualBucket = isIP(host) === 0 ? bucketFromHost(host) : undefined;

  if (virtualBucket !== undefined) {
    const key = rawPath.length > 1 ? decodePath(rawPath.slice(1)) : undefined;
    return { bucket: virtualBucket, key, style: 'virtual-hosted' };
  }

  const withoutSlash = rawPath.replace(/^\//, '');
  if (withoutSlash === '') return { style: 'path' };
  const slash = withoutSlash.indexOf('/');
  if (slash === -1) return { bucket: decodePath(withoutSlash), style: 'path' };

  const bucket = decodePath(withoutSlash.slice(0, slash));
  const rawKey = withoutSlash.slice(slash + 1);
  return { bucket, key: rawKey === '' ? undefined : decodePath(rawKey), style: 'path' };
}

function bucketFromHost(host: string): string | undefined {
  for (const suffix of VIRTUAL_HOST_SUFFIXES) {
    const match = suffix.exec(host);
    if (!match) continue;
    const bucket = host.slice(0, match.index);
    if (bucket === '' || bucket === 's3') return undefined;
    return bucket;
  }
  return undefined;
}

/** Undoes percent-encoding once. Throws `InvalidURI` for a malformed escape or invalid UTF-8. */
export function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    throw new InvalidURI(raw, error);
  }
}

/** Whether a byte stays literal in S3's form encoding of keys: letters, digits, `-_.*` and `/`. */
const FORM_SAFE = /[A-Za-z0-9\-_.*/]/;

/**
 * Encodes a key the way S3 writes keys in event notifications and in listings with
 * `encoding-type=url`: HTML form encoding (UTF-8 bytes as `%XX`, space as `+`), keeping
 * letters, digits, `-`, `_`, `.`, `*` and `/` literal. Decoders undo it with
 * `decodeURIComponent(key.replace(/\+/g, ' '))`.
 *
 * NOTE: AWS documents only that event keys are URL-encoded with space as `+`. The set of
 * characters kept literal follows Java's `URLEncoder` plus `/`, which matches the keys seen
 * in AWS events for letters, digits, `/`, `=` and `:` but is not confirmed for the rest.
 */
export function formEncodeKey(key: string): string {
  let encoded = '';
  for (const character of key) {
    if (character === ' ') encoded += '+';
    else if (FORM_SAFE.test(character)) encoded += character;
    else for (const byte of Buffer.from(character, 'utf8')) encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}
