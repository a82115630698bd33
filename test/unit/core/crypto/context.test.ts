import { describe, expect, it } from 'vitest';

import { buildEncryptionContext, parseCallerContext, verifyEncryptionContext } from '../../../../src/core/crypto/context.js';
import { CiphertextInvalidError, InvalidInputError } from '../../../../src/core/errors.js';

describe('parseCallerContext', () => {
  it('accepts allowed keys', () => {
    expect(parseCallerContext({ tenant: 'acme' }, ['tenant'])).toEqual({ tenant: 'acme' });
  });

  it('treats a missing context as empty', () => {
    expect(parseCallerContext(undefined, [])).toEqual({});
  });

  it('rejects a key that is not allowed, naming it', () => {
    expect(() => parseCallerContext({ region: 'eu' }, ['tenant'])).toThrow(/"region" is not allowed.*allowed: tenant/);
  });

  it('rejects the reserved stage key even when any key is allowed', () => {
    expect(() => parseCallerContext({ stage: 'prod' }, undefined)).toThrow(InvalidInputError);
  });

  it('rejects Encryption SDK keys', () => {
    expect(() => parseCallerContext({ 'aws-crypto-public-key': 'x' }, undefined)).toThrow(InvalidInputError);
  });

  it('rejects a value that is not a string', () => {
    expect(() => parseCallerContext({ tenant: 7 }, ['tenant'])).toThrow('must be a string, not number');
  });

  it('rejects an array', () => {
    expect(() => parseCallerContext(['tenant'], ['tenant'])).toThrow(InvalidInputError);
  });
});

describe('verifyEncryptionContext', () => {
  const expected = buildEncryptionContext('dev', { tenant: 'acme' });

  it('accepts the same context', () => {
    expect(() => verifyEncryptionContext({ ...expected }, expected)).not.toThrow();
  });

  it('ignores the Encryption SDK signing key entry', () => {
    expect(() => verifyEncryptionContext({ ...expected, 'aws-crypto-public-key': 'A1B2' }, expected)).not.toThrow();
  });

  it('rejects another stage, naming the expected one', () => {
    expect(() => verifyEncryptionContext({ ...expected, stage: 'prod' }, expected)).toThrow(/another stage, not "dev"/);
  });

  it('rejects an entry the request lacks', () => {
    expect(() => verifyEncryptionContext({ ...expected, team: 'blue' }, expected)).toThrow(CiphertextInvalidError);
  });

  it('rejects an entry the ciphertext lacks', () => {
    expect(() => verifyEncryptionContext({ stage: 'dev', service: 'keystage' }, expected)).toThrow(/not in the ciphertext: tenant/);
  });

  it('does not reveal context values', () => {
    expect(() => verifyEncryptionContext({ ...expected, tenant: 'secret-tenant' }, expected)).toThrow(/^(?!.*secret-tenant)/);
  });
});
