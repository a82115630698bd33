import { Readable } from 'node:stream';

import { EncryptCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';

import { createKmsClient, createS3Client, KMS_MAX_ATTEMPTS, S3_MAX_ATTEMPTS } from '../../../../src/core/aws/clients.js';
import { translateKmsError } from '../../../../src/core/aws/translate.js';
import { ConfigCache, REVALIDATION_TIMEOUT_MS } from '../../../../src/core/config/cache.js';
import { ConfigUnavailableError, KmsThrottledError } from '../../../../src/core/errors.js';

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

interface FakeReply {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/** An HTTP handler that replays `replies` in order (the last one repeats) and counts requests. */
function scriptedHandler(replies: FakeReply[]) {
  let requests = 0;
  const handler = {
    handle: async () => {
      const reply = replies[Math.min(requests, replies.length - 1)] as FakeReply;
      requests += 1;
      return { response: { statusCode: reply.statusCode, headers: reply.headers ?? {}, body: Readable.from([Buffer.from(reply.body ?? '')]) } };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return { handler, requests: () => requests };
}

const KMS_THROTTLED: FakeReply = {
  statusCode: 400,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' },
  body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
};
const KMS_INTERNAL: FakeReply = {
  statusCode: 500,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: JSON.stringify({ __type: 'KMSInternalException', message: 'internal' }),
};
const KMS_ENCRYPTED: FakeReply = {
  statusCode: 200,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: JSON.stringify({ CiphertextBlob: Buffer.from('blob').toString('base64'), KeyId: 'arn:aws:kms:us-east-1:000000000000:key/k', EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }),
};
const S3_SLOW_DOWN: FakeReply = {
  statusCode: 503,
  headers: { 'content-type': 'application/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
};
const S3_CONFIG: FakeReply = {
  statusCode: 200,
  headers: { 'content-type': 'application/json', etag: '"v1"' },
  body: JSON.stringify({ keyId: 'alias/keystage-dev' }),
};

function kmsWith(replies: FakeReply[]) {
  const scripted = scriptedHandler(replies);
  const client = createKmsClient({ region: 'us-east-1', credentials: CREDENTIALS, endpoint: 'http://127.0.0.1:1', requestHandler: scripted.handler as never });
  return { client, requests: scripted.requests };
}

function s3With(replies: FakeReply[]) {
  const scripted = scriptedHandler(replies);
  const client = createS3Client({ region: 'us-east-1', credentials: CREDENTIALS, endpoint: 'http://127.0.0.1:1', forcePathStyle: true, requestHandler: scripted.handler as never });
  return { client, requests: scripted.requests };
}

describe('KMS client retries', () => {
  it('retries throttling until it succeeds', async () => {
    const { client, requests } = kmsWith([KMS_THROTTLED, KMS_THROTTLED, KMS_ENCRYPTED]);

    const response = await client.send(new EncryptCommand({ KeyId: 'alias/keystage-dev', Plaintext: Buffer.from('x') }));

    expect(response.KeyId).toContain(':key/k');
    expect(requests()).toBe(3);
  });

  it('retries a 5xx until it succeeds', async () => {
    const { client, requests } = kmsWith([KMS_INTERNAL, KMS_ENCRYPTED]);

    await client.send(new EncryptCommand({ KeyId: 'alias/keystage-dev', Plaintext: Buffer.from('x') }));

    expect(requests()).toBe(2);
  });

  it('gives up after its max attempts with a typed error', async () => {
    const { client, requests } = kmsWith([KMS_THROTTLED]);

    const error = await client.send(new EncryptCommand({ KeyId: 'alias/keystage-dev', Plaintext: Buffer.from('x') })).catch((caught: unknown) => caught);
    const translated = translateKmsError(error, { operation: 'Encrypt', keyId: 'alias/keystage-dev' });

    expect(requests()).toBe(KMS_MAX_ATTEMPTS);
    expect(translated).toBeInstanceOf(KmsThrottledError);
    expect(translated.message).toContain(`${KMS_MAX_ATTEMPTS} attempts`);
  });
});

/** An HTTP handler that responds to the first request with `first` and leaves later ones hanging until aborted. */
function hangingAfterFirst(first: FakeReply) {
  let requests = 0;
  const handler = {
    handle: async (_request: unknown, options?: { abortSignal?: AbortSignal }) => {
      requests += 1;
      if (requests === 1) return { response: { statusCode: first.statusCode, headers: first.headers ?? {}, body: Readable.from([Buffer.from(first.body ?? '')]) } };
      return new Promise((_resolve, reject) => options?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }))));
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return handler;
}

describe('S3 client retries', () => {
  it('retries SlowDown until the config arrives', async () => {
    const { client, requests } = s3With([S3_SLOW_DOWN, S3_SLOW_DOWN, S3_CONFIG]);

    const lookup = await new ConfigCache({ s3: client, bucket: 'config' }).get('dev');

    expect(lookup.snapshot.config.keyId).toBe('alias/keystage-dev');
    expect(requests()).toBe(3);
  });

  it('serves the last good config when a revalidation hangs', async () => {
    const handler = hangingAfterFirst(S3_CONFIG);
    const client = createS3Client({ region: 'us-east-1', credentials: CREDENTIALS, endpoint: 'http://127.0.0.1:1', forcePathStyle: true, requestHandler: handler as never });
    let nowMs = Date.now();
    const cache = new ConfigCache({ s3: client, bucket: 'config', now: () => nowMs });
    await cache.get('dev');
    nowMs += 61_000;

    const started = performance.now();
    const lookup = await cache.get('dev');

    expect(lookup.source).toBe('stale');
    expect(performance.now() - started).toBeLessThan(REVALIDATION_TIMEOUT_MS + 1_000);
  });

  it('gives up after its max attempts with ConfigUnavailableError', async () => {
    const { client, requests } = s3With([S3_SLOW_DOWN]);

    const error = await new ConfigCache({ s3: client, bucket: 'config' }).get('dev').catch((caught: unknown) => caught);

    expect(requests()).toBe(S3_MAX_ATTEMPTS);
    expect(error).toBeInstanceOf(ConfigUnavailableError);
    expect((error as Error).message).toContain('SlowDown');
  });
});
