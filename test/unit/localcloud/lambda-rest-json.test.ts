import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';

import { describe, expect, it } from 'vitest';

import { AwsError } from '../../../src/localcloud/errors.js';
import { createLogger } from '../../../src/localcloud/log.js';
import { matchRoute, member, readJsonObject, restJsonErrorResponse, serveRestJson } from '../../../src/localcloud/protocol/rest-json.js';
import type { RestJsonRoute } from '../../../src/localcloud/protocol/rest-json.js';
import type { LocalRequest } from '../../../src/localcloud/request.js';

/** A request as the server would route it, with `body` as what the client sent. */
function request(method: string, rawPath: string, body = '', overrides: Partial<LocalRequest> = {}): LocalRequest {
  const bytes = Buffer.from(body);
  return {
    method,
    rawPath,
    query: new URLSearchParams(),
    headers: {},
    hostname: '127.0.0.1',
    service: 'lambda',
    region: 'us-east-1',
    accessKeyId: 'AKIA',
    accountId: '000000000000',
    requestId: 'req-1',
    authorize: () => undefined,
    readBody: async (maxBytes, onTooLarge) => {
      if (bytes.length > maxBytes) throw onTooLarge();
      return bytes;
    },
    stream: Readable.from([]) as unknown as IncomingMessage,
    ...overrides,
  };
}

const ROUTES: RestJsonRoute[] = [
  { operation: 'GetAlias', method: 'GET', path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}', status: 200, handle: (input) => ({ body: input.path }) },
  { operation: 'ListAliases', method: 'GET', path: '/2015-03-31/functions/{FunctionName}/aliases', status: 200, handle: () => ({ body: { Aliases: [] } }) },
  { operation: 'DeleteAlias', method: 'DELETE', path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}', status: 204, handle: () => ({}) },
  {
    operation: 'Invoke',
    method: 'POST',
    path: '/2015-03-31/functions/{FunctionName}/invocations',
    status: 200,
    handle: () => ({ headers: { 'x-amz-executed-version': '$LATEST' }, body: Buffer.from('"raw"') }),
  },
  {
    operation: 'Fails',
    method: 'POST',
    path: '/fail/{Kind}',
    status: 200,
    handle: (input) => {
      if (input.path.Kind === 'aws') throw new AwsError('ResourceConflictException', 'busy', 409);
      throw new Error('bug');
    },
  },
];

const SERVICE = { routes: ROUTES, logger: createLogger('silent'), capitalizedMessageCodes: new Set(['ResourceNotFoundException']) };

describe('matchRoute', () => {
  it('decodes percent-encoded path members', () => {
    const match = matchRoute(ROUTES, 'GET', '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn/aliases/live');
    expect(match?.route.operation).toBe('GetAlias');
    expect(match?.path).toEqual({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:fn', Name: 'live' });
  });

  it('tells routes apart by method', () => {
    expect(matchRoute(ROUTES, 'DELETE', '/2015-03-31/functions/fn/aliases/live')?.route.operation).toBe('DeleteAlias');
  });

  it('accepts a trailing slash', () => {
    expect(matchRoute(ROUTES, 'GET', '/2015-03-31/functions/fn/aliases/')?.route.operation).toBe('ListAliases');
  });

  it('does not let a member span segments', () => {
    expect(matchRoute(ROUTES, 'GET', '/2015-03-31/functions/a/b/aliases/live')).toBeUndefined();
  });
});

describe('serveRestJson', () => {
  it('serializes a JSON result with the route status', async () => {
    const response = await serveRestJson(SERVICE, request('GET', '/2015-03-31/functions/fn/aliases/live'));
    expect(response.status).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(String(response.body))).toEqual({ FunctionName: 'fn', Name: 'live' });
  });

  it('returns raw bytes and handler headers unchanged', async () => {
    const response = await serveRestJson(SERVICE, request('POST', '/2015-03-31/functions/fn/invocations'));
    expect(response.headers?.['x-amz-executed-version']).toBe('$LATEST');
    expect(response.body).toEqual(Buffer.from('"raw"'));
  });

  it('sends no body for an empty result', async () => {
    const response = await serveRestJson(SERVICE, request('DELETE', '/2015-03-31/functions/fn/aliases/live'));
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
  });

  it('serializes an AwsError with its code header and status', async () => {
    const response = await serveRestJson(SERVICE, request('POST', '/fail/aws'));
    expect(response.status).toBe(409);
    expect(response.headers?.['x-amzn-errortype']).toBe('ResourceConflictException');
    expect(JSON.parse(String(response.body))).toEqual({ Type: 'User', message: 'busy' });
  });

  it('turns an unexpected failure into ServiceException 500', async () => {
    const response = await serveRestJson(SERVICE, request('POST', '/fail/bug'));
    expect(response.status).toBe(500);
    expect(response.headers?.['x-amzn-errortype']).toBe('ServiceException');
    expect(JSON.parse(String(response.body)).Type).toBe('Service');
  });

  it('answers an unknown path with UnknownOperationException', async () => {
    const response = await serveRestJson(SERVICE, request('GET', '/2015-03-31/nothing-here'));
    expect(response.status).toBe(404);
    expect(response.headers?.['x-amzn-errortype']).toBe('UnknownOperationException');
  });
});

describe('restJsonErrorResponse', () => {
  it('spells the message member as the model does', () => {
    const response = restJsonErrorResponse(new AwsError('ResourceNotFoundException', 'Function not found', 404), 'id', new Set(['ResourceNotFoundException']));
    expect(JSON.parse(String(response.body))).toEqual({ Type: 'User', Message: 'Function not found' });
  });

  it('adds the extra members of the error', () => {
    const error = new AwsError('TooManyRequestsException', 'Rate Exceeded.', 429, { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    expect(JSON.parse(String(restJsonErrorResponse(error, 'id').body))).toEqual({
      Type: 'User',
      message: 'Rate Exceeded.',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
  });
});

describe('readJsonObject', () => {
  const tooLarge = (): Error => new AwsError('RequestTooLargeException', 'too large', 413);

  it('reads an empty body as an empty object', async () => {
    expect(await readJsonObject(request('POST', '/', ''), 10, tooLarge)).toEqual({});
  });

  it('rejects a body that is not JSON', async () => {
    await expect(readJsonObject(request('POST', '/', '{nope'), 100, tooLarge)).rejects.toMatchObject({ code: 'InvalidRequestContentException' });
  });

  it('rejects a JSON array', async () => {
    await expect(readJsonObject(request('POST', '/', '[1]'), 100, tooLarge)).rejects.toMatchObject({ code: 'InvalidRequestContentException' });
  });

  it('rejects a body over the limit with the caller error', async () => {
    await expect(readJsonObject(request('POST', '/', '{"a":"long"}'), 5, tooLarge)).rejects.toMatchObject({ code: 'RequestTooLargeException' });
  });
});

describe('member readers', () => {
  it('names the member and the expected type on a wrong type', () => {
    expect(() => member.integer({ Timeout: '3' }, 'Timeout')).toThrow('The value 3 of Timeout is invalid: expected an integer.');
  });

  it('decodes a base64 blob', () => {
    expect(member.blob({ ZipFile: Buffer.from('zip').toString('base64') }, 'ZipFile')).toEqual(Buffer.from('zip'));
  });

  it('rejects a blob that is not base64', () => {
    expect(() => member.blob({ ZipFile: 'not base64!' }, 'ZipFile')).toThrow(/base64/);
  });

  it('rejects a missing required member', () => {
    expect(() => member.requiredString({}, 'FunctionName')).toThrow(/FunctionName/);
  });
});
