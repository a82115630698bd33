import { AwsError } from '../errors.js';

/** CloudWatch Logs' error codes, one class each; all are 400 in its json protocol. */

/** A log group or stream does not exist. */
export class ResourceNotFoundException extends AwsError {
  override name = 'ResourceNotFoundException';

  constructor(message: string) {
    super('ResourceNotFoundException', message, 400);
  }
}

/** `CreateLogGroup` or `CreateLogStream` named one that exists. */
export class ResourceAlreadyExistsException extends AwsError {
  override name = 'ResourceAlreadyExistsException';

  constructor(message: string) {
    super('ResourceAlreadyExistsException', message, 400);
  }
}

/** A member is missing or out of range. */
export class InvalidParameterException extends AwsError {
  override name = 'InvalidParameterException';

  constructor(message: string) {
    super('InvalidParameterException', message, 400);
  }
}

export function logGroupNotFound(): ResourceNotFoundException {
  return new ResourceNotFoundException('The specified log group does not exist.');
}

export function logStreamNotFound(): ResourceNotFoundException {
  return new ResourceNotFoundException('The specified log stream does not exist.');
}
