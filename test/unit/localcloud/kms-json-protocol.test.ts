import { describe, expect, it } from 'vitest';

import { AwsError } from '../../../src/localcloud/errors.js';
import { createLogger } from '../../../src/localcloud/log.js';
import type { JsonService } from '../../../src/localcloud/protocol/json.js';
import {
  optionalBlob,
  optionalStringMap,
  requiredString,
  serveJson,
  validationError,
} from '../../../src/localcloud/protocol/json.js';
import type { LocalRequest } from '../../../src/localcloud/request.js';

function jsonRequest(overrides: { target?: string; body?: string } = {}): LocalRequest {
  const body = Buffer.from(overrides.body ?? '{}');
  return {
    method: 'POST',
    rawPath: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': overrides.target ?? 'TrentService.Echo' },
    hostname: '127.0.0.1',
    service: 'kms',
    region: 'us-east-1',
    accessKeyId: 'AKIAKEYSTAGETEST0001',
    accountId: '000000000000',
    requestId: 'request-1',
    authorize: () => undefined,
    readBody: async () => body,
    stream: undefined as never,
  };
}

const service: JsonService = {
  targetPrefix: 'TrentService',
  logger: createLogger('silent'),
  operations: {
    Echo: (input) => ({ Input: input, When: new Date(1_700_000_000_500), Blob: Buffer.from('hi') }),
    Fail: () => {
      throw new AwsError('NotFoundException', 'Key does not exist');
    },
    Crash: () => {
      throw new Error('boom');
    },
  },
};

async function serve(overrides: { target?: string; body?: string } = {}) {
  const response = await serveJson(service, jsonRequest(overrides));
  return { ...response, json: JSON.parse(String(response.body)) as Record<string, unknown> };
}

describe('json 1.1 codec', () => {
  it('routes by X-Amz-Target and returns JSON 1.1', async () => {
    const response = await serve({ body: '{"KeyId":"k"}' });

    expect(response.status).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/x-amz-json-1.1');
    expect(response.json.Input).toEqual({ KeyId: 'k' });
  });

  it('writes timestamps as epoch seconds', async () => {
    expect((await serve()).json.When).toBe(1_700_000_000.5);
  });

  it('writes blobs as base64', async () => {
    expect((await serve()).json.Blob).toBe('aGk=');
  });

  it('reads an empty body as no input', async () => {
    expect((await serve({ body: '' })).json.Input).toEqual({});
  });

  it('returns an AwsError as __type and message', async () => {
    const response = await serve({ target: 'TrentService.Fail' });

    expect(response.status).toBe(400);
    expect(response.json).toEqual({ __type: 'NotFoundException', message: 'Key does not exist' });
    expect(response.headers?.['x-amzn-errortype']).toBe('NotFoundException');
  });

  it('hides an unexpected error behind InternalFailure', async () => {
    const response = await serve({ target: 'TrentService.Crash' });

    expect(response.status).toBe(500);
    expect(response.json.__type).toBe('InternalFailure');
    expect(String(response.body)).not.toContain('boom');
  });

  it('rejects an unknown operation', async () => {
    expect((await serve({ target: 'TrentService.Nope' })).json.__type).toBe('UnknownOperationException');
  });

  it('rejects another service prefix', async () => {
    expect((await serve({ target: 'Logs_20140328.Echo' })).json.__type).toBe('UnknownOperationException');
  });

  it('rejects a body that is not JSON', async () => {
    expect((await serve({ body: '{not json' })).json.__type).toBe('SerializationException');
  });

  it('rejects a JSON array body', async () => {
    expect((await serve({ body: '[]' })).json.__type).toBe('SerializationException');
  });
});

describe('json member readers', () => {
  it('reports a missing required member as AWS does', () => {
    expect(() => requiredString({}, 'KeyId')).toThrow(
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
  });

  it('rejects a member of the wrong type', () => {
    expect(() => requiredString({ KeyId: 5 }, 'KeyId')).toThrow('The member KeyId must be a string.');
  });

  it('decodes a base64 blob', () => {
    expect(optionalBlob({ Plaintext: 'aGk=' }, 'Plaintext')).toEqual(Buffer.from('hi'));
  });

  it('rejects a blob that is not base64', () => {
    expect(() => optionalBlob({ Plaintext: 'not base64!' }, 'Plaintext')).toThrow(AwsError);
  });

  it('rejects a map with a non-string value', () => {
    expect(() => optionalStringMap({ EncryptionContext: { stage: 1 } }, 'EncryptionContext')).toThrow(AwsError);
  });

  it('words a validation error as AWS does', () => {
    const error = validationError('Plaintext', 'Member must have length less than or equal to 4096');

    expect(error.message).toBe(
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
  });
});
