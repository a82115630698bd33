/**
 * Writer and reader of framed Encryption SDK messages (format version 2) for the committing suite
 * without signature, `ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY` (`0x0478`).
 *
 * The Encryption SDK for JavaScript runs every message through Node.js streams and a frame
 * pipeline, which costs far more than the AES-GCM work for payloads of a few megabytes. This
 * codec does the same cryptography on whole buffers and writes byte-for-byte the layout the SDK
 * writes, so either side reads the other's messages (the unit tests check both directions).
 *
 * - Keys: HKDF-SHA512 with the data key as input and the message id as salt derives the
 *   commitment (info `COMMITKEY`, 32 bytes) and the AES-256-GCM key (info `<suite id>DERIVEKEY`).
 * - Header: authenticated by AES-GCM over the header bytes with a zero IV and no plaintext.
 * - Body: frames of `frameLength` bytes, then a final frame of 0 to `frameLength` bytes. Frame
 *   `n` has IV = 8 zero bytes + `n` (u32) and AAD = message id + content string + `n` (u32) +
 *   content length (u64).
 * - The signing suite (`0x0578`) adds a footer signature; those messages go through the SDK.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { CiphertextInvalidError, PayloadTooLargeError } from '../../errors.js';
import type { EncryptionContext } from '../context.js';
import { COMMITTING_SUITE_ID } from '../suites.js';
import {
  AUTH_TAG_BYTES,
  ByteReader,
  COMMITMENT_BYTES,
  CONTENT_TYPE_FRAMED,
  invalid,
  MESSAGE_ID_BYTES,
  layoutHeader,
  uint16,
  writeHeader,
} from './header.js';
import type { HeaderDataKey, ParsedHeader } from './header.js';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const KEY_BYTES = 32;
const FINAL_FRAME_MARKER = 0xffffffff;
const FRAME_CONTENT = Buffer.from('AWSKMSEncryptionClient Frame', 'utf8');
const FINAL_FRAME_CONTENT = Buffer.from('AWSKMSEncryptionClient Final Frame', 'utf8');
/** HKDF info of the commitment, with the expand counter byte 0x01 appended. */
const COMMIT_INFO = Buffer.concat([Buffer.from('COMMITKEY', 'utf8'), Uint8Array.of(1)]);
/** HKDF info of the encryption key: suite id, label, then the expand counter byte 0x01. */
const KEY_INFO = Buffer.concat([uint16(COMMITTING_SUITE_ID), Buffer.from('DERIVEKEY', 'utf8'), Uint8Array.of(1)]);

/** Largest frame length the format allows (u32). */
export const MAX_FRAME_LENGTH = 0xffffffff;

export interface WriteMessageInput {
  dataKey: Uint8Array;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: HeaderDataKey[];
  frameLength: number;
  plaintext: Uint8Array;
}

