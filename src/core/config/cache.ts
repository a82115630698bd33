/**
 * A per-execution-environment cache of stage configs.
 *
 * - A config is served from memory for its own `cache.maxAgeSeconds`.
 * - Then it is revalidated with `GetObject` and `If-None-Match: <etag>`. A `304` costs no body
 *   and no parse, and restarts the max-age window. A revalidation gets `REVALIDATION_TIMEOUT_MS`,
 *   retries included, because a failed one falls back to the last good config.
 * - A failed fetch or an invalid new object keeps the last good config, with a warning and a
 *   metric, until it is `cache.maxStaleSeconds` past its max age. After a failure, the next
 *   fetch waits a few seconds so an outage does not add a failing S3 call to every request.
 * - Past that bound, and on a cold start with no readable config, requests fail with
 *   `ConfigUnavailableError` naming the bucket and key.
 * - Concurrent requests for a stage share one in-flight fetch.
 */
import { GetObjectCommand, NoSuchBucket, NoSuchKey } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import { ConfigUnavailableError } from '../errors.js';
import { errorCode, httpStatusOf } from '../aws/translate.js';
import { Metric, silentTelemetry } from '../observability.js';
import type { Telemetry } from '../observability.js';
import { configKeyFor, configUri } from './location.js';
import { parseStageConfig } from './schema.js';
import type { StageConfig } from './schema.js';

/** Upper bound of the pause between failed fetches while a stale config is served. */
export const FAILED_FETCH_RETRY_SECONDS = 5;

/**
 * Time budget of a revalidation, retries included. A request that revalidates can be served the
 * last good config when S3 fails, so it should not wait out the client's full retry schedule.
 * A cold start has nothing to fall back on and uses the client's own timeouts.
 */
export const REVALIDATION_TIMEOUT_MS = 2_000;

/** A validated config and where it came from. */
export interface ConfigSnapshot {
  stage: string;
  config: StageConfig;
  bucket: string;
  key: string;
  etag: string | undefined;
  versionId: string | undefined;
  /** When S3 last confirmed this config (fetch or `304`); the max-age window starts here. */
  validatedAtMs: number;
}

/** Source of a lookup: memory, a new fetch, a `304` revalidation, or the stale last good config. */
export type ConfigSource = 'memory' | 'fetched' | 'notModified' | 'stale';

export interface ConfigLookup {
  snapshot: ConfigSnapshot;
  source: ConfigSource;
}

export interface ConfigCacheOptions {
  s3: S3Client;
  bucket: string;
  telemetry?: Telemetry;
  /** Clock in milliseconds; `Date.now` unless a test supplies one. */
  now?: () => number;
}

interface Entry {
  snapshot: ConfigSnapshot;
  /** No fetch before this time after a failed one; stale lookups are served from memory. */
  nextFetchMs: number;
  lastFailure: string | undefined;
}

/** Serves stage configs from memory and revalidates them against S3 (see the module comment). */
export class ConfigCache {
  readonly bucket: string;
  readonly #s3: S3Client;
  readonly #telemetry: Telemetry;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<ConfigLookup>>();

  constructor(options: ConfigCacheOptions) {
    this.bucket = options.bucket;
    this.#s3 = options.s3;
    this.#telemetry = options.telemetry ?? silentTelemetry;
    this.#now = options.now ?? (() => Date.now());
  }

  /** Returns the config of `stage`, fetching or revalidating it when its max age has passed. */
  async get(stage: string): Promise<ConfigLookup> {
    const entry = this.#entries.get(stage);
    const now = this.#now();

    if (entry && now < freshUntilMs(entry.snapshot)) {
      return { snapshot: entry.snapshot, source: 'memory' };
    }

    const pending = this.#inFlight.get(stage);
    if (pending) return pending;

    if (entry && now < entry.nextFetchMs) {
      return this.#serveStale(entry, entry.lastFailure ?? 'the last fetch failed', undefined, false);
    }

    const fetch = this.#refresh(stage, entry).finally(() => this.#inFlight.delete(stage));
    this.#inFlight.set(stage, fetch);
    return fetch;
  }

  /** Drops every cached config, so the next lookup is a cold start. */
  clear(): void {
    this.#entries.clear();
  }

  async #refresh(stage: string, entry: Entry | undefined): Promise<ConfigLookup> {
    const key = configKeyFor(stage);
    const previousEtag = entry?.snapshot.etag;

    let body: string;
    let etag: string | undefined;
    let versionId: string | undefined;
    try {
      const command = new GetObjectCommand({ Bucket: this.bucket, Key: key, IfNoneMatch: previousEtag });
      const options = entry ? { abortSignal: AbortSignal.timeout(REVALIDATION_TIMEOUT_MS) } : {};
      const response = await this.#s3.send(command, options);
      body = (await response.Body?.transformToString('utf-8')) ?? '';
      etag = response.ETag;
      versionId = response.VersionId;
    } catch (error) {
      if (entry && httpStatusOf(error) === 304) return this.#revalidated(entry);
      return this.#fallBack(stage, entry, describeFetchFailure(error), error);
    }

