/**
 * Translation of AWS SDK errors into keystage errors, at the point where they enter `core`.
 *
 * KMS exceptions are matched by class. `AccessDeniedException` and `ThrottlingException` have no
 * class in `@aws-sdk/client-kms` (they are common AWS errors, not modeled per service), so those
 * two are matched by their error code.
 */
import {
  DependencyTimeoutException,
  DisabledException,
  IncorrectKeyException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  KeyUnavailableException,
  KMSInternalException,
  KMSInvalidStateException,
  NotFoundException,
} from '@aws-sdk/client-kms';

import {
  CiphertextInvalidError,
  KeystageError,
  KeyUnavailableError,
  KmsThrottledError,
  InternalError,
} from '../errors.js';

/** Error codes KMS returns for throttling, as the SDK's retry strategy classifies them. */
const THROTTLING_CODES = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException']);

/** Description of the failing call, for the message. */
export interface KmsCallDescription {
  operation: string;
  keyId?: string;
}

/** Translates an error thrown by a KMS call into a keystage error; keystage errors pass through. */
export function translateKmsError(error: unknown, call: KmsCallDescription): KeystageError {
  if (error instanceof KeystageError) return error;

  const key = call.keyId ? `KMS key ${call.keyId}` : 'the KMS key';
  const reason = error instanceof Error ? error.message : String(error);

  if (error instanceof NotFoundException) {
    return new KeyUnavailableError(`${key} was not found (${call.operation}): ${reason}. Check keyId in the stage config.`, 503, { cause: error });
  }
  if (error instanceof DisabledException) {
    return new KeyUnavailableError(`${key} is disabled (${call.operation}). Enable it or point the stage config at another key.`, 503, { cause: error });
  }
  if (error instanceof KMSInvalidStateException) {
    return new KeyUnavailableError(`${key} is not usable in its current state, for example pending deletion (${call.operation}): ${reason}`, 503, { cause: error });
  }
  if (error instanceof KeyUnavailableException || error instanceof DependencyTimeoutException || error instanceof KMSInternalException) {
    return new KeyUnavailableError(`KMS could not use ${key} right now (${call.operation}); retry later.`, 503, { cause: error });
  }
  if (error instanceof InvalidKeyUsageException) {
    return new KeyUnavailableError(`${key} cannot be used for ${call.operation}; the stage needs a symmetric ENCRYPT_DECRYPT key.`, 503, { cause: error });
  }
  if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
    return new CiphertextInvalidError('The ciphertext is invalid for this stage: it was altered, or it was encrypted with another stage or encryption context.', { cause: error });
  }
  if (errorCode(error) === 'AccessDeniedException') {
    return new KeyUnavailableError(`The function is not allowed to call ${call.operation} on ${key}. Grant kms:${call.operation} to its role.`, 403, { cause: error });
  }
  if (isThrottling(error)) {
    return new KmsThrottledError(`KMS throttled ${call.operation} after ${attemptsOf(error)} attempts; retry with backoff.`, { cause: error });
  }

  return new InternalError(`KMS ${call.operation} failed.`, { cause: error });
}

/** True for a throttling response: the codes KMS uses, or HTTP 429. */
export function isThrottling(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && THROTTLING_CODES.has(code)) return true;
  return httpStatusOf(error) === 429;
}

/** Returns the AWS error code of an SDK error (its `name`), or undefined for other errors. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  return (error as { name?: string }).name;
}

/** Returns the HTTP status of an SDK error's response, when it had one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** Attempts the SDK made before giving up, as it records them in `$metadata`. */
export function attemptsOf(error: unknown): number {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return 1;
  return (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
}
