import { AwsError } from '../errors.js';

/** STS errors, one class per AWS error code, with the HTTP status that STS's API model gives each. */
export class StsError extends AwsError {
  override name = 'StsError';
}

function stsErrorClass(code: string, statusCode: number) {
  const ErrorClass = class extends StsError {
    constructor(message: string, options?: { cause?: unknown }) {
      super(code, message, statusCode, {}, options);
      this.name = `${code}Error`;
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: `${code}Error` });
  return ErrorClass;
}

/** The caller may not assume the role; STS also returns this for a role that does not exist. */
export const AccessDeniedError = stsErrorClass('AccessDenied', 403);
/** A parameter breaks its modeled constraint (length, pattern, range). */
export const ValidationError = stsErrorClass('ValidationError', 400);
/** The session policy and session tags are too large once packed. */
export const PackedPolicyTooLargeError = stsErrorClass('PackedPolicyTooLarge', 400);
/** The session policy is not valid JSON. */
export const MalformedPolicyDocumentError = stsErrorClass('MalformedPolicyDocument', 400);