    const parsed = parseConfigBody(body);
    if (!parsed.ok) return this.#fallBack(stage, entry, `the object is not a valid config: ${parsed.problems.join('; ')}`, undefined);

    const snapshot: ConfigSnapshot = { stage, config: parsed.config, bucket: this.bucket, key, etag, versionId, validatedAtMs: this.#now() };
    this.#entries.set(stage, { snapshot, nextFetchMs: 0, lastFailure: undefined });

    this.#telemetry.count(Metric.configRefreshes);
    this.#telemetry.logger.info('Loaded stage config', {
      stage,
      configKey: key,
      etag,
      versionId,
      changed: previousEtag !== undefined && previousEtag !== etag,
      keyId: parsed.config.keyId,
    });
    return { snapshot, source: 'fetched' };
  }

  #revalidated(entry: Entry): ConfigLookup {
    entry.snapshot = { ...entry.snapshot, validatedAtMs: this.#now() };
    entry.nextFetchMs = 0;
    entry.lastFailure = undefined;

    this.#telemetry.count(Metric.configNotModified);
    this.#telemetry.logger.debug('Stage config not modified', { stage: entry.snapshot.stage, etag: entry.snapshot.etag });
    return { snapshot: entry.snapshot, source: 'notModified' };
  }

  #fallBack(stage: string, entry: Entry | undefined, reason: string, cause: unknown): ConfigLookup {
    this.#telemetry.count(Metric.configFetchFailures);
    const uri = configUri(this.bucket, stage);

    if (!entry) {
      this.#telemetry.logger.error('No readable stage config', { stage, configUri: uri, reason });
      throw new ConfigUnavailableError(
        `No readable config for stage "${stage}" at ${uri}: ${reason}. Upload a valid config object there (see schemas/config.schema.json).`,
        { cause },
      );
    }

    const retryDelayMs = Math.min(entry.snapshot.config.cache.maxAgeSeconds, FAILED_FETCH_RETRY_SECONDS) * 1000;
    entry.nextFetchMs = this.#now() + retryDelayMs;
    entry.lastFailure = reason;
    return this.#serveStale(entry, reason, cause, true);
  }

  #serveStale(entry: Entry, reason: string, cause: unknown, fetched: boolean): ConfigLookup {
    const { snapshot } = entry;
    const ageSeconds = Math.floor((this.#now() - snapshot.validatedAtMs) / 1000);
    const uri = configUri(snapshot.bucket, snapshot.stage);

    if (this.#now() >= staleUntilMs(snapshot)) {
      entry.nextFetchMs = 0;
      const { maxAgeSeconds, maxStaleSeconds } = snapshot.config.cache;
      this.#telemetry.logger.error('Stage config unavailable past its max stale time', { stage: snapshot.stage, configUri: uri, reason, ageSeconds });
      throw new ConfigUnavailableError(
        `Config ${uri} of stage "${snapshot.stage}" is unavailable: ${reason}. The last good config is ${ageSeconds} s old, ` +
          `past cache.maxAgeSeconds + cache.maxStaleSeconds (${maxAgeSeconds} + ${maxStaleSeconds} s). Fix the object or S3 access.`,
        { cause },
      );
    }

    this.#telemetry.count(Metric.staleConfigServes);
    const details = { stage: snapshot.stage, configUri: uri, reason, ageSeconds, etag: snapshot.etag };
    if (fetched) this.#telemetry.logger.warn('Serving the last good stage config', details);
    else this.#telemetry.logger.debug('Serving the last good stage config', details);
    return { snapshot, source: 'stale' };
  }
}

function freshUntilMs(snapshot: ConfigSnapshot): number {
  return snapshot.validatedAtMs + snapshot.config.cache.maxAgeSeconds * 1000;
}

function staleUntilMs(snapshot: ConfigSnapshot): number {
  return freshUntilMs(snapshot) + snapshot.config.cache.maxStaleSeconds * 1000;
}

function parseConfigBody(body: string): { ok: true; config: StageConfig } | { ok: false; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { ok: false, problems: [`invalid JSON (${(error as Error).message})`] };
  }
  return parseStageConfig(value);
}

function describeFetchFailure(error: unknown): string {
  if (error instanceof NoSuchKey) return 'the object does not exist (NoSuchKey)';
  if (error instanceof NoSuchBucket) return 'the bucket does not exist (NoSuchBucket)';

  const code = errorCode(error);
  const status = httpStatusOf(error);
  if (code === 'AccessDenied') return 'access denied (grant s3:GetObject on the config bucket to the function role)';
  if (code !== undefined) return `GetObject failed with ${code}${status ? ` (HTTP ${status})` : ''}`;

  const message = error instanceof Error ? error.message : String(error);
  return `GetObject failed: ${message}`;
}