/** Writes a `0x0478` message. The data key must be the 32-byte key the data keys encrypt. */
export function writeMessage(input: WriteMessageInput): Buffer {
  if (input.frameLength < 1 || input.frameLength > MAX_FRAME_LENGTH) throw new RangeError(`frameLength ${input.frameLength} is outside 1 to ${MAX_FRAME_LENGTH}.`);

  const messageId = randomBytes(MESSAGE_ID_BYTES);
  const { key, commitment } = deriveKeys(input.dataKey, messageId);
  const layout = layoutHeader({
    suiteId: COMMITTING_SUITE_ID,
    messageId,
    encryptionContext: input.encryptionContext,
    encryptedDataKeys: input.encryptedDataKeys,
    contentType: CONTENT_TYPE_FRAMED,
    frameLength: input.frameLength,
    commitment,
  });

  const { plaintext, frameLength } = input;
  const regularFrames = Math.floor(plaintext.byteLength / frameLength);
  const finalLength = plaintext.byteLength - regularFrames * frameLength;
  const totalBytes = layout.byteLength + AUTH_TAG_BYTES + regularFrames * (4 + IV_BYTES + frameLength + AUTH_TAG_BYTES) + (8 + IV_BYTES + 4 + finalLength + AUTH_TAG_BYTES);

  const output = Buffer.allocUnsafe(totalBytes);
  let offset = writeHeader(layout, output, 0);
  offset += authenticateHeader(key, output.subarray(0, offset)).copy(output, offset);

  for (let index = 0; index < regularFrames; index += 1) {
    const sequence = index + 1;
    const content = plaintext.subarray(index * frameLength, sequence * frameLength);
    offset = output.writeUInt32BE(sequence, offset);
    offset = writeFrameBody(output, offset, key, messageId, sequence, content, FRAME_CONTENT);
  }

  const finalSequence = regularFrames + 1;
  offset = output.writeUInt32BE(FINAL_FRAME_MARKER, offset);
  offset = output.writeUInt32BE(finalSequence, offset);
  const finalContent = plaintext.subarray(regularFrames * frameLength);
  offset = writeFrameBody(output, offset, key, messageId, finalSequence, finalContent, FINAL_FRAME_CONTENT, true);

  if (offset !== totalBytes) throw new Error(`Message writer produced ${offset} bytes, expected ${totalBytes}.`);
  return output;
}

/**
 * Reads the body of a parsed `0x0478` message with its data key. Checks the key commitment,
 * the header tag, every frame's sequence number, IV and tag, and that nothing follows the final
 * frame. Returns the plaintext; `maxPlaintextBytes` bounds it before anything is decrypted.
 */
export function readMessage(parsed: ParsedHeader, message: Uint8Array, dataKey: Uint8Array, maxPlaintextBytes: number): Buffer {
  const { header } = parsed;
  if (header.suiteId !== COMMITTING_SUITE_ID) throw invalid('its algorithm suite needs the Encryption SDK reader');
  if (header.contentType !== CONTENT_TYPE_FRAMED || header.frameLength < 1) throw invalid('its body is not framed');

  const { key, commitment } = deriveKeys(dataKey, header.messageId);
  if (!timingSafeEqual(commitment, header.commitment)) throw invalid('its key commitment does not match the data key');
  verifyHeader(key, parsed);

  const frames = locateFrames(message, parsed.bodyOffset, header.frameLength);
  const plaintextBytes = frames.reduce((sum, frame) => sum + frame.content.byteLength, 0);
  if (plaintextBytes > maxPlaintextBytes) {
    throw new PayloadTooLargeError(`The plaintext has ${plaintextBytes} bytes, more than the ${maxPlaintextBytes} a response can carry.`);
  }

  const contents = frames.map((frame) => decryptFrame(key, header.messageId, frame)).filter((content) => content.byteLength > 0);
  if (contents.length === 1 && contents[0]) return contents[0];
  return Buffer.concat(contents, plaintextBytes);
}

/**
 * Key derivation of the committing suites (HKDF-SHA512, RFC 5869): the AES key and the 32-byte
 * commitment. One extract serves both expands, and each output is shorter than one SHA-512
 * output block, so each expand is a single HMAC. On Node.js 20 this takes about half the time of
 * two `hkdfSync` calls, which were most of the cost of a small message.
 */
export function deriveKeys(dataKey: Uint8Array, messageId: Uint8Array): { key: Buffer; commitment: Buffer } {
  if (dataKey.byteLength !== KEY_BYTES) throw new RangeError(`The data key has ${dataKey.byteLength} bytes; the suite needs ${KEY_BYTES}.`);

  const pseudorandomKey = createHmac('sha512', messageId).update(dataKey).digest();
  const commitment = createHmac('sha512', pseudorandomKey).update(COMMIT_INFO).digest().subarray(0, COMMITMENT_BYTES);
  const key = createHmac('sha512', pseudorandomKey).update(KEY_INFO).digest().subarray(0, KEY_BYTES);
  return { key, commitment };
}

interface Frame {
  sequence: number;
  isFinal: boolean;
  content: Uint8Array;
  tag: Uint8Array;
}

