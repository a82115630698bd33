/**
 * The header of an AWS Encryption SDK message, format version 2 (the committing suites):
 *
 * ```
 * version u8 = 2 | suite id u16 | message id 32 bytes
 * | context length u16 [ | entry count u16 | (key length u16, key, value length u16, value)* ]
 * | data key count u16 | (provider id length u16, id, provider info length u16, info, key length u16, key)*
 * | content type u8 (2 = framed) | frame length u32 | suite data (key commitment) 32 bytes
 * | header authentication tag 16 bytes
 * ```
 *
 * All integers are big-endian. Context entries are sorted by the UTF-8 bytes of their keys.
 * Reference: https://docs.aws.amazon.com/encryption-sdk/latest/developer-guide/message-format.html
 */
import { CiphertextInvalidError } from '../../errors.js';
import type { EncryptionContext } from '../context.js';
import { V2_SUITE_IDS } from '../suites.js';

export const MESSAGE_FORMAT_VERSION_2 = 0x02;
export const MESSAGE_ID_BYTES = 32;
export const COMMITMENT_BYTES = 32;
export const AUTH_TAG_BYTES = 16;
export const CONTENT_TYPE_FRAMED = 0x02;

/**
 * An encrypted data key as the header stores it. Provider info is binary in the format (raw
 * keyrings put an IV in it); KMS keyrings store the key ARN as UTF-8, which `providerInfo` holds.
 */
export interface HeaderDataKey {
  providerId: string;
  providerInfo: string;
  /** The provider info bytes exactly as stored; written in place of `providerInfo` when set. */
  rawInfo?: Uint8Array;
  encryptedDataKey: Uint8Array;
}

/** The fields of a version 2 header. */
export interface MessageHeader {
  suiteId: number;
  messageId: Uint8Array;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: HeaderDataKey[];
  contentType: number;
  frameLength: number;
  commitment: Uint8Array;
}

