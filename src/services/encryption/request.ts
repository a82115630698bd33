/**
 * The encryption request: `{"data": "<text>"}` or `{"data": "<base64>", "encoding": "base64"}`,
 * with an optional `"context"` (keys the stage config allows) and `"format"`.
 */
import { parseCallerContext } from '../../core/crypto/context.js';
import type { EncryptionContext } from '../../core/crypto/context.js';
import type { CiphertextFormat } from '../../core/crypto/format.js';
import { decodeBase64 } from '../../core/encoding.js';
import { InvalidInputError } from '../../core/errors.js';
import type { StageConfig } from '../../core/config/schema.js';

const KNOWN_FIELDS = new Set(['data', 'encoding', 'context', 'format']);
const FORMATS: readonly CiphertextFormat[] = ['envelope', 'kms'];
const ENCODINGS = ['utf8', 'base64'] as const;

export interface EncryptionRequest {
  plaintext: Buffer;
  format: CiphertextFormat;
  callerContext: EncryptionContext;
}

/** Validates an encryption request against the stage config. */
export function parseEncryptionRequest(body: Record<string, unknown>, config: StageConfig): EncryptionRequest {
  rejectUnknownFields(body);

  const encoding = parseEncoding(body.encoding);
  if (typeof body.data !== 'string') {
    throw new InvalidInputError('"data" must be a string: the text to encrypt, or base64 with "encoding": "base64".');
  }
  const plaintext = encoding === 'base64' ? decodeBase64(body.data, 'data') : Buffer.from(body.data, 'utf8');

  return {
    plaintext,
    format: parseFormat(body.format, config.defaultFormat),
    callerContext: parseCallerContext(body.context, config.allowedContextKeys),
  };
}

function parseEncoding(value: unknown): (typeof ENCODINGS)[number] {
  if (value === undefined) return 'utf8';
  if (value === 'utf8' || value === 'base64') return value;
  throw new InvalidInputError(`"encoding" must be "utf8" or "base64", not ${JSON.stringify(value)}.`);
}

function parseFormat(value: unknown, defaultFormat: CiphertextFormat): CiphertextFormat {
  if (value === undefined) return defaultFormat;
  if (typeof value === 'string' && (FORMATS as readonly string[]).includes(value)) return value as CiphertextFormat;
  throw new InvalidInputError(`"format" must be "envelope" or "kms", not ${JSON.stringify(value)}.`);
}

function rejectUnknownFields(body: Record<string, unknown>): void {
  const unknown = Object.keys(body).filter((field) => !KNOWN_FIELDS.has(field));
  if (unknown.length > 0) {
    throw new InvalidInputError(`Unknown request field ${unknown.map((field) => JSON.stringify(field)).join(', ')}; the fields are data, encoding, context and format.`);
  }
}
