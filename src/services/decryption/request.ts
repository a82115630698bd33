/**
 * The decryption request: `{"data": "<base64>", "context"?: {...}, "encoding"?: "utf8"|"base64"}`.
 * `encoding` chooses the response encoding; without it, valid UTF-8 comes back as text and
 * anything else as base64. The other fields of an encryption response (`format`, `keyId`,
 * `stage`) are accepted and not used, so that response can be sent back as it is. The format
 * is detected from the ciphertext, and the stage is checked through the encryption context.
 */
import { parseCallerContext } from '../../core/crypto/context.js';
import type { EncryptionContext } from '../../core/crypto/context.js';
import { decodeBase64 } from '../../core/encoding.js';
import { InvalidInputError } from '../../core/errors.js';

const KNOWN_FIELDS = new Set(['data', 'encoding', 'context']);
const ENCRYPTION_RESPONSE_FIELDS = new Set(['format', 'keyId', 'stage']);

export type ResponseEncoding = 'utf8' | 'base64';

export interface DecryptionRequest {
  ciphertext: Buffer;
  callerContext: EncryptionContext;
  /** The encoding the caller asked for, if any. */
  encoding: ResponseEncoding | undefined;
}

/** Validates a decryption request. */
export function parseDecryptionRequest(body: Record<string, unknown>): DecryptionRequest {
  const unknown = Object.keys(body).filter((field) => !KNOWN_FIELDS.has(field) && !ENCRYPTION_RESPONSE_FIELDS.has(field));
  if (unknown.length > 0) {
    throw new InvalidInputError(`Unknown request field ${unknown.map((field) => JSON.stringify(field)).join(', ')}; the fields are data, context and encoding.`);
  }

  if (typeof body.data !== 'string' || body.data.trim() === '') {
    throw new InvalidInputError('"data" must be the base64 ciphertext returned by the encryption service.');
  }
  if (body.encoding !== undefined && body.encoding !== 'utf8' && body.encoding !== 'base64') {
    throw new InvalidInputError(`"encoding" must be "utf8" or "base64", not ${JSON.stringify(body.encoding)}.`);
  }

  return {
    ciphertext: decodeBase64(body.data, 'data'),
    callerContext: parseCallerContext(body.context, undefined),
    encoding: body.encoding,
  };
}
