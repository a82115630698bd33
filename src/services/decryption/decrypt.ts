/**
 * The decryption operation: recognises the ciphertext format, decrypts it, and checks that its
 * encryption context is exactly this stage's (`stage`, `service`) plus the caller's context.
 */
import { buildEncryptionContext, verifyEncryptionContext } from '../../core/crypto/context.js';
import type { EncryptionContext } from '../../core/crypto/context.js';
import { decryptEnvelope } from '../../core/crypto/envelope.js';
import { detectFormat } from '../../core/crypto/format.js';
import { decryptDirect } from '../../core/crypto/kms-direct.js';
import { decodeUtf8 } from '../../core/encoding.js';
import { InvalidInputError } from '../../core/errors.js';
import { MAX_RESPONSE_BYTES } from '../../core/service/runtime.js';
import type { OperationResult, RequestScope } from '../../core/service/runtime.js';
import { parseDecryptionRequest } from './request.js';
import type { ResponseEncoding } from './request.js';

/** The response of a successful decryption; `encoding` is present only for base64 data. */
export interface DecryptionResponse {
  data: string;
  encoding?: 'base64';
}

/** Decrypts one request in its stage. */
export async function decryptOperation(body: Record<string, unknown>, scope: RequestScope): Promise<OperationResult<DecryptionResponse>> {
  const request = parseDecryptionRequest(body);
  const expectedContext = buildEncryptionContext(scope.stage, request.callerContext);
  const format = detectFormat(request.ciphertext);

  const decrypted = format === 'envelope'
    ? await decryptEnvelopeInStage(scope, request.ciphertext, expectedContext)
    : await decryptDirect(scope.deps.kms, request.ciphertext, expectedContext);

  return {
    response: encodePlaintext(decrypted.plaintext, request.encoding),
    logFields: {
      format,
      keyId: decrypted.keyId,
      ciphertextBytes: request.ciphertext.byteLength,
      plaintextBytes: decrypted.plaintext.byteLength,
      contextKeys: Object.keys(request.callerContext),
    },
  };
}

async function decryptEnvelopeInStage(scope: RequestScope, ciphertext: Uint8Array, expectedContext: EncryptionContext) {
  const { config } = scope.lookup.snapshot;
  const keys = scope.deps.dataKeys.forDecryption(scope.discoveryFilter, config.dataKeyCache);

  return decryptEnvelope({
    keys,
    ciphertext,
    maxPlaintextBytes: MAX_RESPONSE_BYTES,
    checkContext: (context) => verifyEncryptionContext(context, expectedContext),
  });
}

function encodePlaintext(plaintext: Uint8Array, encoding: ResponseEncoding | undefined): DecryptionResponse {
  if (encoding === 'base64') return { data: Buffer.from(plaintext).toString('base64'), encoding: 'base64' };

  const text = decodeUtf8(plaintext);
  if (text !== undefined) return { data: text };
  if (encoding === 'utf8') {
    throw new InvalidInputError('The plaintext is not valid UTF-8; request "encoding": "base64" to receive it.');
  }
  return { data: Buffer.from(plaintext).toString('base64'), encoding: 'base64' };
}

