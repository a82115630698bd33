import { AwsError } from '../errors.js';

/**
 * KMS errors, one class per AWS error code. The class name is the code that the json
 * protocol sends as `__type`, so the AWS SDKs raise their exception of the same name.
 * HTTP statuses follow the `httpError` traits of KMS's Smithy model as shipped in
 * `@aws-sdk/client-kms`: 404 for NotFound, 409 for AlreadyExists, Disabled and
 * KMSInvalidState, 412 for DryRunOperation, and 400 for the rest.
 */
export class KmsError extends AwsError {
  override name = 'KmsError';

  constructor(code: string, message: string, statusCode = 400, options?: { cause?: unknown }) {
    super(code, message, statusCode, {}, options);
  }
}

function kmsErrorClass(code: string, statusCode = 400) {
  const ErrorClass = class extends KmsError {
    constructor(message: string, options?: { cause?: unknown }) {
      super(code, message, statusCode, options);
      this.name = code;
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: code });
  return ErrorClass;
}

/** The key or alias does not exist in the request's account and region. */
export const NotFoundException = kmsErrorClass('NotFoundException', 404);
/** The key is disabled and cannot be used for cryptography. */
export const DisabledException = kmsErrorClass('DisabledException', 409);
/** The key's state does not allow the operation, for example a key pending deletion. */
export const KMSInvalidStateException = kmsErrorClass('KMSInvalidStateException', 409);
/** The ciphertext was not made by this KMS, was changed, or its encryption context differs. */
export const InvalidCiphertextException = kmsErrorClass('InvalidCiphertextException');
/** The key in the request is not the key that encrypted the ciphertext. */
export const IncorrectKeyException = kmsErrorClass('IncorrectKeyException');
/** An alias with that name already exists. */
export const AlreadyExistsException = kmsErrorClass('AlreadyExistsException', 409);
/** The alias name breaks KMS's alias rules. */
export const InvalidAliasNameException = kmsErrorClass('InvalidAliasNameException');
/** A list marker that no earlier response returned. */
export const InvalidMarkerException = kmsErrorClass('InvalidMarkerException');
/** The key's usage or the requested algorithm does not fit the operation. */
export const InvalidKeyUsageException = kmsErrorClass('InvalidKeyUsageException');
/** A tag key or value breaks the tag rules. */
export const TagException = kmsErrorClass('TagException');
/** A quota of the key is used up, such as the on-demand rotations. */
export const LimitExceededException = kmsErrorClass('LimitExceededException');
/** A valid request that this local KMS does not support, such as asymmetric keys. */
export const UnsupportedOperationException = kmsErrorClass('UnsupportedOperationException');
/** The key policy is not valid JSON. */
export const MalformedPolicyDocumentException = kmsErrorClass('MalformedPolicyDocumentException');
/** The request would have succeeded, but it set `DryRun`, so nothing was done. */
export const DryRunOperationException = kmsErrorClass('DryRunOperationException', 412);
/** No custom key store exists in the local cloud. */
export const CustomKeyStoreNotFoundException = kmsErrorClass('CustomKeyStoreNotFoundException');
