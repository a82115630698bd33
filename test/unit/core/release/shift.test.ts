import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { deployRecord, ledgerKey, parseCommand, ReleaseNotFoundError, resumeRelease, runCommand, smokeEventKey } from '../../../../src/core/release/index.js';
import type { LedgerDocument } from '../../../../src/core/release/index.js';
import { FakeClock, FakeLambda, FakeS3, fakeRuntime, FUNCTION, s3Record } from './fakes.js';

const KEY = `dev/${FUNCTION}.zip`;
const DEPLOYABLE = new Set([FUNCTION]);

describe('alias shift', () => {
  let s3: FakeS3;
  let lambda: FakeLambda;

  beforeEach(() => {
    s3 = new FakeS3();
    lambda = new FakeLambda();
    s3.putJson(smokeEventKey(FUNCTION), { data: 'aGk=' });
  });
  afterEach(() => {
    s3.mock.restore();
    lambda.mock.restore();
  });

  async function deploy(versionId: string, strategy?: string, clock = new FakeClock()) {
    s3.upload(KEY, versionId, Buffer.from(versionId), { description: versionId, ...(strategy ? { strategy } : {}) });
    const { runtime, continued } = fakeRuntime(s3, lambda, clock);
    const result = await deployRecord(runtime, s3Record(KEY, { versionId, sequencer: versionId.replace('v', '0') }), DEPLOYABLE);
    return { result, continued, runtime };
  }

  function aliasUpdates() {
    return lambda.mock.commandCalls(UpdateAliasCommand).map((call) => ({
      version: call.args[0].input.FunctionVersion,
      weights: call.args[0].input.RoutingConfig?.AdditionalVersionWeights,
    }));
  }

  function ledger() {
    return s3.json<LedgerDocument>(ledgerKey(FUNCTION, 'dev'))?.entries ?? [];
  }

  it('routes the canary weight, bakes, then moves all traffic', async () => {
    await deploy('v1');
    const clock = new FakeClock();
    const startMs = clock.nowMs;

    const { result } = await deploy('v2', 'canary:10:60', clock);

    expect(result).toMatchObject({ release: { outcome: 'succeeded' } });
    expect(aliasUpdates()).toEqual([
      { version: '1', weights: { '2': 0.1 } },
      { version: '2', weights: {} },
    ]);
    expect(clock.nowMs - startMs).toBeGreaterThanOrEqual(60_000);
  });

  it('probes the new version directly during the bake', async () => {
    await deploy('v1');
    lambda.invocations.length = 0;

    await deploy('v2', 'canary:10:20');

    expect(lambda.invocations.filter((qualifier) => qualifier === '2').length).toBeGreaterThanOrEqual(4);
    expect(lambda.invocations.at(-1)).toBe('dev');
  });

  it('steps linearly to 100 percent', async () => {
    await deploy('v1');

    await deploy('v2', 'linear:40:10');

    expect(aliasUpdates().map((update) => update.weights)).toEqual([{ '2': 0.4 }, { '2': 0.8 }, {}]);
  });

  it('restores the exact previous routing when the canary fails', async () => {
    await deploy('v1');
    await deploy('v2');
    lambda.aliases.set('dev', { functionVersion: '2', weights: { '1': 0.25 }, revision: 9 });
    lambda.failingAfter.set('3', 2);

    const { result } = await deploy('v3', 'canary:10:60');

    expect(result).toMatchObject({ release: { outcome: 'rolled-back' } });
    expect(lambda.alias('dev')).toMatchObject({ functionVersion: '2', weights: { '1': 0.25 } });
    expect(ledger().at(-1)).toMatchObject({ outcome: 'rolled-back', previousVersion: '2', previousRouting: { '1': 0.25 } });
    expect(ledger().at(-1)?.reason).toMatch(/keystage-encryption:3 failed/);
  });

  it('creates the alias at once on the first release', async () => {
    const { result } = await deploy('v1', 'canary:10:60');

    expect(result).toMatchObject({ release: { outcome: 'succeeded' } });
    expect(lambda.alias('dev')).toMatchObject({ functionVersion: '1', weights: {} });
  });

  it('hands a long bake to a follow-up invocation and finishes there', async () => {
    await deploy('v1');
    const clock = new FakeClock();
    clock.remainingMs = 60_000;

    const { result, continued } = await deploy('v2', 'canary:10:300', clock);

    expect(result).toMatchObject({ release: { outcome: 'continued' } });
    expect(lambda.alias('dev')).toMatchObject({ functionVersion: '1', weights: { '2': 0.1 } });
    expect(continued).toHaveLength(1);

    clock.remainingMs = 900_000;
    const { runtime } = fakeRuntime(s3, lambda, clock, { owner: 'follow-up' });
    const resumed = await resumeRelease(runtime, continued[0]!);

    expect(resumed.outcome).toBe('succeeded');
    expect(lambda.alias('dev')).toMatchObject({ functionVersion: '2', weights: {} });
    expect(ledger().map((entry) => entry.outcome)).toEqual(['succeeded', 'succeeded']);
  });

  it('stops a resumed release when the alias moved meanwhile', async () => {
    await deploy('v1');
    const clock = new FakeClock();
    clock.remainingMs = 60_000;
    const { continued } = await deploy('v2', 'canary:10:300', clock);
    lambda.aliases.set('dev', { functionVersion: '1', weights: {}, revision: 50 });

    clock.remainingMs = 900_000;
    const resumed = await resumeRelease(fakeRuntime(s3, lambda, clock, { owner: 'follow-up' }).runtime, continued[0]!);

    expect(resumed).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/changed while this release waited/) });
    expect(lambda.alias('dev')).toMatchObject({ functionVersion: '1', weights: {}, revision: 50 });
  });
});

