/**
 * Payload encodings of the service requests and responses: UTF-8 text and standard base64.
 */
import { InvalidInputError } from './errors.js';

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WHITESPACE = /[\s]+/g;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes standard base64 (RFC 4648 section 4, with padding). Whitespace and line breaks are
 * ignored because MIME and PEM tools insert them. Any other character outside the alphabet,
 * missing padding or a truncated group is rejected with the field name in the message.
 */
export function decodeBase64(text: string, field: string): Buffer {
  const compact = text.replace(WHITESPACE, '');

  if (!BASE64_PATTERN.test(compact)) {
    throw new InvalidInputError(`"${field}" is not valid base64: use the standard alphabet (A-Z, a-z, 0-9, +, /) with "=" padding.`);
  }
  return Buffer.from(compact, 'base64');
}

/** Returns the text when `bytes` is valid UTF-8, else undefined. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
