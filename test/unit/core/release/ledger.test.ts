import { afterEach, describe, expect, it } from 'vitest';

import { findSettledDeployment, lastAppliedSequencer } from '../../../../src/core/release/ledger.js';
import type { LedgerEntry } from '../../../../src/core/release/index.js';
import { appendLedgerEntry, ledgerKey, previousGoodVersion, readLedger, WriteConflictError } from '../../../../src/core/release/index.js';
import { BUCKET, FakeClock, FakeS3, FUNCTION } from './fakes.js';

const KEY = ledgerKey(FUNCTION, 'dev');

const baseEntry: LedgerEntry = {
  time: '2026-01-01T00:00:00.000Z',
  kind: 'deploy',
  outcome: 'succeeded',
  reason: null,
  objectKey: 'dev/keystage-encryption.zip',
  objectVersionId: 'v1',
  sequencer: '0A',
  sha256: 'sha',
  description: 'first',
  publishedVersion: '1',
  previousVersion: null,
  previousRouting: {},
  strategy: 'all-at-once',
  steps: [],
};

function entry(overrides: Partial<LedgerEntry>): LedgerEntry {
  return { ...baseEntry, ...overrides };
}

describe('appendLedgerEntry', () => {
  let s3: FakeS3;
  afterEach(() => s3.mock.restore());

  it('creates the ledger with the first entry', async () => {
    s3 = new FakeS3();

    await appendLedgerEntry(s3.client, BUCKET, FUNCTION, 'dev', baseEntry, { sleep: new FakeClock().sleep });

    expect(await readLedger(s3.client, BUCKET, FUNCTION, 'dev')).toEqual([baseEntry]);
  });

  it('keeps every entry when writes answer 412 first', async () => {
    s3 = new FakeS3();
    const sleep = new FakeClock().sleep;
    await appendLedgerEntry(s3.client, BUCKET, FUNCTION, 'dev', baseEntry, { sleep });
    s3.failNextPuts.set(KEY, 3);

    await appendLedgerEntry(s3.client, BUCKET, FUNCTION, 'dev', entry({ objectVersionId: 'v2' }), { sleep });

    const versions = (await readLedger(s3.client, BUCKET, FUNCTION, 'dev')).map((stored) => stored.objectVersionId);
    expect(versions).toEqual(['v1', 'v2']);
  });

  it('loses no entry among concurrent appends', async () => {
    s3 = new FakeS3();
    const sleep = new FakeClock().sleep;

    await Promise.all(
      Array.from({ length: 10 }, (_, index) => appendLedgerEntry(s3.client, BUCKET, FUNCTION, 'dev', entry({ objectVersionId: `v${index}` }), { sleep })),
    );

    expect(await readLedger(s3.client, BUCKET, FUNCTION, 'dev')).toHaveLength(10);
  });

  it('throws WriteConflictError when every attempt loses', async () => {
    s3 = new FakeS3();
    s3.failNextPuts.set(KEY, 100);

    await expect(appendLedgerEntry(s3.client, BUCKET, FUNCTION, 'dev', baseEntry, { sleep: new FakeClock().sleep, maxAttempts: 3 })).rejects.toThrow(
      WriteConflictError,
    );
  });
});

describe('ledger queries', () => {
  it('finds a settled deployment of an object version', () => {
    expect(findSettledDeployment([baseEntry], baseEntry.objectKey ?? '', 'v1')).toBe(baseEntry);
  });

  it('does not treat a retryable failure as settled', () => {
    const failed = entry({ outcome: 'failed', retryable: true });
    expect(findSettledDeployment([failed], baseEntry.objectKey ?? '', 'v1')).toBeUndefined();
  });

  it('returns the newest applied sequencer with padding', () => {
    const entries = [entry({ sequencer: 'FF' }), entry({ sequencer: '0100' }), entry({ sequencer: 'FFFF', outcome: 'skipped' })];
    expect(lastAppliedSequencer(entries, baseEntry.objectKey ?? '')).toBe('0100');
  });

  it('steps back past versions earlier rollbacks left', () => {
    const entries = [
      entry({ publishedVersion: '3' }),
      entry({ publishedVersion: '4', previousVersion: '3' }),
      entry({ publishedVersion: '5', previousVersion: '4' }),
      entry({ kind: 'rollback', publishedVersion: '4', previousVersion: '5' }),
    ];
    expect(previousGoodVersion(entries, '4')).toBe('3');
  });

  it('skips versions whose release failed', () => {
    const entries = [entry({ publishedVersion: '1' }), entry({ publishedVersion: '2', outcome: 'rolled-back' }), entry({ publishedVersion: '3' })];
    expect(previousGoodVersion(entries, '3')).toBe('1');
  });
});
