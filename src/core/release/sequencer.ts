/**
 * S3 event sequencers. S3 documents them as hexadecimal strings that order the events of one
 * key, of varying length: compare after left-padding the shorter one with zeros.
 */
const HEX_PATTERN = /^[0-9A-Fa-f]+$/;

/** True for a sequencer S3 could have sent: a non-empty hexadecimal string. */
export function isSequencer(value: string): boolean {
  return HEX_PATTERN.test(value);
}

/** Orders two sequencers of the same key: negative when `a` is older, 0 when equal, positive when newer. */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const paddedA = a.toUpperCase().padStart(width, '0');
  const paddedB = b.toUpperCase().padStart(width, '0');
  if (paddedA === paddedB) return 0;
  return paddedA < paddedB ? -1 : 1;
}
