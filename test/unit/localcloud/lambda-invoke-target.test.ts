import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { createAlias } from '../../../src/localcloud/lambda/aliases.js';
import { CodeStore } from '../../../src/localcloud/lambda/code.js';
import { functionConfiguration } from '../../../src/localcloud/lambda/configuration.js';
import { ResourceConflictException } from '../../../src/localcloud/lambda/errors.js';
import { createFunction, updateFunctionCode, updateFunctionConfiguration } from '../../../src/localcloud/lambda/functions.js';
import { prepareInvocation } from '../../../src/localcloud/lambda/invoke.js';
import type { LambdaState } from '../../../src/localcloud/lambda/lookup.js';
import { LambdaStore } from '../../../src/localcloud/lambda/store.js';
import { publishLatest } from '../../../src/localcloud/lambda/versions.js';
import { BlobStore } from '../../../src/localcloud/store/blobs.js';

const REGION = 'us-east-1';
const SETTLE_MS = 300;
const SETTINGS = { runtime: 'nodejs20.x', role: 'arn:aws:iam::000000000000:role/r', handler: 'index.handler' };
const ZIP = Buffer.from(zipSync({ 'index.js': strToU8('exports.handler = async () => 1;') }));
const OTHER_ZIP = Buffer.from(zipSync({ 'index.js': strToU8('exports.handler = async () => 2;') }));

/** A code store whose unzipping fails on request, as a full disk would make it. */
class FlakyCodeStore extends CodeStore {
  failUnzip = false;

  override unzipped(digest: string): string {
    if (this.failUnzip) throw new Error('ENOSPC: no space left on device');
    return super.unzipped(digest);
  }
}

function createState(): LambdaState & { advance(ms: number): void; code: FlakyCodeStore } {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-invoke-target-'));
  let nowMs = 1_700_000_000_000;
  return {
    store: new LambdaStore(new Database(':memory:')),
    code: new FlakyCodeStore(new BlobStore(dataDir), { readObject: () => ZIP }, join(dataDir, 'lambda')),
    accountId: '000000000000',
    settleMs: SETTLE_MS,
    nowMs: () => nowMs,
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

function createSettled(state: ReturnType<typeof createState>): void {
  createFunction(state, REGION, { name: 'fn', settings: SETTINGS, code: { zipFile: ZIP }, publish: false, tags: {} });
  state.advance(SETTLE_MS);
}

describe('prepareInvocation', () => {
  it('rejects a function that is still Pending', () => {
    const state = createState();
    createFunction(state, REGION, { name: 'fn', settings: SETTINGS, code: { zipFile: ZIP }, publish: false, tags: {} });
    expect(() => prepareInvocation(state, { region: REGION, name: 'fn' })).toThrow(ResourceConflictException);
  });

  it('runs the previous configuration while an update is InProgress', () => {
    const state = createState();
    createSettled(state);
    updateFunctionConfiguration(state, REGION, 'fn', { environment: { RELEASE: 'new' } }, undefined);

    expect(prepareInvocation(state, { region: REGION, name: 'fn' }).version.settings.environment).toEqual({});
    state.advance(SETTLE_MS);
    expect(prepareInvocation(state, { region: REGION, name: 'fn' }).version.settings.environment).toEqual({ RELEASE: 'new' });
  });

  it('runs the previous code while a code update is InProgress', () => {
    const state = createState();
    createSettled(state);
    const before = state.store.getVersion(REGION, 'fn', '$LATEST')!.codeDigest;
    updateFunctionCode(state, REGION, 'fn', { code: { zipFile: OTHER_ZIP }, publish: false, dryRun: false });

    expect(prepareInvocation(state, { region: REGION, name: 'fn' }).version.codeDigest).toBe(before);
  });

  it('qualifies the invoked ARN with the alias and runs its version', () => {
    const state = createState();
    createSettled(state);
    publishLatest(state, REGION, 'fn', {});
    createAlias(state, REGION, 'fn', { alias: 'prod', functionVersion: '1' });

    const prepared = prepareInvocation(state, { region: REGION, name: 'fn', qualifier: 'prod' });
    expect(prepared.version.version).toBe('1');
    expect(prepared.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:fn:prod');
  });

  it('routes to the additional version when the draw falls under its weight', () => {
    const state = createState();
    createSettled(state);
    publishLatest(state, REGION, 'fn', {});
    updateFunctionConfiguration(state, REGION, 'fn', { timeoutSeconds: 9 }, undefined);
    state.advance(SETTLE_MS);
    publishLatest(state, REGION, 'fn', {});
    createAlias(state, REGION, 'fn', { alias: 'prod', functionVersion: '1', additionalVersionWeights: { '2': 0.25 } });

    expect(prepareInvocation(state, { region: REGION, name: 'fn', qualifier: 'prod' }, 0.2).version.version).toBe('2');
    expect(prepareInvocation(state, { region: REGION, name: 'fn', qualifier: 'prod' }, 0.25).version.version).toBe('1');
  });
});

describe('code that cannot be unzipped for execution', () => {
  it('reports a failed update and keeps running the previous code', () => {
    const state = createState();
    createSettled(state);
    const before = state.store.getVersion(REGION, 'fn', '$LATEST')!.codeDigest;
    state.code.failUnzip = true;
    const updated = updateFunctionCode(state, REGION, 'fn', { code: { zipFile: OTHER_ZIP }, publish: false, dryRun: false });
    state.advance(SETTLE_MS);

    const configuration = functionConfiguration(updated, state.accountId, state.nowMs());
    expect(configuration.LastUpdateStatus).toBe('Failed');
    expect(configuration.LastUpdateStatusReason).toMatch(/ENOSPC/);
    expect(prepareInvocation(state, { region: REGION, name: 'fn' }).version.codeDigest).toBe(before);
  });

  it('leaves a new function in State Failed, which cannot be invoked', () => {
    const state = createState();
    state.code.failUnzip = true;
    const created = createFunction(state, REGION, { name: 'fn', settings: SETTINGS, code: { zipFile: ZIP }, publish: false, tags: {} });
    state.advance(SETTLE_MS);

    expect(functionConfiguration(created, state.accountId, state.nowMs()).State).toBe('Failed');
    expect(() => prepareInvocation(state, { region: REGION, name: 'fn' })).toThrow('The function is currently in the following state: Failed');
  });
});