function authenticateHeader(key: Buffer, headerBytes: Uint8Array): Buffer {
  const cipher = createCipheriv(CIPHER, key, Buffer.alloc(IV_BYTES));
  cipher.setAAD(headerBytes);
  cipher.final();
  return cipher.getAuthTag();
}

function verifyHeader(key: Buffer, parsed: ParsedHeader): void {
  const decipher = createDecipheriv(CIPHER, key, Buffer.alloc(IV_BYTES));
  decipher.setAAD(parsed.headerBytes);
  decipher.setAuthTag(parsed.authTag);
  try {
    decipher.final();
  } catch (error) {
    throw new CiphertextInvalidError('The ciphertext is not a valid message: its header failed authentication.', { cause: error });
  }
}

function writeFrameBody(
  output: Buffer,
  start: number,
  key: Buffer,
  messageId: Uint8Array,
  sequence: number,
  content: Uint8Array,
  contentString: Buffer,
  isFinal = false,
): number {
  const iv = frameIv(sequence);
  let offset = start + iv.copy(output, start);
  if (isFinal) offset = output.writeUInt32BE(content.byteLength, offset);

  const cipher = createCipheriv(CIPHER, key, iv);
  cipher.setAAD(frameAad(messageId, contentString, sequence, content.byteLength));
  offset += cipher.update(content).copy(output, offset);
  offset += cipher.final().copy(output, offset);
  offset += cipher.getAuthTag().copy(output, offset);
  return offset;
}

function locateFrames(message: Uint8Array, bodyOffset: number, frameLength: number): Frame[] {
  const reader = new ByteReader(message);
  reader.offset = bodyOffset;
  const frames: Frame[] = [];

  for (let sequence = 1; ; sequence += 1) {
    const marker = reader.uint32();
    const isFinal = marker === FINAL_FRAME_MARKER;
    const numbered = isFinal ? reader.uint32() : marker;
    if (numbered !== sequence) throw invalid(`frame ${sequence} is out of order`);

    const iv = reader.bytes(IV_BYTES);
    if (!frameIv(sequence).equals(iv)) throw invalid(`frame ${sequence} has an unexpected IV`);

    const contentLength = isFinal ? reader.uint32() : frameLength;
    if (contentLength > frameLength) throw invalid('its final frame is longer than the frame length');

    frames.push({ sequence, isFinal, content: reader.bytes(contentLength), tag: reader.bytes(AUTH_TAG_BYTES) });
    if (isFinal) break;
  }

  if (reader.remaining !== 0) throw invalid(`${reader.remaining} bytes follow its final frame`);
  return frames;
}

function decryptFrame(key: Buffer, messageId: Uint8Array, frame: Frame): Buffer {
  const decipher = createDecipheriv(CIPHER, key, frameIv(frame.sequence));
  decipher.setAAD(frameAad(messageId, frame.isFinal ? FINAL_FRAME_CONTENT : FRAME_CONTENT, frame.sequence, frame.content.byteLength));
  decipher.setAuthTag(frame.tag);

  const content = decipher.update(frame.content);
  try {
    decipher.final();
  } catch (error) {
    throw new CiphertextInvalidError(`The ciphertext is not a valid message: frame ${frame.sequence} failed authentication.`, { cause: error });
  }
  return content;
}

function frameIv(sequence: number): Buffer {
  const iv = Buffer.alloc(IV_BYTES);
  iv.writeUInt32BE(sequence, IV_BYTES - 4);
  return iv;
}

function frameAad(messageId: Uint8Array, contentString: Buffer, sequence: number, contentLength: number): Buffer {
  const aad = Buffer.allocUnsafe(messageId.byteLength + contentString.byteLength + 4 + 8);
  let offset = Buffer.from(messageId.buffer, messageId.byteOffset, messageId.byteLength).copy(aad, 0);
  offset += contentString.copy(aad, offset);
  offset = aad.writeUInt32BE(sequence, offset);
  aad.writeBigUInt64BE(BigInt(contentLength), offset);
  return aad;
}
