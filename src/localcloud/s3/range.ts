import { InvalidRange } from './errors.js';

/** An inclusive byte range of an object. */
export interface ByteRange {
  start: number;
  end: number;
}

const RANGE_PATTERN = /^bytes=(\d*)-(\d*)$/;

/**
 * Resolves a `Range` header against an object size. Returns undefined when the header is
 * absent or not a single byte range, in which case S3 sends the whole object (it supports
 * one range per request). Throws `InvalidRange` (416) when the range starts past the end.
 */
export function resolveRange(header: string | undefined, sizeBytes: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = RANGE_PATTERN.exec(header.trim());
  if (!match) return undefined;

  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;

  if (first === '') {
    const suffixBytes = Number(last);
    if (suffixBytes === 0 || sizeBytes === 0) throw new InvalidRange(header, sizeBytes);
    return { start: Math.max(0, sizeBytes - suffixBytes), end: sizeBytes - 1 };
  }

  const start = Number(first);
  const end = last === '' ? sizeBytes - 1 : Math.min(Number(last), sizeBytes - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= sizeBytes) throw new InvalidRange(header, sizeBytes);
  return { start, end };
}

/** The Content-Range value of a partial response. */
export function contentRange(range: ByteRange, sizeBytes: number): string {
  return `bytes ${range.start}-${range.end}/${sizeBytes}`;
}