describe('commands', () => {
  let s3: FakeS3;
  let lambda: FakeLambda;

  beforeEach(async () => {
    s3 = new FakeS3();
    lambda = new FakeLambda();
    for (const versionId of ['v1', 'v2', 'v3']) {
      s3.upload(KEY, versionId, Buffer.from(versionId), { description: `build ${versionId}` });
      await deployRecord(fakeRuntime(s3, lambda).runtime, s3Record(KEY, { versionId, sequencer: versionId.replace('v', '0') }), DEPLOYABLE);
    }
  });
  afterEach(() => {
    s3.mock.restore();
    lambda.mock.restore();
  });

  it('promotes the exact version the source stage runs', async () => {
    const command = parseCommand({ action: 'promote', function: FUNCTION, fromStage: 'dev', toStage: 'staging' }, DEPLOYABLE);

    const result = await runCommand(fakeRuntime(s3, lambda).runtime, command);

    expect(result).toMatchObject({ outcome: 'succeeded', publishedVersion: '3', stage: 'staging' });
    expect(lambda.alias('staging')?.functionVersion).toBe('3');
    expect(lambda.versions).toHaveLength(3);
    expect(s3.json<LedgerDocument>(ledgerKey(FUNCTION, 'staging'))?.entries[0]).toMatchObject({ kind: 'promote', objectVersionId: 'v3', description: 'build v3' });
  });

  it('rejects a promotion from a stage without an alias', async () => {
    const command = parseCommand({ action: 'promote', function: FUNCTION, fromStage: 'qa', toStage: 'prod' }, DEPLOYABLE);

    await expect(runCommand(fakeRuntime(s3, lambda).runtime, command)).rejects.toThrow(ReleaseNotFoundError);
  });

  it('rejects a promotion from a stage in mid-release', async () => {
    lambda.aliases.set('dev', { functionVersion: '2', weights: { '3': 0.1 }, revision: 7 });
    const command = parseCommand({ action: 'promote', function: FUNCTION, fromStage: 'dev', toStage: 'prod' }, DEPLOYABLE);

    await expect(runCommand(fakeRuntime(s3, lambda).runtime, command)).rejects.toThrow(/middle of a release/);
  });

  it('rolls back to the previous good version', async () => {
    const command = parseCommand({ action: 'rollback', function: FUNCTION, stage: 'dev' }, DEPLOYABLE);

    const result = await runCommand(fakeRuntime(s3, lambda).runtime, command);

    expect(result).toMatchObject({ outcome: 'succeeded', publishedVersion: '2', previousVersion: '3' });
    expect(lambda.alias('dev')?.functionVersion).toBe('2');
  });

  it('rolls back twice to step back two releases', async () => {
    const command = parseCommand({ action: 'rollback', function: FUNCTION, stage: 'dev' }, DEPLOYABLE);
    await runCommand(fakeRuntime(s3, lambda).runtime, command);

    await runCommand(fakeRuntime(s3, lambda).runtime, command);

    expect(lambda.alias('dev')?.functionVersion).toBe('1');
  });

  it('rolls back to a named version', async () => {
    const command = parseCommand({ action: 'rollback', function: FUNCTION, stage: 'dev', version: '1' }, DEPLOYABLE);

    const result = await runCommand(fakeRuntime(s3, lambda).runtime, command);

    expect(result.entry).toMatchObject({ kind: 'rollback', publishedVersion: '1', previousVersion: '3', objectVersionId: 'v1' });
  });

  it('fails a rollback to a version that does not exist', async () => {
    const command = parseCommand({ action: 'rollback', function: FUNCTION, stage: 'dev', version: '42' }, DEPLOYABLE);

    const result = await runCommand(fakeRuntime(s3, lambda).runtime, command);

    expect(result).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/Version 42/) });
    expect(lambda.alias('dev')?.functionVersion).toBe('3');
  });

  it.each([
    [{ action: 'promote', function: FUNCTION, fromStage: 'dev', toStage: 'dev' }, /both "dev"/],
    [{ action: 'promote', function: 'other', fromStage: 'dev', toStage: 'prod' }, /not in DEPLOYABLE_FUNCTIONS/],
    [{ action: 'rollback', function: FUNCTION }, /"stage"/],
    [{ action: 'rollback', function: FUNCTION, stage: 'dev', version: 'latest' }, /"latest"/],
    [{ action: 'destroy', function: FUNCTION }, /unknown/],
  ])('rejects an invalid command %#', (event, message) => {
    expect(() => parseCommand(event, DEPLOYABLE)).toThrow(message);
  });
});
