import { AwsError } from '../errors.js';

/**
 * Lambda's error codes, one class each, with the HTTP status of Lambda's API model. Messages
 * follow the wording Lambda uses, so that scripts matching on them behave the same.
 */

/** 404: a function, version, alias or policy statement does not exist. */
export class ResourceNotFoundException extends AwsError {
  override name = 'ResourceNotFoundException';

  constructor(message: string) {
    super('ResourceNotFoundException', message, 404);
  }
}

/** 400: a member is missing, malformed or inconsistent with another. */
export class InvalidParameterValueException extends AwsError {
  override name = 'InvalidParameterValueException';

  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidParameterValueException', message, 400, {}, options);
  }
}

/** 409: the resource exists already, or is busy with an update, or is in use. */
export class ResourceConflictException extends AwsError {
  override name = 'ResourceConflictException';

  constructor(message: string) {
    super('ResourceConflictException', message, 409);
  }
}

/** 412: a `RevisionId` precondition does not match the current revision. */
export class PreconditionFailedException extends AwsError {
  override name = 'PreconditionFailedException';

  constructor(message = 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id') {
    super('PreconditionFailedException', message, 412);
  }
}

/** 429: the function has as many concurrent invocations as it may run. */
export class TooManyRequestsException extends AwsError {
  override name = 'TooManyRequestsException';

  constructor(message = 'Rate Exceeded.', reason = 'ReservedFunctionConcurrentInvocationLimitExceeded') {
    super('TooManyRequestsException', message, 429, { Reason: reason });
  }
}

/** 413: an Invoke payload, or a CreateFunction/UpdateFunctionCode request, is too large. */
export class RequestTooLargeException extends AwsError {
  override name = 'RequestTooLargeException';

  constructor(message: string) {
    super('RequestTooLargeException', message, 413);
  }
}

/** 400: an Invoke payload is not JSON. */
export class InvalidRequestContentException extends AwsError {
  override name = 'InvalidRequestContentException';

  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidRequestContentException', message, 400, {}, options);
  }
}

/** 400: adding a statement would make the resource policy larger than 20 KB. */
export class PolicyLengthExceededException extends AwsError {
  override name = 'PolicyLengthExceededException';

  constructor(message: string) {
    super('PolicyLengthExceededException', message, 400);
  }
}

/** 500: the local cloud failed while serving a valid request. */
export class ServiceException extends AwsError {
  override name = 'ServiceException';

  constructor(message: string, options?: { cause?: unknown }) {
    super('ServiceException', message, 500, {}, options);
  }
}

/**
 * Error codes whose message member Lambda's model spells `Message`; the other codes use
 * `message`.
 */
export const CAPITALIZED_MESSAGE_CODES: ReadonlySet<string> = new Set(['ResourceNotFoundException', 'ServiceException']);

/** Builds the `ResourceConflictException` for changes while `LastUpdateStatus` is `InProgress`. */
export function updateInProgress(functionArn: string): ResourceConflictException {
  return new ResourceConflictException(`The operation cannot be performed at this time. An update is in progress for resource: ${functionArn}`);
}

/** Builds the `ResourceConflictException` for changes while the function's `State` is not `Active`. */
export function functionNotActive(state: string): ResourceConflictException {
  return new ResourceConflictException(`The operation cannot be performed at this time. The function is currently in the following state: ${state}`);
}
