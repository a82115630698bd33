import { Agent, request as httpRequest } from 'node:http';
import type { LookupFunction } from 'node:net';

import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

let cloud: TestCloud;
let pathStyle: S3Client;
let virtualHosted: S3Client;
const BUCKET = 'vhost-bucket';
const sentHosts: string[] = [];

/** Resolves every host name to the loopback address, so `<bucket>.localhost` reaches the test cloud. */
const loopbackLookup = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  if (options?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

beforeAll(async () => {
  cloud = await startTestCloud();
  pathStyle = new S3Client(cloud.clientConfig);
  virtualHosted = new S3Client({
    ...cloud.clientConfig,
    endpoint: `http://localhost:${cloud.port}`,
    forcePathStyle: false,
    requestHandler: { httpAgent: new Agent({ lookup: loopbackLookup } as ConstructorParameters<typeof Agent>[0]) },
  });
  virtualHosted.middlewareStack.add(
    (next) => async (args) => {
      sentHosts.push((args.request as { hostname: string }).hostname);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low' },
  );
  await pathStyle.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  pathStyle?.destroy();
  virtualHosted?.destroy();
  await cloud?.stop();
});

function getWithHost(host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port: cloud.port, path, headers: { host } }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('virtual-hosted-style addressing', () => {
  it('writes and reads through <bucket>.localhost with the SDK', async () => {
    await virtualHosted.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/via vhost+1.txt', Body: 'virtual' }));

    const output = await pathStyle.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/via vhost+1.txt' }));
    expect(sentHosts.at(-1)).toBe(`${BUCKET}.localhost`);
    expect(await output.Body!.transformToString()).toBe('virtual');
  });

  it('lists a bucket through <bucket>.localhost with the SDK', async () => {
    const output = await virtualHosted.send(new ListObjectsV2Command({ Bucket: BUCKET }));

    expect(output.Name).toBe(BUCKET);
    expect(output.Contents?.map((item) => item.Key)).toContain('dir/via vhost+1.txt');
  });

  it('reads an object with a <bucket>.s3.localhost Host header', async () => {
    const response = await getWithHost(`${BUCKET}.s3.localhost:${cloud.port}`, '/dir/via%20vhost%2B1.txt');

    expect(response.status).toBe(200);
    expect(response.body).toBe('virtual');
  });

  it('treats an IP address host as path style', async () => {
    const response = await getWithHost(`127.0.0.1:${cloud.port}`, `/${BUCKET}/dir/via%20vhost%2B1.txt`);

    expect(response.body).toBe('virtual');
  });
});
