import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { describe, expect, it } from 'vitest';

import { AwsChunkedDecoder } from '../../../src/localcloud/s3/aws-chunked.js';

async function decode(pieces: (string | Buffer)[]): Promise<{ body: Buffer; trailers: Map<string, string> }> {
  const decoder = new AwsChunkedDecoder();
  const output: Buffer[] = [];
  await pipeline(
    Readable.from(pieces.map((piece) => (Buffer.isBuffer(piece) ? piece : Buffer.from(piece, 'latin1')))),
    decoder,
    async function* (source) {
      for await (const chunk of source) output.push(chunk as Buffer);
    },
  );
  return { body: Buffer.concat(output), trailers: decoder.trailers };
}

/** Frames a body the way the AWS SDK for JavaScript does for trailing checksums. */
function unsignedChunked(chunks: string[], trailer: string): string {
  return chunks.map((chunk) => `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`).join('') + `0\r\n${trailer}\r\n\r\n`;
}

describe('AwsChunkedDecoder', () => {
  it('passes on only the payload of unsigned chunks', async () => {
    const { body } = await decode([unsignedChunked(['hello ', 'world'], 'x-amz-checksum-crc32:DUoRhQ==')]);

    expect(body.toString()).toBe('hello world');
  });

  it('collects the trailing checksum with a lower-case name', async () => {
    const { trailers } = await decode([unsignedChunked(['hello'], 'X-Amz-Checksum-CRC32:NhCmhg==')]);

    expect(trailers.get('x-amz-checksum-crc32')).toBe('NhCmhg==');
  });

  it('skips chunk signatures of signed streaming bodies', async () => {
    const signature = 'a'.repeat(64);
    const framed = `5;chunk-signature=${signature}\r\nhello\r\n0;chunk-signature=${signature}\r\n\r\n`;

    const { body, trailers } = await decode([framed]);

    expect(body.toString()).toBe('hello');
    expect(trailers.size).toBe(0);
  });

  it('reads signed bodies with a trailer and a trailer signature', async () => {
    const framed = `5;chunk-signature=${'b'.repeat(64)}\r\nhello\r\n0;chunk-signature=${'c'.repeat(64)}\r\nx-amz-checksum-sha256:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=\r\nx-amz-trailer-signature:${'d'.repeat(64)}\r\n\r\n`;

    const { trailers } = await decode([framed]);

    expect(trailers.get('x-amz-checksum-sha256')).toBe('LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=');
    expect(trailers.get('x-amz-trailer-signature')).toBe('d'.repeat(64));
  });

  it('decodes a body split at every byte', async () => {
    const framed = unsignedChunked(['abc', 'defgh'], 'x-amz-checksum-crc32:AAAAAA==');

    const { body, trailers } = await decode([...framed].map((character) => character));

    expect(body.toString()).toBe('abcdefgh');
    expect(trailers.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
  });

  it('keeps binary payload bytes, including CR and LF', async () => {
    const payload = Buffer.from([0x0d, 0x0a, 0x00, 0xff, 0x0a]);
    const framed = Buffer.concat([Buffer.from('5\r\n'), payload, Buffer.from('\r\n0\r\n\r\n')]);

    const { body } = await decode([framed]);

    expect(body.equals(payload)).toBe(true);
  });

  it('rejects a body that ends before the final chunk', async () => {
    await expect(decode(['5\r\nhel'])).rejects.toMatchObject({ code: 'IncompleteBody' });
  });

  it('rejects a chunk size that is not hexadecimal', async () => {
    await expect(decode(['zz\r\nhello\r\n0\r\n\r\n'])).rejects.toMatchObject({ code: 'InvalidRequest' });
  });

  it('rejects a chunk longer than its declared size', async () => {
    await expect(decode(['2\r\nhello\r\n0\r\n\r\n'])).rejects.toMatchObject({ code: 'InvalidRequest' });
  });
});
