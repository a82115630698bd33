import { describe, expect, it } from 'vitest';

import { AwsError } from '../../../src/localcloud/errors.js';
import { createLogger } from '../../../src/localcloud/log.js';
import type { QueryParams, QueryService } from '../../../src/localcloud/protocol/query.js';
import {
  readStringList,
  readStringMap,
  readStructureList,
  requiredParam,
  serveQuery,
  toXml,
} from '../../../src/localcloud/protocol/query.js';
import type { LocalRequest } from '../../../src/localcloud/request.js';

function queryRequest(body: string, query = ''): LocalRequest {
  return {
    method: 'POST',
    rawPath: '/',
    query: new URLSearchParams(query),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    hostname: '127.0.0.1',
    service: 'iam',
    region: 'us-east-1',
    accessKeyId: 'AKIAKEYSTAGETEST0001',
    accountId: '000000000000',
    requestId: 'request-1',
    authorize: () => undefined,
    readBody: async () => Buffer.from(body),
    stream: undefined as never,
  };
}

const service: QueryService = {
  version: '2010-05-08',
  xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  logger: createLogger('silent'),
  operations: {
    GetRole: (params) => ({ Role: { RoleName: requiredParam(params, 'RoleName'), CreateDate: new Date(0) } }),
    DeleteRole: () => undefined,
    Fail: () => {
      throw new AwsError('NoSuchEntity', 'The role with name <x> cannot be found.', 404);
    },
    Crash: () => {
      throw new Error('boom');
    },
  },
};

function params(entries: Record<string, string>): QueryParams {
  return new Map(Object.entries(entries));
}

describe('query codec responses', () => {
  it('wraps a result in Response, Result and ResponseMetadata', async () => {
    const response = await serveQuery(service, queryRequest('Action=GetRole&Version=2010-05-08&RoleName=app'));

    expect(response.status).toBe(200);
    expect(String(response.body)).toContain(
      '<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role><RoleName>app</RoleName>' +
        '<CreateDate>1970-01-01T00:00:00.000Z</CreateDate></Role></GetRoleResult>' +
        '<ResponseMetadata><RequestId>request-1</RequestId></ResponseMetadata></GetRoleResponse>',
    );
  });

  it('leaves out the Result element for an operation without output', async () => {
    const response = await serveQuery(service, queryRequest('Action=DeleteRole&Version=2010-05-08'));

    expect(String(response.body)).not.toContain('DeleteRoleResult');
  });

  it('reads parameters from the query string too', async () => {
    const response = await serveQuery(service, queryRequest('', 'Action=GetRole&Version=2010-05-08&RoleName=fromquery'));

    expect(String(response.body)).toContain('<RoleName>fromquery</RoleName>');
  });

  it('writes an AwsError as an ErrorResponse with its status', async () => {
    const response = await serveQuery(service, queryRequest('Action=Fail&Version=2010-05-08'));

    expect(response.status).toBe(404);
    expect(String(response.body)).toContain(
      '<Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name &lt;x&gt; cannot be found.</Message></Error>' +
        '<RequestId>request-1</RequestId></ErrorResponse>',
    );
  });

  it('hides an unexpected error behind InternalFailure', async () => {
    const response = await serveQuery(service, queryRequest('Action=Crash&Version=2010-05-08'));

    expect(response.status).toBe(500);
    expect(String(response.body)).toContain('<Type>Receiver</Type><Code>InternalFailure</Code>');
  });

  it('rejects an unknown action', async () => {
    const response = await serveQuery(service, queryRequest('Action=CreateUser&Version=2010-05-08'));

    expect(String(response.body)).toContain('<Code>InvalidAction</Code>');
  });

  it('rejects another API version', async () => {
    const response = await serveQuery(service, queryRequest('Action=GetRole&Version=2011-06-15&RoleName=a'));

    expect(String(response.body)).toContain('<Code>InvalidAction</Code>');
  });

  it('reports a missing required parameter as ValidationError', async () => {
    const response = await serveQuery(service, queryRequest('Action=GetRole&Version=2010-05-08'));

    expect(String(response.body)).toContain("<Code>ValidationError</Code><Message>1 validation error detected: Value null at 'roleName'");
  });
});

describe('query codec parameters', () => {
  it('reads a flattened list of structures in index order', () => {
    const tags = readStructureList(
      params({ 'Tags.member.2.Key': 'b', 'Tags.member.1.Key': 'a', 'Tags.member.1.Value': '1', 'Tags.member.2.Value': '2' }),
      'Tags',
    );

    expect(tags).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
  });

  it('orders list indexes numerically', () => {
    const entries = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`TagKeys.member.${i + 1}`, `k${i + 1}`]));

    expect(readStringList(params(entries), 'TagKeys').at(-1)).toBe('k11');
  });

  it('reads a flattened map', () => {
    const map = readStringMap(
      params({ 'Attributes.entry.1.key': 'a', 'Attributes.entry.1.value': '1', 'Attributes.entry.2.key': 'b' }),
      'Attributes',
    );

    expect(map).toEqual({ a: '1', b: '' });
  });

  it('reads an empty list when the parameter is absent', () => {
    expect(readStructureList(params({}), 'Tags')).toEqual([]);
  });
});

describe('toXml', () => {
  it('writes arrays as member elements and leaves out undefined members', () => {
    expect(toXml({ Names: ['a', 'b'], Missing: undefined, Truncated: false })).toBe(
      '<Names><member>a</member><member>b</member></Names><Truncated>false</Truncated>',
    );
  });

  it('escapes text', () => {
    expect(toXml({ Document: '{"a":"<&>"}' })).toBe('<Document>{"a":"&lt;&amp;&gt;"}</Document>');
  });
});
