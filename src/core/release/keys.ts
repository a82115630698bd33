/**
 * Object keys of the artifact bucket. Uploads live at `<stage>/<function>.zip`; the engine's own
 * state lives under `.keystage/`, which no stage name can start with.
 */
import { isStageName } from '../stage.js';
import { InvalidReleaseMetadataError } from './errors.js';

/** Prefix of every object the release engine writes. */
export const STATE_PREFIX = '.keystage';

/** Lambda function names: letters, digits, `-` and `_`, at most 64 characters. */
const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Returns the key a build of `functionName` for `stage` is uploaded to. */
export function artifactKey(stage: string, functionName: string): string {
  return `${stage}/${functionName}.zip`;
}

/** Returns the key of the ledger of every release of `functionName` in `stage`. */
export function ledgerKey(functionName: string, stage: string): string {
  return `${STATE_PREFIX}/ledger/${functionName}/${stage}.json`;
}

/** Returns the key of the lease that serialises releases of `functionName` in `stage`. */
export function leaseKey(functionName: string, stage: string): string {
  return `${STATE_PREFIX}/leases/${functionName}/${stage}.json`;
}

/** Returns the key of the progress of the release of `functionName` in `stage` that runs now, or ran last. */
export function progressKey(functionName: string, stage: string): string {
  return `${STATE_PREFIX}/progress/${functionName}/${stage}.json`;
}

/**
 * Returns the key of the smoke event of `functionName`: a JSON object sent as the Invoke payload
 * to verify a new version. A function without one is released without invocation checks.
 */
export function smokeEventKey(functionName: string): string {
  return `${STATE_PREFIX}/smoke/${functionName}.json`;
}

/** True for a valid Lambda function name. */
export function isFunctionName(value: string): boolean {
  return FUNCTION_NAME_PATTERN.test(value);
}

/**
 * Decodes an S3 event key: S3 form-encodes keys in notifications, so `+` is a space and the
 * rest is percent-encoded UTF-8. Throws `InvalidReleaseMetadataError` on a malformed escape.
 */
export function decodeEventKey(encodedKey: string): string {
  try {
    return decodeURIComponent(encodedKey.replace(/\+/g, ' '));
  } catch (error) {
    throw new InvalidReleaseMetadataError(`The event key "${encodedKey}" is not valid URL encoding.`, { cause: error });
  }
}

/** The stage and function of an artifact key, or undefined when the key is not `<stage>/<function>.zip`. */
export function parseArtifactKey(key: string): { stage: string; functionName: string } | undefined {
  const match = /^([^/]+)\/([^/]+)\.zip$/.exec(key);
  if (!match) return undefined;

  const [, stage = '', functionName = ''] = match;
  if (!isStageName(stage) || !isFunctionName(functionName)) return undefined;
  return { stage, functionName };
}
