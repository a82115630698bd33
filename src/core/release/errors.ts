/**
 * Errors of the release engine (the deploy service). Each carries `retryable`: whether a later
 * delivery of the same event can succeed. It decides whether the ledger treats the release as
 * settled, and so whether Lambda's asynchronous retry can achieve anything.
 */
import { KeystageError } from '../errors.js';

/** Base class of release errors: a status, a reason fit for the ledger, and `retryable`. */
export class ReleaseError extends KeystageError {
  /** True when the same event may succeed later (lease busy, throttling, a timeout). */
  readonly retryable: boolean;

  constructor(message: string, status: number, retryable: boolean, options?: { cause?: unknown }) {
    super(message, status, options);
    this.retryable = retryable;
  }
}

/** Object metadata (`description`, `sha256`, `strategy`) or the event record is invalid. */
export class InvalidReleaseMetadataError extends ReleaseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 400, false, options);
  }
}

/** The artifact's SHA-256 differs from the `sha256` metadata it was uploaded with. */
export class ChecksumMismatchError extends ReleaseError {
  constructor(message: string) {
    super(message, 400, false);
  }
}

/** A direct command event is malformed or names something that does not exist. */
export class InvalidCommandError extends ReleaseError {
  constructor(message: string) {
    super(message, 400, false);
  }
}

/** Nothing to release: no alias in the source stage, or no earlier good version to roll back to. */
export class ReleaseNotFoundError extends ReleaseError {
  constructor(message: string) {
    super(message, 404, false);
  }
}

/** Another release of this function and stage held the lease for longer than the wait bound. */
export class LeaseUnavailableError extends ReleaseError {
  constructor(message: string) {
    super(message, 409, true);
  }
}

/** A conditional write kept losing to concurrent writers after every retry. */
export class WriteConflictError extends ReleaseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 409, true, options);
  }
}

/** Lambda rejected the code (for example a corrupt zip) or the update ended in `Failed`. */
export class CodeUpdateFailedError extends ReleaseError {
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, 502, options?.retryable ?? false, options);
  }
}

/** The function's update stayed `InProgress` past the wait bound. */
export class UpdateTimeoutError extends ReleaseError {
  constructor(message: string) {
    super(message, 504, true);
  }
}

/** The new version failed its smoke invocation, before, during or after the alias shift. */
export class VerificationFailedError extends ReleaseError {
  constructor(message: string) {
    super(message, 502, false);
  }
}

/** The stage alias changed under the release (its RevisionId no longer matched). */
export class AliasConflictError extends ReleaseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 409, true, options);
  }
}

/** A resumed release found the alias changed by someone else while it waited for its follow-up invocation. */
export class ReleaseSupersededError extends ReleaseError {
  constructor(message: string) {
    super(message, 409, false);
  }
}

/** One or more records of an S3 event failed; thrown after every record was handled. */
export class ReleaseBatchError extends ReleaseError {
  constructor(message: string, retryable: boolean) {
    super(message, 500, retryable);
  }
}
