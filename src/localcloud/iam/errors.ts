import { AwsError } from '../errors.js';

/**
 * IAM errors, one class per AWS error code, with the HTTP status that IAM's API model gives
 * each. The query codec sends `code` in `<Code>`, which the SDKs map to their exceptions
 * (`NoSuchEntity` becomes `NoSuchEntityException`).
 */
export class IamError extends AwsError {
  override name = 'IamError';
}

function iamErrorClass(code: string, statusCode: number) {
  const ErrorClass = class extends IamError {
    constructor(message: string, options?: { cause?: unknown }) {
      super(code, message, statusCode, {}, options);
      this.name = `${code}Error`;
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: `${code}Error` });
  return ErrorClass;
}

/** The role, policy or attachment does not exist. */
export const NoSuchEntityError = iamErrorClass('NoSuchEntity', 404);
/** A role with that name exists already. */
export const EntityAlreadyExistsError = iamErrorClass('EntityAlreadyExists', 409);
/** The role still has policies, so it cannot be deleted. */
export const DeleteConflictError = iamErrorClass('DeleteConflict', 409);
/** The policy document is not valid JSON or breaks the policy grammar. */
export const MalformedPolicyDocumentError = iamErrorClass('MalformedPolicyDocument', 400);
/** A parameter value is not valid, such as a malformed ARN or a reserved tag key. */
export const InvalidInputError = iamErrorClass('InvalidInput', 400);
/** An IAM quota is used up, such as tags or attached policies per role. */
export const LimitExceededError = iamErrorClass('LimitExceeded', 409);
/** A parameter breaks its modeled constraint (length, pattern, range). */
export const ValidationError = iamErrorClass('ValidationError', 400);
