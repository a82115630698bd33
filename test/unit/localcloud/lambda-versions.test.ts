import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { CodeStore, codeSha256 } from '../../../src/localcloud/lambda/code.js';
import { versionStatus } from '../../../src/localcloud/lambda/configuration.js';
import {
  InvalidParameterValueException,
  PreconditionFailedException,
  ResourceConflictException,
} from '../../../src/localcloud/lambda/errors.js';
import { createFunction, deleteFunction, updateFunctionCode, updateFunctionConfiguration } from '../../../src/localcloud/lambda/functions.js';
import type { LambdaState } from '../../../src/localcloud/lambda/lookup.js';
import { LambdaStore } from '../../../src/localcloud/lambda/store.js';
import { listVersionsByFunction, publishLatest } from '../../../src/localcloud/lambda/versions.js';
import { BlobStore } from '../../../src/localcloud/store/blobs.js';

const REGION = 'us-east-1';
const SETTLE_MS = 300;
const ZIP = Buffer.from(zipSync({ 'index.js': strToU8('exports.handler = async () => 1;') }));
const OTHER_ZIP = Buffer.from(zipSync({ 'index.js': strToU8('exports.handler = async () => 2;') }));

/** A Lambda state on an in-memory database with a clock the test moves. */
function createState(): LambdaState & { advance(ms: number): void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-lambda-unit-'));
  let nowMs = 1_700_000_000_000;
  const objects = { readObject: () => ZIP };
  return {
    store: new LambdaStore(new Database(':memory:')),
    code: new CodeStore(new BlobStore(dataDir), objects, join(dataDir, 'lambda')),
    accountId: '000000000000',
    settleMs: SETTLE_MS,
    nowMs: () => nowMs,
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

const SETTINGS = { runtime: 'nodejs20.x', role: 'arn:aws:iam::000000000000:role/r', handler: 'index.handler' };

function createSettled(state: ReturnType<typeof createState>, name = 'fn'): void {
  createFunction(state, REGION, { name, settings: SETTINGS, code: { zipFile: ZIP }, publish: false, tags: {} });
  state.advance(SETTLE_MS);
}

describe('versionStatus', () => {
  it('is Pending until a creation settles, then Active', () => {
    const state = createState();
    createFunction(state, REGION, { name: 'fn', settings: SETTINGS, code: { zipFile: ZIP }, publish: false, tags: {} });
    const latest = state.store.getVersion(REGION, 'fn', '$LATEST')!;

    expect(versionStatus(latest, state.nowMs()).state).toBe('Pending');
    expect(versionStatus(latest, state.nowMs() + SETTLE_MS - 1).state).toBe('Pending');
    expect(versionStatus(latest, state.nowMs() + SETTLE_MS)).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
  });

  it('changes the RevisionId when an update completes', () => {
    const state = createState();
    createSettled(state);
    const updated = updateFunctionConfiguration(state, REGION, 'fn', { timeoutSeconds: 9 }, undefined);

    const during = versionStatus(updated, state.nowMs());
    const after = versionStatus(updated, state.nowMs() + SETTLE_MS);
    expect(during.lastUpdateStatus).toBe('InProgress');
    expect(after.lastUpdateStatus).toBe('Successful');
    expect(after.revisionId).not.toBe(during.revisionId);
  });
});

describe('publishLatest', () => {
  it('numbers versions from 1', () => {
    const state = createState();
    createSettled(state);
    expect(publishLatest(state, REGION, 'fn', {}).version).toBe('1');
  });

  it('returns the newest version when code and configuration are unchanged', () => {
    const state = createState();
    createSettled(state);
    const first = publishLatest(state, REGION, 'fn', { description: 'first' });
    const again = publishLatest(state, REGION, 'fn', { description: 'second' });

    expect(again.version).toBe(first.version);
    expect(again.versionDescription).toBe('first');
    expect(listVersionsByFunction(state, REGION, 'fn', undefined, undefined).items).toHaveLength(2);
  });

  it('publishes again after a configuration change', () => {
    const state = createState();
    createSettled(state);
    publishLatest(state, REGION, 'fn', {});
    updateFunctionConfiguration(state, REGION, 'fn', { environment: { RELEASE: 'b' } }, undefined);
    state.advance(SETTLE_MS);

    expect(publishLatest(state, REGION, 'fn', {}).version).toBe('2');
  });

  it('publishes again after a code change', () => {
    const state = createState();
    createSettled(state);
    publishLatest(state, REGION, 'fn', {});
    updateFunctionCode(state, REGION, 'fn', { code: { zipFile: OTHER_ZIP }, publish: false, dryRun: false });
    state.advance(SETTLE_MS);

    expect(publishLatest(state, REGION, 'fn', {}).version).toBe('2');
  });

  it('treats environment variables in another order as the same configuration', () => {
    const state = createState();
    createSettled(state);
    updateFunctionConfiguration(state, REGION, 'fn', { environment: { ALPHA: 'x', BETA: 'y' } }, undefined);
    state.advance(SETTLE_MS);
    publishLatest(state, REGION, 'fn', {});
    updateFunctionConfiguration(state, REGION, 'fn', { environment: { BETA: 'y', ALPHA: 'x' } }, undefined);
    state.advance(SETTLE_MS);

    expect(publishLatest(state, REGION, 'fn', {}).version).toBe('1');
  });

  it('rejects a CodeSha256 other than that of $LATEST', () => {
    const state = createState();
    createSettled(state);
    expect(() => publishLatest(state, REGION, 'fn', { codeSha256: 'AAAA' })).toThrow(InvalidParameterValueException);
  });

  it('accepts the CodeSha256 of $LATEST', () => {
    const state = createState();
    createSettled(state);
    const latest = state.store.getVersion(REGION, 'fn', '$LATEST')!;
    expect(publishLatest(state, REGION, 'fn', { codeSha256: codeSha256(latest.codeDigest) }).version).toBe('1');
  });

  it('rejects a RevisionId other than that of $LATEST', () => {
    const state = createState();
    createSettled(state);
    expect(() => publishLatest(state, REGION, 'fn', { revisionId: 'stale' })).toThrow(PreconditionFailedException);
  });

  it('rejects publishing while an update is in progress', () => {
    const state = createState();
    createSettled(state);
    updateFunctionConfiguration(state, REGION, 'fn', { timeoutSeconds: 5 }, undefined);
    expect(() => publishLatest(state, REGION, 'fn', {})).toThrow(ResourceConflictException);
  });

  it('never changes a published version when $LATEST changes', () => {
    const state = createState();
    createSettled(state);
    const published = publishLatest(state, REGION, 'fn', {});
    updateFunctionConfiguration(state, REGION, 'fn', { timeoutSeconds: 30 }, undefined);

    expect(state.store.getVersion(REGION, 'fn', published.version)).toEqual(published);
  });

  it('never reuses the number of a deleted version', () => {
    const state = createState();
    createSettled(state);
    publishLatest(state, REGION, 'fn', {});
    deleteFunction(state, REGION, 'fn', '1');
    updateFunctionConfiguration(state, REGION, 'fn', { timeoutSeconds: 30 }, undefined);
    state.advance(SETTLE_MS);

    expect(publishLatest(state, REGION, 'fn', {}).version).toBe('2');
  });
});

describe('function changes', () => {
  it('rejects an update while the function is Pending', () => {
    const state = createState();
    createFunction(state, REGION, { name: 'fn', settings: SETTINGS, code: { zipFile: ZIP }, publish: false, tags: {} });
    expect(() => updateFunctionConfiguration(state, REGION, 'fn', { timeoutSeconds: 5 }, undefined)).toThrow(
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
  });

  it('rejects reserved environment variables', () => {
    const state = createState();
    createSettled(state);
    expect(() => updateFunctionConfiguration(state, REGION, 'fn', { environment: { AWS_REGION: 'x' } }, undefined)).toThrow(
      /Reserved keys used in this request: AWS_REGION/,
    );
  });

  it('rejects environment variables over 4 KB', () => {
    const state = createState();
    createSettled(state);
    expect(() => updateFunctionConfiguration(state, REGION, 'fn', { environment: { BIG: 'x'.repeat(4096) } }, undefined)).toThrow(/4KB limit/);
  });

  it('rejects a timeout above 900 seconds', () => {
    const state = createState();
    createSettled(state);
    expect(() => updateFunctionConfiguration(state, REGION, 'fn', { timeoutSeconds: 901 }, undefined)).toThrow(/from 1 to 900 seconds/);
  });

  it('publishes version 1 at creation when Publish is true', () => {
    const state = createState();
    const created = createFunction(state, REGION, { name: 'fn', settings: SETTINGS, code: { zipFile: ZIP }, publish: true, tags: {} });
    expect(created.version).toBe('1');
  });
});
