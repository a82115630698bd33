import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

import { IncompleteBody, InvalidRequest } from './errors.js';

/**
 * Decodes an `aws-chunked` request body, the framing that SigV4 streaming uploads and the
 * SDKs' trailing checksums use:
 *
 *     <hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *     [<trailer name>:<value>\r\n]... \r\n
 *
 * It passes on only the payload bytes and collects the trailers (`x-amz-checksum-crc32`,
 * `x-amz-trailer-signature`) with lower-case names. Chunk signatures are not verified,
 * because the local cloud accepts any credentials.
 */
export class AwsChunkedDecoder extends Transform {
  /** Trailers after the last chunk, available once the stream has ended. */
  readonly trailers = new Map<string, string>();

  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  private line = Buffer.alloc(0);
  private remainingBytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state === 'done') {
      callback();
      return;
    }
    callback(new IncompleteBody('The aws-chunked body ended before its final zero-length chunk and trailer.'));
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state === 'data') {
        const taken = Math.min(this.remainingBytes, chunk.length - offset);
        this.push(chunk.subarray(offset, offset + taken));
        offset += taken;
        this.remainingBytes -= taken;
        if (this.remainingBytes === 0) this.state = 'data-end';
        continue;
      }

      if (this.state === 'done') return;

      const newline = chunk.indexOf(0x0a, offset);
      const end = newline === -1 ? chunk.length : newline + 1;
      this.line = Buffer.concat([this.line, chunk.subarray(offset, end)]);
      offset = end;
      if (this.line.length > MAX_LINE_BYTES) throw malformed('a chunk header or trailer line is longer than 8 KiB');
      if (newline === -1) return;

      const text = this.line.toString('latin1').replace(/\r?\n$/, '');
      this.line = Buffer.alloc(0);
      this.acceptLine(text);
    }
  }

  private acceptLine(text: string): void {
    if (this.state === 'data-end') {
      if (text !== '') throw malformed('a chunk is longer than its declared size');
      this.state = 'size';
      return;
    }

    if (this.state === 'size') {
      this.remainingBytes = parseChunkSize(text);
      this.state = this.remainingBytes === 0 ? 'trailer' : 'data';
      return;
    }

    if (text === '') {
      this.state = 'done';
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw malformed(`the trailer line "${text}" is not "name:value"`);
    this.trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
  }
}

const MAX_LINE_BYTES = 8192;

function parseChunkSize(line: string): number {
  const sizeText = line.split(';', 1)[0]!.trim();
  if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw malformed(`the chunk size "${sizeText}" is not a hexadecimal number`);
  return Number.parseInt(sizeText, 16);
}

function malformed(detail: string): InvalidRequest {
  return new InvalidRequest(`The aws-chunked request body is malformed: ${detail}.`);
}
