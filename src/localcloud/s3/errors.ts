import { AwsError } from '../errors.js';

/**
 * S3's error responses, one class per AWS error code, with the status and the extra
 * elements (`BucketName`, `Key`, `Condition`) that S3 puts in the error body.
 */

export class NoSuchBucket extends AwsError {
  override name = 'NoSuchBucket';
  constructor(bucket: string) {
    super('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
  }
}

export class NoSuchKey extends AwsError {
  override name = 'NoSuchKey';
  constructor(key: string) {
    super('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
  }
}

export class NoSuchVersion extends AwsError {
  override name = 'NoSuchVersion';
  constructor(key: string, versionId: string) {
    super('NoSuchVersion', 'The specified version does not exist.', 404, { Key: key, VersionId: versionId });
  }
}

export class NoSuchUpload extends AwsError {
  override name = 'NoSuchUpload';
  constructor(uploadId: string) {
    super(
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      404,
      { UploadId: uploadId },
    );
  }
}

export class BucketNotEmpty extends AwsError {
  override name = 'BucketNotEmpty';
  constructor(bucket: string) {
    super('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: bucket });
  }
}

export class BucketAlreadyOwnedByYou extends AwsError {
  override name = 'BucketAlreadyOwnedByYou';
  constructor(bucket: string) {
    super('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, {
      BucketName: bucket,
    });
  }
}

export class InvalidBucketName extends AwsError {
  override name = 'InvalidBucketName';
  constructor(bucket: string, reason: string) {
    super('InvalidBucketName', `The specified bucket is not valid: ${reason}`, 400, { BucketName: bucket });
  }
}

export class InvalidArgument extends AwsError {
  override name = 'InvalidArgument';
  constructor(message: string, argumentName?: string, argumentValue?: string, extra: Record<string, string> = {}) {
    const argument: Record<string, string> = {};
    if (argumentName !== undefined) argument.ArgumentName = argumentName;
    if (argumentValue !== undefined) argument.ArgumentValue = argumentValue;
    super('InvalidArgument', message, 400, { ...argument, ...extra });
  }
}

export class InvalidRequest extends AwsError {
  override name = 'InvalidRequest';
  constructor(message: string) {
    super('InvalidRequest', message, 400);
  }
}

export class NotImplemented extends AwsError {
  override name = 'NotImplemented';
  constructor(message: string, header?: string) {
    super('NotImplemented', message, 501, header ? { Header: header } : {});
  }
}

export class MethodNotAllowed extends AwsError {
  override name = 'MethodNotAllowed';
  constructor(method: string, resourceType: string) {
    super('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
      Method: method,
      ResourceType: resourceType,
    });
  }
}

export class PreconditionFailed extends AwsError {
  override name = 'PreconditionFailed';
  constructor(condition: string) {
    super('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: condition });
  }
}

export class InvalidRange extends AwsError {
  override name = 'InvalidRange';
  constructor(range: string, objectSize: number) {
    super('InvalidRange', 'The requested range is not satisfiable', 416, {
      RangeRequested: range,
      ActualObjectSize: String(objectSize),
    });
  }
}

export class BadDigest extends AwsError {
  override name = 'BadDigest';
  constructor(message: string) {
    super('BadDigest', message, 400);
  }
}

export class InvalidDigest extends AwsError {
  override name = 'InvalidDigest';
  constructor(contentMd5: string) {
    super('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400, { 'Content-MD5': contentMd5 });
  }
}

export class EntityTooLarge extends AwsError {
  override name = 'EntityTooLarge';
  constructor(proposedSizeBytes: number, maxSizeBytes: number) {
    super('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
      ProposedSize: String(proposedSizeBytes),
      MaxSizeAllowed: String(maxSizeBytes),
    });
  }
}

export class EntityTooSmall extends AwsError {
  override name = 'EntityTooSmall';
  constructor(partNumber: number, sizeBytes: number, minSizeBytes: number) {
    super('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', 400, {
      ProposedSize: String(sizeBytes),
      MinSizeAllowed: String(minSizeBytes),
      PartNumber: String(partNumber),
    });
  }
}

export class InvalidPart extends AwsError {
  override name = 'InvalidPart';
  constructor(partNumber: number, etag: string) {
    super(
      'InvalidPart',
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      400,
      { PartNumber: String(partNumber), ETag: etag },
    );
  }
}

export class InvalidPartOrder extends AwsError {
  override name = 'InvalidPartOrder';
  constructor() {
    super('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.', 400);
  }
}

export class IncompleteBody extends AwsError {
  override name = 'IncompleteBody';
  constructor(message = 'You did not provide the number of bytes specified by the Content-Length HTTP header') {
    super('IncompleteBody', message, 400);
  }
}

export class MissingContentLength extends AwsError {
  override name = 'MissingContentLength';
  constructor() {
    super('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  }
}

export class KeyTooLongError extends AwsError {
  override name = 'KeyTooLongError';
  constructor(keyBytes: number) {
    super('KeyTooLongError', `Your key is too long: it has ${keyBytes} bytes of UTF-8 and S3 allows at most 1024.`, 400);
  }
}

export class MetadataTooLarge extends AwsError {
  override name = 'MetadataTooLarge';
  constructor(sizeBytes: number, maxSizeBytes: number) {
    super('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', 400, {
      Size: String(sizeBytes),
      MaxSizeAllowed: String(maxSizeBytes),
    });
  }
}

export class MalformedXML extends AwsError {
  override name = 'MalformedXML';
  constructor(detail: string) {
    super('MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema: ${detail}`, 400);
  }
}

export class IllegalVersioningConfigurationException extends AwsError {
  override name = 'IllegalVersioningConfigurationException';
  constructor(status: string) {
    super(
      'IllegalVersioningConfigurationException',
      `The versioning configuration specified in the request is invalid: Status must be Enabled or Suspended, not "${status}".`,
      400,
    );
  }
}

export class InvalidLocationConstraint extends AwsError {
  override name = 'InvalidLocationConstraint';
  constructor(locationConstraint: string) {
    super('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, { LocationConstraint: locationConstraint });
  }
}

export class InvalidStorageClass extends AwsError {
  override name = 'InvalidStorageClass';
  constructor(storageClass: string) {
    super('InvalidStorageClass', 'The storage class you specified is not valid', 400, { StorageClassRequested: storageClass });
  }
}

export class XAmzContentSHA256Mismatch extends AwsError {
  override name = 'XAmzContentSHA256Mismatch';
  constructor(clientSha256: string, computedSha256: string) {
    super('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
      ClientComputedContentSHA256: clientSha256,
      S3ComputedContentSHA256: computedSha256,
    });
  }
}

export class InvalidURI extends AwsError {
  override name = 'InvalidURI';
  constructor(raw: string, cause: unknown) {
    super('InvalidURI', `Couldn't parse the specified URI: "${raw}" has a malformed percent-encoding.`, 400, {}, { cause });
  }
}

export class NoSuchBucketPolicy extends AwsError {
  override name = 'NoSuchBucketPolicy';
  constructor(bucket: string) {
    super('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, { BucketName: bucket });
  }
}

export class MalformedPolicy extends AwsError {
  override name = 'MalformedPolicy';
  constructor(message: string) {
    super('MalformedPolicy', message, 400);
  }
}

export class NoSuchPublicAccessBlockConfiguration extends AwsError {
  override name = 'NoSuchPublicAccessBlockConfiguration';
  constructor(bucket: string) {
    super('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404, { BucketName: bucket });
  }
}

export class NoSuchLifecycleConfiguration extends AwsError {
  override name = 'NoSuchLifecycleConfiguration';
  constructor(bucket: string) {
    super('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', 404, { BucketName: bucket });
  }
}

export class NoSuchTagSet extends AwsError {
  override name = 'NoSuchTagSet';
  constructor(bucket: string) {
    super('NoSuchTagSet', 'The TagSet does not exist', 404, { BucketName: bucket });
  }
}

export class InvalidTag extends AwsError {
  override name = 'InvalidTag';
  constructor(message: string, tagKey: string) {
    super('InvalidTag', message, 400, { TagKey: tagKey });
  }
}

export class NoSuchCORSConfiguration extends AwsError {
  override name = 'NoSuchCORSConfiguration';
  constructor(bucket: string) {
    super('NoSuchCORSConfiguration', 'The CORS configuration does not exist', 404, { BucketName: bucket });
  }
}

export class AccessControlListNotSupported extends AwsError {
  override name = 'AccessControlListNotSupported';
  constructor() {
    super(
      'AccessControlListNotSupported',
      'The bucket does not allow ACLs: its object ownership is BucketOwnerEnforced, so only the owner has access, and only the private ACL is accepted.',
      400,
    );
  }
}

/** Denied by a public access block setting rather than by IAM, so it carries no principal. */
export class PublicPolicyDenied extends AwsError {
  override name = 'PublicPolicyDenied';
  constructor(bucket: string) {
    super('AccessDenied', `Access Denied: the public access block of bucket "${bucket}" has BlockPublicPolicy set, and this policy grants public access.`, 403, {
      BucketName: bucket,
    });
  }
}

export class InternalError extends AwsError {
  override name = 'InternalError';
  constructor(cause: unknown) {
    super('InternalError', 'We encountered an internal error. Please try again.', 500, {}, { cause });
  }
}

/** The error AWS returns for a version id that it could not have issued. */
export function invalidVersionId(versionId: string): InvalidArgument {
  return new InvalidArgument('Invalid version id specified', 'versionId', versionId);
}

const RESPONSE_HEADERS = Symbol('responseHeaders');

/** Attaches headers that S3 sends with an error, such as `x-amz-delete-marker` on a 404 for a deleted key. */
export function withResponseHeaders<E extends AwsError>(error: E, headers: Record<string, string>): E {
  Object.defineProperty(error, RESPONSE_HEADERS, { value: headers, enumerable: false });
  return error;
}

/** Returns the headers attached with `withResponseHeaders`, or an empty map. */
export function responseHeadersOf(error: AwsError): Record<string, string> {
  return ((error as unknown as Record<symbol, Record<string, string> | undefined>)[RESPONSE_HEADERS]) ?? {};
}
