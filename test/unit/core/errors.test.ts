import { describe, expect, it } from 'vitest';

import {
  CiphertextInvalidError,
  ConfigUnavailableError,
  InternalError,
  InvalidInputError,
  KeyUnavailableError,
  KeystageError,
  KmsThrottledError,
  PayloadTooLargeError,
  toKeystageError,
} from '../../../src/core/errors.js';

describe('KeystageError', () => {
  it.each([
    [new InvalidInputError('bad'), 'InvalidInputError', 400],
    [new PayloadTooLargeError('big'), 'PayloadTooLargeError', 413],
    [new ConfigUnavailableError('none'), 'ConfigUnavailableError', 503],
    [new KeyUnavailableError('gone'), 'KeyUnavailableError', 503],
    [new KeyUnavailableError('denied', 403), 'KeyUnavailableError', 403],
    [new CiphertextInvalidError('tampered'), 'CiphertextInvalidError', 400],
    [new KmsThrottledError('slow down'), 'KmsThrottledError', 429],
    [new InternalError(), 'InternalError', 500],
  ])('names %s after its class with its status', (error, name, status) => {
    expect(error.name).toBe(name);
    expect(error.status).toBe(status);
    expect(error).toBeInstanceOf(KeystageError);
  });

  it('serializes to status, error and message', () => {
    expect(new InvalidInputError('"data" is missing').toBody()).toEqual({
      status: 400,
      error: 'InvalidInputError',
      message: '"data" is missing',
    });
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    expect(new ConfigUnavailableError('no config', { cause }).cause).toBe(cause);
  });
});

describe('toKeystageError', () => {
  it('keeps a typed error', () => {
    const error = new InvalidInputError('bad');
    expect(toKeystageError(error)).toBe(error);
  });

  it('wraps anything else as an internal error without its message', () => {
    const wrapped = toKeystageError(new TypeError('secret detail'));
    expect(wrapped).toBeInstanceOf(InternalError);
    expect(wrapped.message).not.toContain('secret detail');
  });
});
