import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

let cloud: TestCloud;
let s3: S3Client;
const BUCKET = 'integrity-bucket';
const MIB = 1024 * 1024;

beforeAll(async () => {
  cloud = await startTestCloud();
  s3 = new S3Client(cloud.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  s3?.destroy();
  await cloud?.stop();
});

function crc32Base64(data: Buffer): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32(data));
  return bytes.toString('base64');
}

async function getBytes(key: string): Promise<Buffer> {
  const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await output.Body!.transformToByteArray());
}

/** Sends a raw request to the cloud, for framings that the SDK does not produce on demand. */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(cloud.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString() }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Writes raw bytes to the cloud and returns everything it sends back before closing. */
function rawSocketExchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(cloud.port, '127.0.0.1', () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}

const SIGNED_HEADERS = { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0' };

describe('flexible checksums with SDK defaults', () => {
  it('stores a streamed body sent as aws-chunked with a trailing CRC32', async () => {
    const body = randomBytes(100_000);
    const sent: Record<string, string>[] = [];
    const client = new S3Client(cloud.clientConfig);
    client.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );

    const stream = Readable.from([body.subarray(0, 40_000), body.subarray(40_000)]);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'stream.bin', Body: stream, ContentLength: body.length }));
    client.destroy();

    expect(sent[0]?.['content-encoding']).toContain('aws-chunked');
    expect(sent[0]?.['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    expect((await getBytes('stream.bin')).equals(body)).toBe(true);
  });

  it('returns the stored CRC32 when checksum mode is enabled', async () => {
    const body = Buffer.from('checksummed body');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'crc32.txt', Body: body }));

    const output = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'crc32.txt', ChecksumMode: 'ENABLED' }));

    expect(output.ChecksumCRC32).toBe(crc32Base64(body));
    expect(output.ChecksumType).toBe('FULL_OBJECT');
  });

  it('passes the SDK response checksum validation on GetObject', async () => {
    const body = randomBytes(5000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'validated.bin', Body: body }));

    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'validated.bin', ChecksumMode: 'ENABLED' }));

    expect(Buffer.from(await output.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it.each(['CRC32C', 'SHA1', 'SHA256'] as const)('stores and returns a %s checksum', async (algorithm) => {
    const body = Buffer.from(`body for ${algorithm}`);

    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `algo-${algorithm}`, Body: body, ChecksumAlgorithm: algorithm }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `algo-${algorithm}`, ChecksumMode: 'ENABLED' }));

    const member = `Checksum${algorithm}` as const;
    expect(put[member]).toBeTruthy();
    expect(head[member]).toBe(put[member]);
  });

  it('returns the SHA256 of the body for SHA256', async () => {
    const body = Buffer.from('sha body');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sha.txt', Body: body, ChecksumAlgorithm: 'SHA256' }));

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'sha.txt', ChecksumMode: 'ENABLED' }));

    expect(head.ChecksumSHA256).toBe(createHash('sha256').update(body).digest('base64'));
  });

  it('rejects a wrong checksum with BadDigest and stores nothing', async () => {
    const error = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad-crc.txt', Body: 'data', ChecksumCRC32: 'AAAAAA==' }));

    await expect(error).rejects.toMatchObject({ name: 'BadDigest' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'bad-crc.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('omits the checksum from a range read', async () => {
    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'crc32.txt', Range: 'bytes=0-3', ChecksumMode: 'ENABLED' }));

    expect(output.ChecksumCRC32).toBeUndefined();
    expect(await output.Body!.transformToString()).toBe('chec');
  });
});

describe('unsupported checksums', () => {
  it('rejects a CRC64NVME checksum header with InvalidRequest', async () => {
    const response = await rawRequest('PUT', `/${BUCKET}/crc64.txt`, { ...SIGNED_HEADERS, 'content-length': '4', 'x-amz-checksum-crc64nvme': 'AAAAAAAAAAA=' }, Buffer.from('data'));

    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>InvalidRequest</Code>');
  });
});

describe('Content-MD5', () => {
  it('accepts the MD5 of the body', async () => {
    const md5 = createHash('md5').update('md5 body').digest('base64');

    await expect(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'md5.txt', Body: 'md5 body', ContentMD5: md5 }))).resolves.toBeDefined();
  });

  it('rejects another MD5 with BadDigest', async () => {
    const md5 = createHash('md5').update('other').digest('base64');

    await expect(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'md5.txt', Body: 'md5 body', ContentMD5: md5 }))).rejects.toMatchObject({
      name: 'BadDigest',
    });
  });

  it('rejects a malformed value with InvalidDigest', async () => {
    await expect(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'md5.txt', Body: 'md5 body', ContentMD5: 'xyz' }))).rejects.toMatchObject({
      name: 'InvalidDigest',
    });
  });
});