/** A parsed header with its raw bytes (the data its authentication tag covers). */
export interface ParsedHeader {
  header: MessageHeader;
  headerBytes: Uint8Array;
  authTag: Uint8Array;
  /** Offset of the first body byte. */
  bodyOffset: number;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** A header with its variable-length fields encoded, ready to be written. */
export interface HeaderLayout {
  header: MessageHeader;
  contextEntries: (readonly [Buffer, Buffer])[];
  dataKeys: (readonly [Buffer, Uint8Array, Uint8Array])[];
  byteLength: number;
}

/** Encodes the variable-length fields of a header and computes its length. */
export function layoutHeader(header: MessageHeader): HeaderLayout {
  const contextEntries = Object.entries(header.encryptionContext)
    .map(([key, value]) => [Buffer.from(key, 'utf8'), Buffer.from(value, 'utf8')] as const)
    .sort(([a], [b]) => Buffer.compare(a, b));
  const dataKeys = header.encryptedDataKeys.map(
    (dataKey) => [Buffer.from(dataKey.providerId, 'utf8'), dataKey.rawInfo ?? Buffer.from(dataKey.providerInfo, 'utf8'), dataKey.encryptedDataKey] as const,
  );

  const contextBytes = contextEntries.length === 0 ? 0 : 2 + contextEntries.reduce((sum, [key, value]) => sum + 4 + key.byteLength + value.byteLength, 0);
  if (contextBytes > 0xffff) throw new RangeError('The encryption context is longer than 65,535 bytes.');
  const dataKeyBytes = dataKeys.reduce((sum, fields) => sum + fields.reduce((fieldSum, field) => fieldSum + 2 + checkedLength(field), 0), 0);

  const byteLength = 1 + 2 + MESSAGE_ID_BYTES + 2 + contextBytes + 2 + dataKeyBytes + 1 + 4 + COMMITMENT_BYTES;
  return { header, contextEntries, dataKeys, byteLength };
}

/** Writes a laid-out header into `output` at `offset`; returns the offset after it. */
export function writeHeader(layout: HeaderLayout, output: Buffer, offset: number): number {
  const { header, contextEntries, dataKeys } = layout;

  let position = output.writeUInt8(MESSAGE_FORMAT_VERSION_2, offset);
  position = output.writeUInt16BE(header.suiteId, position);
  output.set(header.messageId, position);
  position += header.messageId.byteLength;

  const contextBytes = contextEntries.length === 0 ? 0 : 2 + contextEntries.reduce((sum, [key, value]) => sum + 4 + key.byteLength + value.byteLength, 0);
  position = output.writeUInt16BE(contextBytes, position);
  if (contextEntries.length > 0) {
    position = output.writeUInt16BE(contextEntries.length, position);
    for (const [key, value] of contextEntries) {
      position = writeLengthPrefixed(output, position, key);
      position = writeLengthPrefixed(output, position, value);
    }
  }

  position = output.writeUInt16BE(dataKeys.length, position);
  for (const fields of dataKeys) {
    for (const field of fields) position = writeLengthPrefixed(output, position, field);
  }

  position = output.writeUInt8(header.contentType, position);
  position = output.writeUInt32BE(header.frameLength, position);
  output.set(header.commitment, position);
  return position + header.commitment.byteLength;
}

/**
 * Parses a version 2 header. Throws `CiphertextInvalidError` for anything malformed: a wrong
 * version or suite, lengths past the end, duplicate context keys, more than `maxDataKeys` keys.
 */
export function parseHeader(message: Uint8Array, maxDataKeys: number): ParsedHeader {
  const reader = new ByteReader(message);

  const version = reader.uint8();
  const suiteId = reader.uint16();
  if (version !== MESSAGE_FORMAT_VERSION_2 || !V2_SUITE_IDS.has(suiteId)) {
    throw invalid('it is not an Encryption SDK message with a committing algorithm suite');
  }
  const messageId = reader.bytes(MESSAGE_ID_BYTES);
  const encryptionContext = parseEncryptionContext(reader.bytes(reader.uint16()));
  const encryptedDataKeys = parseDataKeys(reader, maxDataKeys);

  const contentType = reader.uint8();
  const frameLength = reader.uint32();
  const commitment = reader.bytes(COMMITMENT_BYTES);
  const headerEnd = reader.offset;
  const authTag = reader.bytes(AUTH_TAG_BYTES);

  return {
    header: { suiteId, messageId, encryptionContext, encryptedDataKeys, contentType, frameLength, commitment },
    headerBytes: message.subarray(0, headerEnd),
    authTag,
    bodyOffset: reader.offset,
  };
}

function parseEncryptionContext(bytes: Uint8Array): EncryptionContext {
  const context: EncryptionContext = {};
  if (bytes.byteLength === 0) return context;

  const reader = new ByteReader(bytes);
  const count = reader.uint16();
  for (let index = 0; index < count; index += 1) {
    const key = text(reader.bytes(reader.uint16()));
    const value = text(reader.bytes(reader.uint16()));
    if (Object.hasOwn(context, key)) throw invalid('its encryption context repeats a key');
    context[key] = value;
  }
  if (reader.offset !== bytes.byteLength) throw invalid('its encryption context has trailing bytes');
  return context;
}

function parseDataKeys(reader: ByteReader, maxDataKeys: number): HeaderDataKey[] {
  const count = reader.uint16();
  if (count === 0) throw invalid('it has no encrypted data key');
  if (count > maxDataKeys) throw invalid(`it has ${count} encrypted data keys, more than the ${maxDataKeys} accepted`);

  const dataKeys: HeaderDataKey[] = [];
  for (let index = 0; index < count; index += 1) {
    const providerId = text(reader.bytes(reader.uint16()));
    const rawInfo = reader.bytes(reader.uint16());
    const encryptedDataKey = reader.bytes(reader.uint16());
    dataKeys.push({ providerId, providerInfo: Buffer.from(rawInfo).toString('utf8'), rawInfo, encryptedDataKey });
  }
  return dataKeys;
}

/** Bounds-checked big-endian reads; running past the end means a truncated message. */
export class ByteReader {
  offset = 0;
  readonly #view: DataView;

  constructor(readonly buffer: Uint8Array) {
    this.#view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  get remaining(): number {
    return this.buffer.byteLength - this.offset;
  }

  uint8(): number {
    this.#need(1);
    const value = this.#view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  uint16(): number {
    this.#need(2);
    const value = this.#view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  uint32(): number {
    this.#need(4);
    const value = this.#view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(length: number): Uint8Array {
    this.#need(length);
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  #need(length: number): void {
    if (this.remaining < length) throw invalid('it is truncated');
  }
}

/** Creates the `CiphertextInvalidError` for a message that cannot be read, with the reason. */
export function invalid(reason: string): CiphertextInvalidError {
  return new CiphertextInvalidError(`The ciphertext is not a valid message: ${reason}.`);
}

export function uint16(value: number): Uint8Array {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, value);
  return bytes;
}


function writeLengthPrefixed(output: Buffer, offset: number, bytes: Uint8Array): number {
  const position = output.writeUInt16BE(bytes.byteLength, offset);
  output.set(bytes, position);
  return position + bytes.byteLength;
}

function checkedLength(bytes: Uint8Array): number {
  if (bytes.byteLength > 0xffff) throw new RangeError('A header field is longer than 65,535 bytes.');
  return bytes.byteLength;
}

function text(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw invalid('a header field is not valid UTF-8');
  }
}
