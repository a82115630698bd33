import { GetObjectCommand, NoSuchKey } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createClients, destroyClients } from '../../../src/cli/clients.js';
import type { AwsClients } from '../../../src/cli/clients.js';
import { WaitTimeoutError } from '../../../src/cli/errors.js';
import { waitForRelease } from '../../../src/cli/release/watch.js';
import type { WatchOptions } from '../../../src/cli/release/watch.js';
import type { LedgerEntry } from '../../../src/core/release/ledger.js';
import { ledgerKey, progressKey } from '../../../src/core/release/keys.js';

const BUCKET = 'keystage-artifacts-000000000000-us-east-1';
const KEY = 'dev/keystage-encryption.zip';

const baseEntry: LedgerEntry = {
  time: '2026-01-01T12:00:05.000Z',
  kind: 'deploy',
  outcome: 'succeeded',
  reason: null,
  objectKey: KEY,
  objectVersionId: 'v2',
  sequencer: '0A',
  sha256: null,
  description: 'fix padding',
  publishedVersion: '5',
  previousVersion: '4',
  previousRouting: {},
  strategy: 'all-at-once',
  steps: [
    { name: 'update-code', durationMs: 1 },
    { name: 'publish-version', durationMs: 1 },
    { name: 'finalize-alias', durationMs: 1 },
  ],
};

const watchOptions: WatchOptions = {
  bucket: BUCKET,
  functionName: 'keystage-encryption',
  stage: 'dev',
  objectKey: KEY,
  objectVersionId: 'v2',
  startedAt: new Date('2026-01-01T12:00:00Z'),
  timeoutMs: 60_000,
  pollIntervalMs: 1000,
};

let clients: AwsClients;
let s3: ReturnType<typeof mockClient>;

function document(value: unknown) {
  return { Body: { transformToString: async () => JSON.stringify(value) }, ETag: '"etag"' } as never;
}

function missing() {
  return new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
}

function ledgerReturns(...entries: LedgerEntry[][]): void {
  const stub = s3.on(GetObjectCommand, { Key: ledgerKey('keystage-encryption', 'dev') });
  for (const value of entries) stub.resolvesOnce(document({ functionName: 'keystage-encryption', stage: 'dev', entries: value }));
  stub.resolves(document({ functionName: 'keystage-encryption', stage: 'dev', entries: entries.at(-1) ?? [] }));
}

beforeEach(() => {
  clients = createClients({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  s3 = mockClient(clients.s3);
  s3.on(GetObjectCommand, { Key: progressKey('keystage-encryption', 'dev') }).rejects(missing());
});

afterEach(() => {
  vi.useRealTimers();
  s3.restore();
  destroyClients(clients);
});

describe('waitForRelease', () => {
  it('returns the settled entry of the uploaded version', async () => {
    const other = { ...baseEntry, objectVersionId: 'v1', description: 'older upload' };
    ledgerReturns([other, baseEntry]);

    const entry = await waitForRelease(clients, watchOptions);

    expect(entry.description).toBe('fix padding');
  });

  it('narrates the steps of the settled entry', async () => {
    ledgerReturns([baseEntry]);
    const steps: string[] = [];

    await waitForRelease(clients, { ...watchOptions, onStep: (step) => steps.push(step) });

    expect(steps).toEqual(['code updated', 'published version 5', '100 % of traffic on version 5']);
  });

  it('waits past a failed attempt that will be retried', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T12:00:01Z') });
    const retrying = { ...baseEntry, outcome: 'failed' as const, retryable: true, reason: 'lease busy', steps: [] };
    ledgerReturns([retrying], [retrying, baseEntry]);
    const steps: string[] = [];

    const waiting = waitForRelease(clients, { ...watchOptions, onStep: (step) => steps.push(step) });
    await vi.advanceTimersByTimeAsync(1000);

    expect((await waiting).outcome).toBe('succeeded');
    expect(steps[0]).toBe('attempt failed, the deploy function will retry: lease busy');
  });

  it('returns a rolled-back release as settled', async () => {
    ledgerReturns([{ ...baseEntry, outcome: 'rolled-back', reason: 'smoke invocation failed' }]);

    expect((await waitForRelease(clients, watchOptions)).outcome).toBe('rolled-back');
  });

  it('hints at the notification when nothing starts', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T12:00:01Z') });
    ledgerReturns([]);
    const steps: string[] = [];

    const waiting = waitForRelease(clients, { ...watchOptions, onStep: (step) => steps.push(step) });
    const outcome = expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
    await vi.advanceTimersByTimeAsync(61_000);
    await outcome;

    expect(steps).toEqual([expect.stringContaining('no release has started after 30 s')]);
  });

  it('matches by upload time when the bucket has no versions', async () => {
    const unversioned = { ...baseEntry, objectVersionId: null };
    const earlier = { ...unversioned, time: '2026-01-01T11:59:00.000Z', description: 'before the upload' };
    ledgerReturns([earlier, unversioned]);

    const entry = await waitForRelease(clients, { ...watchOptions, objectVersionId: undefined });

    expect(entry.description).toBe('fix padding');
  });
});
