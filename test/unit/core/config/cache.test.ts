import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ConfigCache } from '../../../../src/core/config/cache.js';
import { ConfigUnavailableError } from '../../../../src/core/errors.js';
import type { Telemetry } from '../../../../src/core/observability.js';
import { recordingTelemetry as recordFakes } from '../fakes.js';

const BUCKET = 'keystage-config-000000000000-us-east-1';
const KEY_ID = 'alias/keystage-dev';
const s3Mock = mockClient(S3Client);

function objectOf(config: unknown, etag = '"v1"', versionId = 'version-1') {
  const body = typeof config === 'string' ? config : JSON.stringify(config);
  return { Body: { transformToString: async () => body }, ETag: etag, VersionId: versionId } as never;
}

function notModified(): S3ServiceException {
  return new S3ServiceException({ name: 'NotModified', $fault: 'client', $metadata: { httpStatusCode: 304 }, message: 'Not Modified' });
}

function recordingTelemetry() {
  const recorded = recordFakes();
  return { telemetry: recorded.telemetry, counts: recorded.counts, warnings: () => recorded.lines.filter((line) => line.level === 'warn') };
}

function newCache(telemetry?: Telemetry) {
  return new ConfigCache({ s3: new S3Client({ region: 'us-east-1' }), bucket: BUCKET, telemetry });
}

const BASE_CONFIG = { keyId: KEY_ID, cache: { maxAgeSeconds: 60, maxStaleSeconds: 900 } };

