/**
 * Typed errors of the keystage services. Every error carries the HTTP status a caller gets and
 * serializes to the body every service returns: `{ "status", "error", "message" }`.
 *
 * SDK errors are translated into these classes where they enter `core` (see `aws/translate.ts`),
 * so handlers never expose a raw SDK exception or stack trace.
 */

/** The JSON body of a failed request, as every keystage service returns it. */
export interface ErrorBody {
  status: number;
  error: string;
  message: string;
}

/** Base class of every keystage error: an HTTP status, `name` set to the class name, `cause` kept. */
export class KeystageError extends Error {
  /** HTTP status of the response that reports this error. */
  readonly status: number;
  /** The human-readable message, kept when `message` is replaced by the JSON body for a direct invoke. */
  readonly detail: string;

  constructor(message: string, status = 500, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.detail = message;
  }

  /** Returns the response body: `{ status, error: <class name>, message }`. */
  toBody(): ErrorBody {
    return { status: this.status, error: this.name, message: this.detail };
  }

  /**
   * Replaces `message` with the JSON body and returns this error, for a handler to throw on a
   * direct invoke: the Lambda runtime then reports `errorType` = the class name and
   * `errorMessage` = `{"status","error","message"}`.
   */
  asInvokeError(): this {
    this.message = JSON.stringify(this.toBody());
    return this;
  }
}

/** The request is malformed: missing or wrongly typed fields, invalid base64, a context key not allowed. */
export class InvalidInputError extends KeystageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 400, options);
  }
}

/** The payload exceeds what the chosen format or service accepts. */
export class PayloadTooLargeError extends KeystageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 413, options);
  }
}

/** No usable stage config: none was ever read, or the last good one is older than `maxStaleSeconds`. */
export class ConfigUnavailableError extends KeystageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 503, options);
  }
}

/**
 * The KMS key cannot be used: not found, disabled, pending deletion (503), or the function's role
 * may not use it (403).
 */
export class KeyUnavailableError extends KeystageError {
  constructor(message: string, status: 403 | 503 = 503, options?: { cause?: unknown }) {
    super(message, status, options);
  }
}

/** The ciphertext is not valid for this stage: corrupted, tampered with, or bound to another context. */
export class CiphertextInvalidError extends KeystageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 400, options);
  }
}

/** KMS kept throttling the request after every retry the SDK made. */
export class KmsThrottledError extends KeystageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 429, options);
  }
}

/** An unexpected failure; the message never carries the cause's details to the caller. */
export class InternalError extends KeystageError {
  constructor(message = 'The service failed to process the request.', options?: { cause?: unknown }) {
    super(message, 500, options);
  }
}

/** Wraps anything thrown into a `KeystageError`, keeping typed errors as they are. */
export function toKeystageError(error: unknown): KeystageError {
  if (error instanceof KeystageError) return error;
  return new InternalError(undefined, { cause: error });
}
