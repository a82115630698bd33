import { randomUUID } from 'node:crypto';

import { codeSha256 } from './code.js';
import { lastModifiedTimestamp, sameCodeAndConfiguration, versionStatus } from './configuration.js';
import { InvalidParameterValueException, PreconditionFailedException } from './errors.js';
import { checkLatestWritable, requireFunction, requireLatest } from './lookup.js';
import type { LambdaState } from './lookup.js';
import { LATEST } from './names.js';
import type { VersionRecord } from './store.js';

export interface PublishVersionInput {
  description?: string;
  /** Publish only if `$LATEST` has this code (`CodeSha256` as Lambda shows it). */
  codeSha256?: string;
  /** Publish only if `$LATEST` has this revision. */
  revisionId?: string;
}

/**
 * Publishes `$LATEST` as the next version number. Lambda publishes nothing new when the code
 * and configuration equal those of the newest version, and returns that version instead, so a
 * retried publish cannot create duplicates. Published versions never change afterwards.
 *
 * `ignoreSettling` lets `CreateFunction` and `UpdateFunctionCode` publish with `Publish: true`
 * while their own change is still settling.
 */
export function publishLatest(
  state: LambdaState,
  region: string,
  name: string,
  input: PublishVersionInput,
  options: { ignoreSettling?: boolean } = {},
): VersionRecord {
  return state.store.transaction(() => {
    const fn = requireFunction(state, region, name);
    const latest = requireLatest(state, region, name);
    if (!options.ignoreSettling) checkLatestWritable(state, latest, undefined);
    checkPreconditions(state, latest, input);

    const newest = state.store.listVersions(region, name).filter((version) => version.version !== LATEST).at(-1);
    if (newest && sameCodeAndConfiguration(latest, newest)) return newest;

    const revisionId = randomUUID();
    const published: VersionRecord = {
      ...latest,
      version: String(fn.nextVersion),
      revisionId,
      settledRevisionId: revisionId,
      lastModified: lastModifiedTimestamp(new Date(state.nowMs())),
      changeKind: 'update',
      settlesAtMs: 0,
      finalStatus: 'Successful',
      finalStatusReason: undefined,
      versionDescription: input.description,
      previous: undefined,
    };
    state.store.putVersion(published);
    state.store.setNextVersion(region, name, fn.nextVersion + 1);
    return published;
  });
}

function checkPreconditions(state: LambdaState, latest: VersionRecord, input: PublishVersionInput): void {
  const currentSha256 = codeSha256(latest.codeDigest);
  if (input.codeSha256 !== undefined && input.codeSha256 !== currentSha256) {
    throw new InvalidParameterValueException(
      `CodeSHA256 (${input.codeSha256}) is different from current CodeSHA256 in $LATEST (${currentSha256}). Please try again`,
    );
  }

  const currentRevision = versionStatus(latest, state.nowMs()).revisionId;
  if (input.revisionId !== undefined && input.revisionId !== currentRevision) throw new PreconditionFailedException();
}

/** One page of a listing and the marker of the next page. */
export interface Page<T> {
  items: T[];
  nextMarker?: string;
}

/** Lambda's default and largest `MaxItems` for list operations. */
export const DEFAULT_MAX_ITEMS = 50;
export const MAX_MAX_ITEMS = 10_000;

/** Lists `$LATEST` and every published version, in order, a page at a time. */
export function listVersionsByFunction(
  state: LambdaState,
  region: string,
  name: string,
  marker: string | undefined,
  maxItems: number | undefined,
): Page<VersionRecord> {
  requireFunction(state, region, name);
  return paginate(state.store.listVersions(region, name), marker, maxItems);
}

/**
 * Cuts a page out of a full listing. The marker is the index of the next item, opaque to
 * clients as Lambda's markers are.
 */
export function paginate<T>(items: T[], marker: string | undefined, maxItems: number | undefined): Page<T> {
  const start = marker === undefined ? 0 : Number(marker);
  if (!Number.isInteger(start) || start < 0) {
    throw new InvalidParameterValueException(`The Marker ${marker} is invalid: pass the NextMarker of the previous page.`);
  }
  const size = maxItems ?? DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(size) || size < 1 || size > MAX_MAX_ITEMS) {
    throw new InvalidParameterValueException(`The MaxItems ${maxItems} is out of range: use an integer from 1 to ${MAX_MAX_ITEMS}.`);
  }

  const page = items.slice(start, start + size);
  const next = start + size;
  return next < items.length ? { items: page, nextMarker: String(next) } : { items: page };
}
