import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';

import { NotFoundException } from '../../../src/localcloud/kms/errors.js';
import type { KmsScope } from '../../../src/localcloud/kms/key-id.js';
import { parseKeyReference, resolveKey } from '../../../src/localcloud/kms/key-id.js';
import { CreateKey } from '../../../src/localcloud/kms/keys.js';
import { CreateAlias } from '../../../src/localcloud/kms/aliases.js';
import { KmsStore } from '../../../src/localcloud/kms/store.js';

const ACCOUNT = '000000000000';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

describe('parseKeyReference', () => {
  it('reads a bare key id', () => {
    expect(parseKeyReference(KEY_ID)).toEqual({ form: 'keyId', keyId: KEY_ID });
  });

  it('reads a key ARN', () => {
    const arn = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`;

    expect(parseKeyReference(arn)).toEqual({ form: 'keyArn', keyId: KEY_ID, region: 'eu-west-1', accountId: ACCOUNT });
  });

  it('reads an alias name', () => {
    expect(parseKeyReference('alias/keystage-dev')).toEqual({ form: 'aliasName', aliasName: 'alias/keystage-dev' });
  });

  it('reads an alias ARN', () => {
    const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:alias/keystage-dev`;

    expect(parseKeyReference(arn)).toEqual({ form: 'aliasArn', aliasName: 'alias/keystage-dev', region: 'us-east-1', accountId: ACCOUNT });
  });

  it('rejects text of no form with NotFoundException', () => {
    expect(() => parseKeyReference('keystage-dev')).toThrow(NotFoundException);
  });

  it('rejects a malformed ARN with NotFoundException', () => {
    expect(() => parseKeyReference('arn:aws:kms:us-east-1:key/x')).toThrow(NotFoundException);
  });
});

describe('resolveKey', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  const store = new KmsStore(db);
  const authorized: unknown[][] = [];
  const scope: KmsScope = {
    store,
    region: 'us-east-1',
    accountId: ACCOUNT,
    now: () => new Date(),
    authorize: (...call) => {
      authorized.push(call);
    },
  };
  const otherRegion: KmsScope = { ...scope, region: 'eu-west-1' };
  let keyId = '';
  let arn = '';

  beforeAll(() => {
    const created = CreateKey(scope, { Description: 'key-id test' }).KeyMetadata;
    keyId = created.KeyId;
    arn = created.Arn;
    CreateAlias(scope, { AliasName: 'alias/keystage-dev', TargetKeyId: keyId });
  });

  it.each([
    ['key id', () => keyId],
    ['key ARN', () => arn],
    ['alias name', () => 'alias/keystage-dev'],
    ['alias ARN', () => `arn:aws:kms:us-east-1:${ACCOUNT}:alias/keystage-dev`],
  ])('finds the key by %s', (_form, reference) => {
    expect(resolveKey(scope, reference(), 'any', 'kms:DescribeKey').keyId).toBe(keyId);
  });

  it('rejects an alias where only key ids are accepted', () => {
    expect(() => resolveKey(scope, 'alias/keystage-dev', 'keyIdOrArn', 'kms:EnableKey')).toThrow(NotFoundException);
  });

  it('does not see a key from another region', () => {
    expect(() => resolveKey(otherRegion, keyId, 'any', 'kms:DescribeKey')).toThrow(`Key 'arn:aws:kms:eu-west-1:${ACCOUNT}:key/${keyId}' does not exist`);
  });

  it('does not follow a key ARN of another region', () => {
    expect(() => resolveKey(scope, arn.replace('us-east-1', 'eu-west-1'), 'any', 'kms:DescribeKey')).toThrow(NotFoundException);
  });

  it('names an unknown alias by its ARN', () => {
    expect(() => resolveKey(scope, 'alias/missing', 'any', 'kms:DescribeKey')).toThrow(`Alias arn:aws:kms:us-east-1:${ACCOUNT}:alias/missing is not found.`);
  });

  it('names an unknown key by its ARN', () => {
    expect(() => resolveKey(scope, KEY_ID, 'any', 'kms:DescribeKey')).toThrow(`Key 'arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}' does not exist`);
  });

  it('authorizes the action on the key ARN', () => {
    authorized.length = 0;

    resolveKey(scope, 'alias/keystage-dev', 'any', 'kms:Encrypt', { stage: 'dev', service: 'keystage' });

    expect(authorized).toEqual([
      [
        'kms:Encrypt',
        arn,
        {
          'kms:ResourceAliases': ['alias/keystage-dev'],
          'kms:EncryptionContextKeys': ['stage', 'service'],
          'kms:EncryptionContext:stage': 'dev',
          'kms:EncryptionContext:service': 'keystage',
        },
      ],
    ]);
  });

  it('lets a denial from the authorization check through', () => {
    const denying: KmsScope = {
      ...scope,
      authorize: () => {
        throw new Error('denied');
      },
    };

    expect(() => resolveKey(denying, keyId, 'any', 'kms:Decrypt')).toThrow('denied');
  });
});
