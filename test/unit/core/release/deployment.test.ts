import { createHash } from 'node:crypto';

import { UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { publishVersion, setReleaseMarker, updateCode } from '../../../../src/core/release/function-code.js';

import { deployRecord, ledgerKey, leaseKey, progressKey, releaseMarker, smokeEventKey } from '../../../../src/core/release/index.js';
import type { LedgerDocument, ReleaseProgress } from '../../../../src/core/release/index.js';
import { BUCKET, FakeLambda, FakeS3, fakeRuntime, FUNCTION, s3Record } from './fakes.js';

const KEY = `dev/${FUNCTION}.zip`;
const DEPLOYABLE = new Set([FUNCTION]);
const ZIP = Buffer.from('zip bytes');

describe('deployRecord', () => {
  let s3: FakeS3;
  let lambda: FakeLambda;

  beforeEach(() => {
    s3 = new FakeS3();
    lambda = new FakeLambda();
  });
  afterEach(() => {
    s3.mock.restore();
    lambda.mock.restore();
  });

  function ledger() {
    return s3.json<LedgerDocument>(ledgerKey(FUNCTION, 'dev'))?.entries ?? [];
  }

  async function deploy(versionId: string, metadata: Record<string, string> = { description: `build ${versionId}` }, sequencer = `00${versionId.replace('v', '').padStart(4, '0')}`) {
    s3.upload(KEY, versionId, ZIP, metadata);
    const { runtime, continued } = fakeRuntime(s3, lambda);
    const result = await deployRecord(runtime, s3Record(KEY, { versionId, sequencer }), DEPLOYABLE);
    return { result, continued };
  }

  it('publishes a version and points the alias at it', async () => {
    const { result } = await deploy('v1');

    expect(result).toMatchObject({ release: { outcome: 'succeeded', publishedVersion: '1' } });
    expect(lambda.alias('dev')).toMatchObject({ functionVersion: '1', weights: {} });
    expect(lambda.versions[0]?.description).toBe('build v1');
  });

  it('sets the release marker and keeps the other variables', async () => {
    await deploy('v1');

    expect(lambda.latest.variables).toEqual({ CONFIG_BUCKET: 'config', KEYSTAGE_RELEASE: `${BUCKET}/${KEY}@v1` });
  });

  it('records the release in the ledger with its steps', async () => {
    await deploy('v1');

    const [entry] = ledger();
    expect(entry).toMatchObject({ kind: 'deploy', outcome: 'succeeded', objectVersionId: 'v1', publishedVersion: '1', previousVersion: null, sequencer: '000001' });
    expect(entry?.steps.map((step) => step.name)).toEqual(expect.arrayContaining(['acquire-lease', 'update-code', 'publish-version', 'finalize-alias']));
  });

  it('marks progress done and frees the lease', async () => {
    await deploy('v1');

    expect(s3.json<ReleaseProgress>(progressKey(FUNCTION, 'dev'))).toMatchObject({ phase: 'done', outcome: 'succeeded' });
    expect(s3.json<{ owner: string | null }>(`.keystage/leases/${FUNCTION}/dev.json`)?.owner).toBeNull();
  });

  it('skips a duplicate delivery without publishing again', async () => {
    await deploy('v1');
    const { result } = await deploy('v1');

    expect(result).toMatchObject({ release: { outcome: 'skipped' } });
    expect(lambda.versions).toHaveLength(1);
    expect(ledger().map((entry) => entry.outcome)).toEqual(['succeeded', 'skipped']);
    expect(ledger()[1]?.reason).toMatch(/Duplicate delivery/);
  });

  it('skips an event older than the last one applied', async () => {
    await deploy('v2', { description: 'newer' }, '0000FF');
    const { result } = await deploy('v1', { description: 'older' }, '00F0');

    expect(result).toMatchObject({ release: { outcome: 'skipped' } });
    expect(ledger()[1]?.reason).toMatch(/Late delivery/);
    expect(lambda.alias('dev')?.functionVersion).toBe('1');
  });

  it('rejects a long description before changing anything', async () => {
    const { result } = await deploy('v1', { description: 'x'.repeat(257) });

    expect(result).toMatchObject({ release: { outcome: 'failed', retryable: false } });
    expect(ledger()[0]?.reason).toMatch(/257 characters/);
    expect(lambda.mock.commandCalls(UpdateFunctionCodeCommand).length).toBe(0);
  });

  it('fails for good when the object version is gone', async () => {
    s3.upload(KEY, 'v1', ZIP, { description: 'kept' });
    const { runtime } = fakeRuntime(s3, lambda);

    const result = await deployRecord(runtime, s3Record(KEY, { versionId: 'deleted' }), DEPLOYABLE);

    expect(result).toMatchObject({ release: { outcome: 'failed', retryable: false, reason: expect.stringMatching(/version deleted no longer exists/) } });
  });

  it('uses a default description when metadata has none', async () => {
    await deploy('v1', {});

    expect(lambda.versions[0]?.description).toBe(`Deployed from s3://${BUCKET}/${KEY} version v1`);
  });

  it('rejects an invalid strategy with the value in the reason', async () => {
    const { result } = await deploy('v1', { description: 'd', strategy: 'canary:150:10' });

    expect(result).toMatchObject({ release: { outcome: 'failed' } });
    expect(ledger()[0]?.reason).toMatch(/canary:150:10/);
    expect(lambda.alias('dev')).toBeUndefined();
  });

  it('deploys when the sha256 metadata matches', async () => {
    const sha256 = createHash('sha256').update(ZIP).digest('hex');
    const { result } = await deploy('v1', { description: 'd', sha256 });

    expect(result).toMatchObject({ release: { outcome: 'succeeded' } });
  });

  it('rejects a checksum mismatch before changing anything', async () => {
    const { result } = await deploy('v1', { description: 'd', sha256: 'a'.repeat(64) });

    expect(result).toMatchObject({ release: { outcome: 'failed' } });
    expect(ledger()[0]?.reason).toMatch(/SHA-256/);
    expect(lambda.versions).toHaveLength(0);
  });

  it('records a zip Lambda rejects and leaves the alias alone', async () => {
    await deploy('v1');
    lambda.corruptKeys.add(KEY);
    const { result } = await deploy('v2');

    expect(result).toMatchObject({ release: { outcome: 'failed' } });
    expect(ledger()[1]?.reason).toMatch(/Could not unzip/);
    expect(lambda.alias('dev')?.functionVersion).toBe('1');
  });

  it('retries PublishVersion conflicts inside the engine', async () => {
    lambda.conflictsBeforePublish = 3;
    const { result } = await deploy('v1');

    expect(result).toMatchObject({ release: { outcome: 'succeeded', publishedVersion: '1' } });
  });

  it('fails before shifting when the new version fails its smoke test', async () => {
    s3.putJson(smokeEventKey(FUNCTION), { data: 'aGk=' });
    await deploy('v1');
    lambda.failingVersions.add('2');
    const { result } = await deploy('v2');

    expect(result).toMatchObject({ release: { outcome: 'failed' } });
    expect(ledger()[1]?.reason).toMatch(/smoke invocation of keystage-encryption:2 failed.*boom on load/);
    expect(lambda.alias('dev')).toMatchObject({ functionVersion: '1', weights: {} });
  });

  it('ignores keys that name no deployable function', async () => {
    const { runtime } = fakeRuntime(s3, lambda);

    const result = await deployRecord(runtime, s3Record('dev/other-function.zip'), DEPLOYABLE);

    expect(result).toMatchObject({ ignored: expect.stringMatching(/not in DEPLOYABLE_FUNCTIONS/) });
  });

  it('ignores folder placeholders', async () => {
    const { runtime } = fakeRuntime(s3, lambda);

    const result = await deployRecord(runtime, s3Record('dev/', { size: 0 }), DEPLOYABLE);

    expect(result).toMatchObject({ ignored: expect.stringMatching(/folder placeholder/) });
  });

  it('finishes a release that crashed after publishing', async () => {
    s3.upload(KEY, 'v1', ZIP, { description: 'build v1' });
    const artifact = { bucket: BUCKET, key: KEY, versionId: 'v1' };
    const options = { sleep: async () => undefined, updateWaitSeconds: 5 };
    const sha = await updateCode(lambda.client, FUNCTION, artifact, options);
    await setReleaseMarker(lambda.client, FUNCTION, releaseMarker(artifact), options);
    await publishVersion(lambda.client, FUNCTION, 'build v1', sha, options);
    s3.putJson(leaseKey(FUNCTION, 'dev'), { owner: 'crashed', acquiredAt: '2025-12-31T23:00:00Z', expiresAt: '2025-12-31T23:01:00Z' });
    const { runtime } = fakeRuntime(s3, lambda);

    const result = await deployRecord(runtime, s3Record(KEY, { versionId: 'v1', sequencer: '01' }), DEPLOYABLE);

    expect(result).toMatchObject({ release: { outcome: 'succeeded', publishedVersion: '1' } });
    expect(lambda.versions).toHaveLength(1);
    expect(lambda.alias('dev')?.functionVersion).toBe('1');
  });

  it('retries a lease conflict without failing', async () => {
    s3.putJson(leaseKey(FUNCTION, 'dev'), { owner: 'other', acquiredAt: '2026-01-01T00:00:00Z', expiresAt: '2026-01-01T00:00:30Z' });

    const { result } = await deploy('v1');

    expect(result).toMatchObject({ release: { outcome: 'succeeded' } });
  });
});
