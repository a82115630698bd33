import { afterEach, describe, expect, it } from 'vitest';

import { acquireLease } from '../../../../src/core/release/lease.js';
import type { LeaseDocument } from '../../../../src/core/release/lease.js';
import { LeaseUnavailableError, leaseKey } from '../../../../src/core/release/index.js';
import { BUCKET, FakeClock, FakeS3, FUNCTION } from './fakes.js';

const KEY = leaseKey(FUNCTION, 'dev');

function options(clock: FakeClock, overrides: Partial<Parameters<typeof acquireLease>[4]> = {}) {
  return { owner: 'owner-a', ttlMs: 60_000, maxWaitMs: 30_000, sleep: clock.sleep, now: clock.now, ...overrides };
}

describe('acquireLease', () => {
  let s3: FakeS3;
  afterEach(() => s3.mock.restore());

  it('creates the lease object when none exists', async () => {
    s3 = new FakeS3();
    const clock = new FakeClock();

    await acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock));

    expect(s3.json<LeaseDocument>(KEY)?.owner).toBe('owner-a');
  });

  it('takes over a lease that expired', async () => {
    s3 = new FakeS3();
    const clock = new FakeClock();
    s3.putJson(KEY, { owner: 'crashed', acquiredAt: '2025-12-31T23:00:00Z', expiresAt: new Date(clock.nowMs - 1).toISOString() });

    await acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock));

    expect(s3.json<LeaseDocument>(KEY)?.owner).toBe('owner-a');
  });

  it('waits for a live lease to expire', async () => {
    s3 = new FakeS3();
    const clock = new FakeClock();
    s3.putJson(KEY, { owner: 'busy', acquiredAt: new Date(clock.nowMs).toISOString(), expiresAt: new Date(clock.nowMs + 10_000).toISOString() });

    await acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock));

    expect(s3.json<LeaseDocument>(KEY)?.owner).toBe('owner-a');
    expect(clock.nowMs).toBeGreaterThanOrEqual(Date.parse('2026-01-01T00:00:10Z'));
  });

  it('gives up after the wait bound', async () => {
    s3 = new FakeS3();
    const clock = new FakeClock();
    s3.putJson(KEY, { owner: 'busy', acquiredAt: new Date(clock.nowMs).toISOString(), expiresAt: new Date(clock.nowMs + 600_000).toISOString() });

    await expect(acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock))).rejects.toThrow(LeaseUnavailableError);
    expect(s3.json<LeaseDocument>(KEY)?.owner).toBe('busy');
  });

  it('retries when a concurrent writer wins the create', async () => {
    s3 = new FakeS3();
    const clock = new FakeClock();
    s3.putJson(KEY, { owner: null, acquiredAt: '2026-01-01T00:00:00Z', expiresAt: '2026-01-01T00:00:00Z' });
    s3.failNextPuts.set(KEY, 2);

    await acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock));

    expect(s3.json<LeaseDocument>(KEY)?.owner).toBe('owner-a');
  });

  it('marks the lease free on release', async () => {
    s3 = new FakeS3();
    const clock = new FakeClock();
    const lease = await acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock));

    await lease.release();
    await acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock, { owner: 'owner-b', maxWaitMs: 0 }));

    expect(s3.json<LeaseDocument>(KEY)?.owner).toBe('owner-b');
  });

  it('renews on keepAlive only after half the lifetime', async () => {
    s3 = new FakeS3();
    const clock = new FakeClock();
    const lease = await acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock));
    const firstExpiry = s3.json<LeaseDocument>(KEY)?.expiresAt;

    await clock.sleep(10_000);
    await lease.keepAlive(60_000);
    const unchanged = s3.json<LeaseDocument>(KEY)?.expiresAt;
    await clock.sleep(25_000);
    await lease.keepAlive(60_000);

    expect(unchanged).toBe(firstExpiry);
    expect(s3.json<LeaseDocument>(KEY)?.expiresAt).toBe(new Date(clock.nowMs + 60_000).toISOString());
  });

  it('fails renewal after another owner took over', async () => {
    s3 = new FakeS3();
    const clock = new FakeClock();
    const lease = await acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock, { ttlMs: 1_000 }));
    await clock.sleep(2_000);
    await acquireLease(s3.client, BUCKET, FUNCTION, 'dev', options(clock, { owner: 'owner-b' }));

    await expect(lease.renew(60_000)).rejects.toThrow(LeaseUnavailableError);
  });
});
