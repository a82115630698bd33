/**
 * The encryption operation: encrypts the request's payload with the stage's KMS key, in the
 * envelope format (Encryption SDK message) or the kms format (direct KMS `Encrypt`).
 */
import { buildEncryptionContext } from '../../core/crypto/context.js';
import { encryptEnvelope } from '../../core/crypto/envelope.js';
import type { CiphertextFormat } from '../../core/crypto/format.js';
import { encryptDirect } from '../../core/crypto/kms-direct.js';
import { suiteIdFor } from '../../core/crypto/suites.js';
import { InvalidInputError } from '../../core/errors.js';
import type { OperationResult, RequestScope } from '../../core/service/runtime.js';
import { parseEncryptionRequest } from './request.js';
import type { EncryptionRequest } from './request.js';

/** The response of a successful encryption. */
export interface EncryptionResponse {
  /** Base64 ciphertext. */
  data: string;
  format: CiphertextFormat;
  /** ARN of the KMS key, as KMS reported it. */
  keyId: string;
  stage: string;
}

/** Encrypts one request in its stage. */
export async function encryptOperation(body: Record<string, unknown>, scope: RequestScope): Promise<OperationResult<EncryptionResponse>> {
  const { config } = scope.lookup.snapshot;
  const request = parseEncryptionRequest(body, config);
  const context = buildEncryptionContext(scope.stage, request.callerContext);

  const encrypted = request.format === 'kms'
    ? await encryptKms(scope, request.plaintext, context)
    : await encryptEnvelope({
        keys: scope.deps.dataKeys.forEncryption(config.keyId, config.dataKeyCache),
        plaintext: request.plaintext,
        context,
        suiteId: suiteIdFor(config.signing),
        keyId: config.keyId,
      });

  return {
    response: { data: Buffer.from(encrypted.ciphertext).toString('base64'), format: request.format, keyId: encrypted.keyId, stage: scope.stage },
    logFields: logFieldsOf(request, encrypted, config.signing),
  };
}

/** Builds the fields of the request's log line. `contextKeys` and `signing` appear only when set. */
function logFieldsOf(request: EncryptionRequest, encrypted: { ciphertext: Uint8Array; keyId: string }, signing: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    format: request.format,
    keyId: encrypted.keyId,
    plaintextBytes: request.plaintext.byteLength,
    ciphertextBytes: encrypted.ciphertext.byteLength,
  };
  const contextKeys = Object.keys(request.callerContext);
  if (contextKeys.length > 0) fields.contextKeys = contextKeys;
  if (request.format === 'envelope' && signing) fields.signing = true;
  return fields;
}

async function encryptKms(scope: RequestScope, plaintext: Uint8Array, context: Record<string, string>) {
  if (plaintext.byteLength === 0) {
    throw new InvalidInputError('The kms format cannot encrypt an empty payload; send at least one byte or use "format": "envelope".');
  }
  return encryptDirect(scope.deps.kms, scope.lookup.snapshot.config.keyId, plaintext, context);
}