beforeEach(() => {
  s3Mock.reset();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ConfigCache.get', () => {
  it('fetches the stage object on a cold start', async () => {
    s3Mock.on(GetObjectCommand).resolves(objectOf(BASE_CONFIG));

    const lookup = await newCache().get('dev');

    expect(lookup.source).toBe('fetched');
    expect(lookup.snapshot.config.keyId).toBe(KEY_ID);
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({ Bucket: BUCKET, Key: 'dev/config.json', IfNoneMatch: undefined });
  });

  it('applies defaults to a config in the older shape', async () => {
    s3Mock.on(GetObjectCommand).resolves(objectOf({ key: KEY_ID }));

    const { snapshot } = await newCache().get('dev');

    expect(snapshot.config.keyId).toBe(KEY_ID);
    expect(snapshot.config.cache).toEqual({ maxAgeSeconds: 60, maxStaleSeconds: 900 });
    expect(snapshot.config.dataKeyCache).toEqual({ enabled: true, maxAgeSeconds: 300, maxMessages: 1000, maxBytes: 100 * 1024 * 1024 });
  });

  it('serves from memory within maxAgeSeconds', async () => {
    s3Mock.on(GetObjectCommand).resolves(objectOf(BASE_CONFIG));
    const cache = newCache();
    await cache.get('dev');

    vi.advanceTimersByTime(59_000);
    const lookup = await cache.get('dev');

    expect(lookup.source).toBe('memory');
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
  });

  it('revalidates with If-None-Match after maxAgeSeconds', async () => {
    s3Mock.on(GetObjectCommand).resolvesOnce(objectOf(BASE_CONFIG)).rejects(notModified());
    const cache = newCache();
    await cache.get('dev');

    vi.advanceTimersByTime(60_000);
    const lookup = await cache.get('dev');

    expect(lookup.source).toBe('notModified');
    expect(s3Mock.commandCalls(GetObjectCommand)[1]?.args[0].input.IfNoneMatch).toBe('"v1"');
  });

  it('restarts the max-age window after a 304', async () => {
    s3Mock.on(GetObjectCommand).resolvesOnce(objectOf(BASE_CONFIG)).rejects(notModified());
    const cache = newCache();
    await cache.get('dev');
    vi.advanceTimersByTime(60_000);
    await cache.get('dev');

    vi.advanceTimersByTime(30_000);
    const lookup = await cache.get('dev');

    expect(lookup.source).toBe('memory');
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(2);
  });

  it('picks up a changed object', async () => {
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce(objectOf(BASE_CONFIG))
      .resolvesOnce(objectOf({ ...BASE_CONFIG, keyId: 'alias/keystage-dev-2' }, '"v2"', 'version-2'));
    const cache = newCache();
    await cache.get('dev');

    vi.advanceTimersByTime(60_000);
    const { snapshot, source } = await cache.get('dev');

    expect(source).toBe('fetched');
    expect(snapshot.config.keyId).toBe('alias/keystage-dev-2');
    expect(snapshot.versionId).toBe('version-2');
  });

  it('keeps stages apart', async () => {
    s3Mock.on(GetObjectCommand, { Key: 'dev/config.json' }).resolves(objectOf(BASE_CONFIG));
    s3Mock.on(GetObjectCommand, { Key: 'prod/config.json' }).resolves(objectOf({ keyId: 'alias/keystage-prod' }));
    const cache = newCache();

    const dev = await cache.get('dev');
    const prod = await cache.get('prod');

    expect(dev.snapshot.config.keyId).toBe(KEY_ID);
    expect(prod.snapshot.config.keyId).toBe('alias/keystage-prod');
  });

  it('shares one fetch among concurrent requests', async () => {
    s3Mock.on(GetObjectCommand).resolves(objectOf(BASE_CONFIG));
    const cache = newCache();

    const lookups = await Promise.all(Array.from({ length: 16 }, () => cache.get('dev')));

    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(new Set(lookups.map((lookup) => lookup.snapshot)).size).toBe(1);
  });

  it('keeps the last good config when the new object is invalid', async () => {
    const { telemetry, counts, warnings } = recordingTelemetry();
    s3Mock.on(GetObjectCommand).resolvesOnce(objectOf(BASE_CONFIG)).resolves(objectOf({ keyId: 'not a key' }, '"v2"'));
    const cache = newCache(telemetry);
    await cache.get('dev');

    vi.advanceTimersByTime(60_000);
    const lookup = await cache.get('dev');

    expect(lookup.source).toBe('stale');
    expect(lookup.snapshot.config.keyId).toBe(KEY_ID);
    expect(counts.staleConfigServes).toBe(1);
    expect(JSON.stringify(warnings())).toContain('not a KMS key id');
  });

  it('keeps the last good config when the object is not JSON', async () => {
    s3Mock.on(GetObjectCommand).resolvesOnce(objectOf(BASE_CONFIG)).resolves(objectOf('{"keyId": '));
    const cache = newCache();
    await cache.get('dev');

    vi.advanceTimersByTime(60_000);

    expect((await cache.get('dev')).source).toBe('stale');
  });

  it('keeps the last good config when S3 fails', async () => {
    s3Mock.on(GetObjectCommand).resolvesOnce(objectOf(BASE_CONFIG)).rejects(new Error('connect ECONNREFUSED 127.0.0.1:4566'));
    const cache = newCache();
    await cache.get('dev');

    vi.advanceTimersByTime(60_000);

    expect((await cache.get('dev')).source).toBe('stale');
  });

  it('waits before fetching again after a failure', async () => {
    s3Mock.on(GetObjectCommand).resolvesOnce(objectOf(BASE_CONFIG)).rejects(new Error('connect ECONNREFUSED'));
    const cache = newCache();
    await cache.get('dev');
    vi.advanceTimersByTime(60_000);
    await cache.get('dev');

    vi.advanceTimersByTime(4_000);
    await cache.get('dev');
    const callsWithinPause = s3Mock.commandCalls(GetObjectCommand).length;
    vi.advanceTimersByTime(1_000);
    await cache.get('dev');

    expect(callsWithinPause).toBe(2);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(3);
  });

  it('fails once the last good config is past maxStaleSeconds', async () => {
    s3Mock.on(GetObjectCommand).resolvesOnce(objectOf(BASE_CONFIG)).rejects(new Error('connect ECONNREFUSED'));
    const cache = newCache();
    await cache.get('dev');
    vi.advanceTimersByTime(60_000 + 899_000);
    await cache.get('dev');

    vi.advanceTimersByTime(5_000);

    await expect(cache.get('dev')).rejects.toThrow(ConfigUnavailableError);
  });

  it('names the max-stale bound when it fails', async () => {
    s3Mock.on(GetObjectCommand).resolvesOnce(objectOf(BASE_CONFIG)).rejects(new NoSuchKey({ $metadata: {}, message: 'The specified key does not exist.' }));
    const cache = newCache();
    await cache.get('dev');

    vi.advanceTimersByTime(960_000);

    await expect(cache.get('dev')).rejects.toThrow(/NoSuchKey.*maxStaleSeconds \(60 \+ 900 s\)/);
  });

  it('recovers once S3 serves a valid config again', async () => {
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce(objectOf(BASE_CONFIG))
      .rejectsOnce(new Error('connect ECONNREFUSED'))
      .resolves(objectOf(BASE_CONFIG, '"v2"'));
    const cache = newCache();
    await cache.get('dev');
    vi.advanceTimersByTime(60_000);
    await cache.get('dev');

    vi.advanceTimersByTime(5_000);

    expect((await cache.get('dev')).source).toBe('fetched');
  });

  it('fails a cold start naming the bucket and key', async () => {
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ $metadata: {}, message: 'The specified key does not exist.' }));

    await expect(newCache().get('prod')).rejects.toThrow(`s3://${BUCKET}/prod/config.json`);
  });

  it('fails a cold start with an invalid config, listing the problems', async () => {
    s3Mock.on(GetObjectCommand).resolves(objectOf({ keyId: KEY_ID, cache: { maxAgeSeconds: 'soon' } }));

    await expect(newCache().get('dev')).rejects.toThrow(/cache\.maxAgeSeconds/);
  });

  it('fails a cold start with a ConfigUnavailableError', async () => {
    s3Mock.on(GetObjectCommand).rejects(new Error('socket hang up'));

    await expect(newCache().get('dev')).rejects.toBeInstanceOf(ConfigUnavailableError);
  });

  it('counts refreshes, 304s and failures', async () => {
    const { telemetry, counts } = recordingTelemetry();
    s3Mock.on(GetObjectCommand).resolvesOnce(objectOf(BASE_CONFIG)).rejectsOnce(notModified()).rejects(new Error('down'));
    const cache = newCache(telemetry);
    await cache.get('dev');
    vi.advanceTimersByTime(60_000);
    await cache.get('dev');
    vi.advanceTimersByTime(60_000);
    await cache.get('dev');

    expect(counts).toEqual({ configRefreshes: 1, configNotModified: 1, configFetchFailures: 1, staleConfigServes: 1 });
  });
});