describe('aws-chunked framings', () => {
  const payload = Buffer.from('hello chunked world');

  function frame(signature: string | undefined, trailer: string | undefined): Buffer {
    const extension = signature ? `;chunk-signature=${signature}` : '';
    const head = `${payload.length.toString(16)}${extension}\r\n`;
    const tail = `\r\n0${extension}\r\n${trailer ? `${trailer}\r\n` : ''}\r\n`;
    return Buffer.concat([Buffer.from(head), payload, Buffer.from(tail)]);
  }

  it('stores exactly the decoded bytes of a signed streaming body', async () => {
    const body = frame('a'.repeat(64), undefined);

    const response = await rawRequest('PUT', `/${BUCKET}/signed.txt`, {
      ...SIGNED_HEADERS,
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'x-amz-decoded-content-length': String(payload.length),
      'content-length': String(body.length),
    }, body);

    expect(response.status).toBe(200);
    expect((await getBytes('signed.txt')).equals(payload)).toBe(true);
  });

  it('verifies a trailing checksum of a signed streaming body', async () => {
    const body = frame('b'.repeat(64), `x-amz-checksum-crc32:${crc32Base64(payload)}\r\nx-amz-trailer-signature:${'c'.repeat(64)}`);

    const response = await rawRequest('PUT', `/${BUCKET}/signed-trailer.txt`, {
      ...SIGNED_HEADERS,
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'x-amz-decoded-content-length': String(payload.length),
      'content-length': String(body.length),
    }, body);

    expect(response.status).toBe(200);
    expect(response.headers['x-amz-checksum-crc32']).toBe(crc32Base64(payload));
  });

  it('rejects a wrong trailing checksum with BadDigest', async () => {
    const body = frame(undefined, 'x-amz-checksum-crc32:AAAAAA==');

    const response = await rawRequest('PUT', `/${BUCKET}/bad-trailer.txt`, {
      ...SIGNED_HEADERS,
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'x-amz-decoded-content-length': String(payload.length),
      'content-length': String(body.length),
    }, body);

    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>BadDigest</Code>');
  });

  it('rejects a decoded length that differs from the header with IncompleteBody', async () => {
    const body = frame(undefined, undefined);

    const response = await rawRequest('PUT', `/${BUCKET}/short.txt`, {
      ...SIGNED_HEADERS,
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(payload.length + 5),
      'content-length': String(body.length),
    }, body);

    expect(response.body).toContain('<Code>IncompleteBody</Code>');
  });

  it('keeps other content encodings and drops aws-chunked', async () => {
    const body = frame(undefined, undefined);
    await rawRequest('PUT', `/${BUCKET}/gzip-label.txt`, {
      ...SIGNED_HEADERS,
      'content-encoding': 'aws-chunked,gzip',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(payload.length),
      'content-length': String(body.length),
    }, body);

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'gzip-label.txt' }));

    expect(head.ContentEncoding).toBe('gzip');
  });
});

describe('body limits', () => {
  it('rejects a PutObject over 5 GiB with EntityTooLarge before reading it', async () => {
    const response = await rawRequest('PUT', `/${BUCKET}/huge.bin`, { ...SIGNED_HEADERS, 'content-length': String(5 * 1024 ** 3 + 1) });

    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>EntityTooLarge</Code>');
  });
});

