import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';

import type { HttpResponse } from '../../../src/core/service/http.js';
import { createDecryptionHandler } from '../../../src/services/decryption/handler.js';
import { createEncryptionHandler } from '../../../src/services/encryption/handler.js';
import { CONFIG_BUCKET, contextFor, mockConfigs, mockKms, recordingTelemetry } from '../core/fakes.js';

const REST_EVENT = {
  resource: '/encrypt',
  path: '/encrypt',
  httpMethod: 'POST',
  headers: { 'content-type': 'application/json' },
  isBase64Encoded: false,
  requestContext: { stage: 'dev', requestId: 'api-request' },
};

const HTTP_API_EVENT = {
  version: '2.0',
  routeKey: 'POST /encrypt',
  rawPath: '/encrypt',
  headers: { 'content-type': 'application/json' },
  isBase64Encoded: false,
  requestContext: { http: { method: 'POST', path: '/encrypt' }, requestId: 'api-request' },
};

const FUNCTION_URL_EVENT = {
  ...HTTP_API_EVENT,
  routeKey: '$default',
  requestContext: { ...HTTP_API_EVENT.requestContext, domainName: 'abc.lambda-url.us-east-1.on.aws' },
};

function newHandlers() {
  mockConfigs({ dev: { keyId: 'alias/keystage-dev' } });
  const overrides = { s3: new S3Client({ region: 'us-east-1' }), kms: new KMSClient({ region: 'us-east-1' }), configBucket: CONFIG_BUCKET, telemetry: recordingTelemetry().telemetry };
  return { encrypt: createEncryptionHandler(overrides), decrypt: createDecryptionHandler(overrides) };
}

function bodyOf(response: unknown): Record<string, unknown> {
  return JSON.parse((response as HttpResponse).body) as Record<string, unknown>;
}

beforeEach(() => {
  mockKms({ 'alias/keystage-dev': '11111111-1111-1111-1111-111111111111' });
});

describe.each([
  ['API Gateway REST', REST_EVENT],
  ['HTTP API', HTTP_API_EVENT],
  ['function URL', FUNCTION_URL_EVENT],
])('%s events', (_source, baseEvent) => {
  it('returns 200 with a JSON body', async () => {
    const response = (await newHandlers().encrypt({ ...baseEvent, body: JSON.stringify({ data: 'hello' }) }, contextFor('dev'))) as HttpResponse;

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(bodyOf(response)).toMatchObject({ format: 'envelope', stage: 'dev' });
  });

  it('decodes a base64-encoded body', async () => {
    const body = Buffer.from(JSON.stringify({ data: 'hello' })).toString('base64');

    const response = (await newHandlers().encrypt({ ...baseEvent, body, isBase64Encoded: true }, contextFor('dev'))) as HttpResponse;

    expect(response.statusCode).toBe(200);
  });

  it('returns the error status and body', async () => {
    const response = (await newHandlers().encrypt({ ...baseEvent, body: JSON.stringify({ data: 'x'.repeat(5000), format: 'kms' }) }, contextFor('dev'))) as HttpResponse;

    expect(response.statusCode).toBe(413);
    expect(bodyOf(response)).toMatchObject({ status: 413, error: 'PayloadTooLargeError' });
  });

  it('returns 400 for a body that is not JSON', async () => {
    const response = (await newHandlers().encrypt({ ...baseEvent, body: '{data:' }, contextFor('dev'))) as HttpResponse;

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('InvalidInputError');
  });

  it('returns 400 for an empty body', async () => {
    const response = (await newHandlers().encrypt({ ...baseEvent, body: null }, contextFor('dev'))) as HttpResponse;

    expect(response.statusCode).toBe(400);
  });

  it('round-trips through the decryption handler', async () => {
    const { encrypt, decrypt } = newHandlers();
    const encrypted = bodyOf(await encrypt({ ...baseEvent, body: JSON.stringify({ data: 'over http' }) }, contextFor('dev')));

    const response = (await decrypt({ ...baseEvent, body: JSON.stringify({ data: encrypted.data }) }, contextFor('dev'))) as HttpResponse;

    expect(bodyOf(response)).toEqual({ data: 'over http' });
  });
});

describe('HTTP methods', () => {
  it('rejects GET with a 400 naming the method', async () => {
    const response = (await newHandlers().encrypt({ ...REST_EVENT, httpMethod: 'GET', body: null }, contextFor('dev'))) as HttpResponse;

    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response).message)).toContain('GET');
  });
});

describe('HTTP config failures', () => {
  it('returns 503 when the stage has no config', async () => {
    const response = (await newHandlers().encrypt({ ...HTTP_API_EVENT, body: JSON.stringify({ data: 'x' }) }, contextFor('prod'))) as HttpResponse;

    expect(response.statusCode).toBe(503);
    expect(bodyOf(response).error).toBe('ConfigUnavailableError');
  });
});
