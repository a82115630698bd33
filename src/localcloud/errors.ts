/**
 * An error that a provider returns to the client as an AWS error response. `code` is the
 * error code from the service's API reference (`NoSuchKey`, `ResourceConflictException`),
 * which the SDKs map to exception classes, so it must match AWS exactly.
 */
export class AwsError extends Error {
  override name = 'AwsError';

  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    readonly extra: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when the caller is at fault (4xx), as the query protocol's `Type` element reports. */
  get senderFault(): boolean {
    return this.statusCode < 500;
  }
}

/** The error every protocol returns for a failure inside the local cloud itself. */
export function internalError(cause: unknown): AwsError {
  return new AwsError('InternalFailure', 'The local cloud failed to process the request.', 500, {}, { cause });
}

/**
 * The error an IAM-enforcing local cloud returns when the caller's policies deny an action.
 * `code` and `statusCode` differ by service (KMS sends `AccessDeniedException` with 400), and
 * the message names an explicit Deny when a statement denied the action.
 */
export class AccessDeniedError extends AwsError {
  override name = 'AccessDeniedError';

  constructor(
    readonly principalArn: string,
    readonly action: string,
    readonly resource: string,
    code = 'AccessDenied',
    statusCode = 403,
    readonly explicitDeny = false,
  ) {
    const reason = explicitDeny ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
    super(code, `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`, statusCode);
  }
}
