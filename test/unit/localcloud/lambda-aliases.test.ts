import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { checkAliasTargets, createAlias, pickAliasVersion, updateAlias } from '../../../src/localcloud/lambda/aliases.js';
import { InvalidParameterValueException, PreconditionFailedException, ResourceNotFoundException } from '../../../src/localcloud/lambda/errors.js';
import type { LambdaState } from '../../../src/localcloud/lambda/lookup.js';
import { LambdaStore } from '../../../src/localcloud/lambda/store.js';
import type { AliasRecord, VersionRecord } from '../../../src/localcloud/lambda/store.js';

const REGION = 'us-east-1';

function version(name: string, number: string): VersionRecord {
  return {
    region: REGION,
    name,
    version: number,
    settings: { runtime: 'nodejs20.x', role: 'arn:aws:iam::000000000000:role/r', handler: 'index.handler', timeoutSeconds: 3, memorySizeMb: 128, environment: {}, description: '' },
    codeDigest: '0'.repeat(64),
    codeSizeBytes: 1,
    revisionId: `r-${number}`,
    settledRevisionId: `r-${number}`,
    lastModified: '2024-01-01T00:00:00.000+0000',
    changeKind: 'update',
    settlesAtMs: 0,
    finalStatus: 'Successful',
  };
}

/** A function `fn` with $LATEST and published versions 1 and 2. */
function createState(): LambdaState {
  const store = new LambdaStore(new Database(':memory:'));
  store.insertFunction({ region: REGION, name: 'fn', nextVersion: 3, tags: {} }, version('fn', '$LATEST'));
  store.putVersion(version('fn', '1'));
  store.putVersion(version('fn', '2'));
  return { store, code: undefined as never, accountId: '000000000000', settleMs: 300, nowMs: () => 0 };
}

const BASE_ALIAS: AliasRecord = {
  region: REGION,
  name: 'fn',
  alias: 'live',
  functionVersion: '1',
  description: '',
  additionalVersionWeights: {},
  revisionId: 'r',
};

describe('checkAliasTargets', () => {
  const state = createState();

  it.each([
    ['a published version', { functionVersion: '2' }],
    ['$LATEST without routing', { functionVersion: '$LATEST' }],
    ['weight 0', { additionalVersionWeights: { '2': 0 } }],
    ['weight 1', { additionalVersionWeights: { '2': 1 } }],
    ['weight 0.3', { additionalVersionWeights: { '2': 0.3 } }],
  ])('accepts %s', (_case, overrides) => {
    expect(() => checkAliasTargets(state, { ...BASE_ALIAS, ...overrides })).not.toThrow();
  });

  it.each([
    ['two additional versions', { additionalVersionWeights: { '1': 0.1, '2': 0.1 } }, /cannot be greater than 1/],
    ['a negative weight', { additionalVersionWeights: { '2': -0.1 } }, /out of range/],
    ['a weight above 1', { additionalVersionWeights: { '2': 1.01 } }, /out of range/],
    ['$LATEST as additional version', { additionalVersionWeights: { $LATEST: 0.5 } }, /\$LATEST is not supported/],
    ['$LATEST as primary of a weighted alias', { functionVersion: '$LATEST', additionalVersionWeights: { '2': 0.5 } }, /\$LATEST is not supported/],
    ['the primary version as additional version', { additionalVersionWeights: { '1': 0.5 } }, /different version/],
    ['an alias name as version', { functionVersion: 'prod' }, /FunctionVersion prod is invalid/],
  ])('rejects %s with InvalidParameterValueException', (_case, overrides, message) => {
    const call = (): void => checkAliasTargets(state, { ...BASE_ALIAS, ...overrides });
    expect(call).toThrow(InvalidParameterValueException);
    expect(call).toThrow(message);
  });

  it('rejects a primary version that does not exist with ResourceNotFoundException', () => {
    expect(() => checkAliasTargets(state, { ...BASE_ALIAS, functionVersion: '7' })).toThrow(ResourceNotFoundException);
  });

  it('rejects an additional version that does not exist with ResourceNotFoundException', () => {
    expect(() => checkAliasTargets(state, { ...BASE_ALIAS, additionalVersionWeights: { '7': 0.5 } })).toThrow(ResourceNotFoundException);
  });
});

describe('pickAliasVersion', () => {
  const weighted = { ...BASE_ALIAS, additionalVersionWeights: { '2': 0.3 } };

  it('routes to the additional version when the draw is below the weight', () => {
    expect(pickAliasVersion(weighted, 0.29)).toBe('2');
  });

  it('routes to the primary version when the draw is at or above the weight', () => {
    expect(pickAliasVersion(weighted, 0.3)).toBe('1');
  });

  it('always routes to the primary version without routing', () => {
    expect(pickAliasVersion(BASE_ALIAS, 0)).toBe('1');
  });
});

describe('alias operations', () => {
  it('rejects an alias name made only of digits', () => {
    const state = createState();
    expect(() => createAlias(state, REGION, 'fn', { alias: '12', functionVersion: '1' })).toThrow(InvalidParameterValueException);
  });

  it('keeps the routing when UpdateAlias names only a new version', () => {
    const state = createState();
    createAlias(state, REGION, 'fn', { alias: 'live', functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
    const updated = updateAlias(state, REGION, 'fn', 'live', { description: 'moved' });
    expect(updated.additionalVersionWeights).toEqual({ '2': 0.1 });
  });

  it('removes the routing when UpdateAlias passes empty weights', () => {
    const state = createState();
    createAlias(state, REGION, 'fn', { alias: 'live', functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
    expect(updateAlias(state, REGION, 'fn', 'live', { additionalVersionWeights: {} }).additionalVersionWeights).toEqual({});
  });

  it('rejects UpdateAlias with a stale RevisionId', () => {
    const state = createState();
    createAlias(state, REGION, 'fn', { alias: 'live', functionVersion: '1' });
    expect(() => updateAlias(state, REGION, 'fn', 'live', { functionVersion: '2', revisionId: 'stale' })).toThrow(PreconditionFailedException);
  });

  it('leaves the alias unchanged when an update is invalid', () => {
    const state = createState();
    const created = createAlias(state, REGION, 'fn', { alias: 'live', functionVersion: '1' });
    expect(() => updateAlias(state, REGION, 'fn', 'live', { additionalVersionWeights: { '2': 2 } })).toThrow();
    expect(state.store.getAlias(REGION, 'fn', 'live')).toEqual(created);
  });
});
