/**
 * Errors the CLI reports to its user as one line. Each message names the offending value and
 * the next step. `main` prints it and exits with status 1 instead of a stack trace.
 */
export class CliError extends Error {
  override name = 'CliError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A command-line argument or option value is missing or invalid. */
export class UsageError extends CliError {
  override name = 'UsageError';
}

/** esbuild failed to bundle a service, or its entry point is missing. */
export class BuildError extends CliError {
  override name = 'BuildError';
}

/** The account has no keystage resources yet (no artifact bucket, function or alias). */
export class NotBootstrappedError extends CliError {
  override name = 'NotBootstrappedError';
}

/** A release, promotion or rollback ended in failure or was rolled back. */
export class ReleaseFailedError extends CliError {
  override name = 'ReleaseFailedError';
}

/** Waiting for a release or a resource took longer than the caller allowed. */
export class WaitTimeoutError extends CliError {
  override name = 'WaitTimeoutError';
}
