import {
  DisabledException,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMS,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  KeyUnavailableException,
  NotFoundException,
  EncryptCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';

import { translateKmsError } from '../../../../src/core/aws/translate.js';
import { encryptDirect } from '../../../../src/core/crypto/kms-direct.js';
import {
  CiphertextInvalidError,
  InternalError,
  InvalidInputError,
  KeyUnavailableError,
  KmsThrottledError,
} from '../../../../src/core/errors.js';

const METADATA = { $metadata: { httpStatusCode: 400, attempts: 4 }, message: 'from KMS' };

function serviceError(name: string, httpStatusCode = 400): KMSServiceException {
  return new KMSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode, attempts: 4 }, message: `${name} from KMS` });
}

describe('translateKmsError', () => {
  it.each([
    ['NotFoundException', new NotFoundException(METADATA), KeyUnavailableError, 503],
    ['DisabledException', new DisabledException(METADATA), KeyUnavailableError, 503],
    ['KMSInvalidStateException', new KMSInvalidStateException(METADATA), KeyUnavailableError, 503],
    ['KeyUnavailableException', new KeyUnavailableException({ ...METADATA, $metadata: { httpStatusCode: 500 } }), KeyUnavailableError, 503],
    ['AccessDeniedException', serviceError('AccessDeniedException'), KeyUnavailableError, 403],
    ['InvalidCiphertextException', new InvalidCiphertextException(METADATA), CiphertextInvalidError, 400],
    ['IncorrectKeyException', new IncorrectKeyException(METADATA), CiphertextInvalidError, 400],
    ['ThrottlingException', serviceError('ThrottlingException'), KmsThrottledError, 429],
    ['an HTTP 429', serviceError('TooManyRequests', 429), KmsThrottledError, 429],
    ['an unknown error', new TypeError('boom'), InternalError, 500],
  ])('maps %s', (_name, error, expectedClass, status) => {
    const translated = translateKmsError(error, { operation: 'Encrypt', keyId: 'alias/keystage-dev' });

    expect(translated).toBeInstanceOf(expectedClass);
    expect(translated.status).toBe(status);
    expect(translated.cause).toBe(error);
  });

  it('names the key and the fix for a disabled key', () => {
    const translated = translateKmsError(new DisabledException(METADATA), { operation: 'Encrypt', keyId: 'alias/keystage-dev' });

    expect(translated.message).toContain('alias/keystage-dev');
    expect(translated.message).toContain('Enable it');
  });

  it('keeps a keystage error as it is', () => {
    const error = new InvalidInputError('bad');

    expect(translateKmsError(error, { operation: 'Encrypt' })).toBe(error);
  });
});

describe('KMS errors at the service boundary', () => {
  it('surfaces an exhausted throttle as KmsThrottledError', async () => {
    mockClient(KMSClient).on(EncryptCommand).rejects(serviceError('ThrottlingException'));

    const error = await encryptDirect(new KMSClient({ region: 'us-east-1' }), 'alias/keystage-dev', Buffer.from('x'), {}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(KmsThrottledError);
  });

  it('surfaces a disabled key as KeyUnavailableError', async () => {
    mockClient(KMSClient).on(EncryptCommand).rejects(new DisabledException(METADATA));

    const error = await encryptDirect(new KMSClient({ region: 'us-east-1' }), 'alias/keystage-dev', Buffer.from('x'), {}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(KeyUnavailableError);
  });
});