describe('multipart upload', () => {
  const partOne = randomBytes(5 * MIB);
  const partTwo = randomBytes(1234);

  async function uploadTwoParts(key: string, extra: Partial<ConstructorParameters<typeof CreateMultipartUploadCommand>[0]> = {}) {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, Metadata: { description: 'multi' }, ...extra }));
    const uploadId = created.UploadId!;
    const first = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 1, Body: partOne, ChecksumAlgorithm: extra.ChecksumAlgorithm }));
    const second = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 2, Body: partTwo, ChecksumAlgorithm: extra.ChecksumAlgorithm }));
    return { uploadId, parts: [{ PartNumber: 1, ...first }, { PartNumber: 2, ...second }] };
  }

  it('joins the parts and returns the multipart ETag', async () => {
    const { uploadId, parts } = await uploadTwoParts('multi.bin');

    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multi.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.PartNumber, ETag: part.ETag })) },
      }),
    );

    const md5s = Buffer.concat([partOne, partTwo].map((part) => createHash('md5').update(part).digest()));
    expect(completed.ETag).toBe(`"${createHash('md5').update(md5s).digest('hex')}-2"`);
    expect((await getBytes('multi.bin')).equals(Buffer.concat([partOne, partTwo]))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'multi.bin' }));
    expect(head.Metadata).toEqual({ description: 'multi' });
  });

  it('reports a composite CRC32 checksum with the part count', async () => {
    const { uploadId, parts } = await uploadTwoParts('multi-crc.bin', { ChecksumAlgorithm: 'CRC32' });

    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multi-crc.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.PartNumber, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 })) },
      }),
    );

    const joined = Buffer.concat([partOne, partTwo].map((part) => Buffer.from(crc32Base64(part), 'base64')));
    expect(completed.ChecksumCRC32).toBe(`${crc32Base64(joined)}-2`);
    expect(completed.ChecksumType).toBe('COMPOSITE');
    expect((await getBytes('multi-crc.bin')).length).toBe(partOne.length + partTwo.length);
  });

  it('reports a full-object CRC32 when requested', async () => {
    const { uploadId, parts } = await uploadTwoParts('multi-full.bin', { ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' });

    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multi-full.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.PartNumber, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 })) },
      }),
    );

    expect(completed.ChecksumCRC32).toBe(crc32Base64(Buffer.concat([partOne, partTwo])));
  });

  it('lists uploaded parts', async () => {
    const { uploadId } = await uploadTwoParts('listed.bin');

    const output = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'listed.bin', UploadId: uploadId }));

    expect(output.Parts?.map((part) => [part.PartNumber, part.Size])).toEqual([
      [1, partOne.length],
      [2, partTwo.length],
    ]);
  });

  it('rejects parts listed out of order with InvalidPartOrder', async () => {
    const { uploadId, parts } = await uploadTwoParts('order.bin');

    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'order.bin',
          UploadId: uploadId,
          MultipartUpload: { Parts: [...parts].reverse().map((part) => ({ PartNumber: part.PartNumber, ETag: part.ETag })) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder' });
  });

  it('rejects a wrong part ETag with InvalidPart', async () => {
    const { uploadId } = await uploadTwoParts('wrong-etag.bin');

    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'wrong-etag.bin', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0"' }] } }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidPart' });
  });

  it('rejects a small part that is not the last with EntityTooSmall', async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'small.bin' }));
    const first = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'small.bin', UploadId: created.UploadId, PartNumber: 1, Body: 'tiny' }));
    const second = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'small.bin', UploadId: created.UploadId, PartNumber: 2, Body: 'tiny' }));

    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'small.bin',
          UploadId: created.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.ETag }, { PartNumber: 2, ETag: second.ETag }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'EntityTooSmall' });
  });

  it('rejects completion with If-None-Match: * when the key exists', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'exists.bin', Body: 'x' }));
    const { uploadId, parts } = await uploadTwoParts('exists.bin');

    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'exists.bin',
          UploadId: uploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.PartNumber, ETag: part.ETag })) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'PreconditionFailed' });
  });

  it('builds parts from byte ranges of another object', async () => {
    const source = Buffer.concat([partOne, partTwo]);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy-source.bin', Body: source }));
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'copy-target.bin' }));
    const ranges = [`bytes=0-${partOne.length - 1}`, `bytes=${partOne.length}-${source.length - 1}`];

    const copied = [];
    for (const [index, range] of ranges.entries()) {
      const output = await s3.send(
        new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'copy-target.bin', UploadId: created.UploadId, PartNumber: index + 1, CopySource: `${BUCKET}/copy-source.bin`, CopySourceRange: range }),
      );
      copied.push({ PartNumber: index + 1, ETag: output.CopyPartResult!.ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'copy-target.bin', UploadId: created.UploadId, MultipartUpload: { Parts: copied } }));

    expect(copied[0]?.ETag).toBe(`"${createHash('md5').update(partOne).digest('hex')}"`);
    expect((await getBytes('copy-target.bin')).equals(source)).toBe(true);
  });

  it('rejects a copy range past the source with InvalidArgument', async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'copy-bad-range.bin' }));

    await expect(
      s3.send(
        new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'copy-bad-range.bin', UploadId: created.UploadId, PartNumber: 1, CopySource: `${BUCKET}/copy-source.bin`, CopySourceRange: 'bytes=0-99999999' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  it('lists unfinished uploads by key', async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'pending/one.bin' }));

    const output = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'pending/' }));

    expect(output.Uploads?.map((upload) => [upload.Key, upload.UploadId])).toEqual([['pending/one.bin', created.UploadId]]);
  });

  it('rejects completion with If-Match of another ETag', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'guarded.bin', Body: 'x' }));
    const { uploadId, parts } = await uploadTwoParts('guarded.bin');

    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'guarded.bin',
          UploadId: uploadId,
          IfMatch: '"00000000000000000000000000000000"',
          MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.PartNumber, ETag: part.ETag })) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'PreconditionFailed' });
  });

  it('forgets an aborted upload', async () => {
    const { uploadId } = await uploadTwoParts('aborted.bin');

    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'aborted.bin', UploadId: uploadId }));

    await expect(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'aborted.bin', UploadId: uploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });
});

describe('request framing', () => {
  it('rejects a PutObject without Content-Length with MissingContentLength', async () => {
    const head = [`PUT /${BUCKET}/unframed.txt HTTP/1.1`, `Host: 127.0.0.1:${cloud.port}`, `Authorization: ${SIGNED_HEADERS.authorization}`, 'Connection: close'];

    const response = await rawSocketExchange(`${head.join('\r\n')}\r\n\r\n`);

    expect(response).toMatch(/^HTTP\/1.1 411 /);
    expect(response).toContain('<Code>MissingContentLength</Code>');
  });

  it('closes the connection after rejecting an unread body', async () => {
    const response = await rawRequest('PUT', `/${BUCKET}/too-large.bin`, { ...SIGNED_HEADERS, 'content-length': String(5 * 1024 ** 3 + 1) });

    expect(response.headers.connection).toBe('close');
  });
});
