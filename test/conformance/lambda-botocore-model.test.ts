import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadServiceModel } from '../support/botocore.js';
import type { ServiceModel } from '../support/botocore.js';
import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { zipOf } from '../integration/lambda-fixtures.js';

/*
 * Every operation of the Lambda and CloudWatch Logs providers is called over raw HTTP and
 * checked against botocore's models. The success status is the operation's `responseCode`.
 * Every body member and `x-amz-*` header exists in the output shape. Every error code is one
 * the operation may return, with the error shape's status and message member.
 */

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

interface Check {
  service: 'lambda' | 'logs';
  operation: string;
  answer: Answer;
}

const ROLE = 'arn:aws:iam::000000000000:role/model-check';
const ZIP = Buffer.from(zipOf({ 'index.js': 'exports.handler = async (event) => { if (event.fail) throw new Error("no"); return { ok: true }; };' }));

let cloud: TestCloud;
const checks: Check[] = [];
const errorChecks: Check[] = [];

/** Sends one request with a SigV4-shaped Authorization header, which routes it by service. */
async function send(service: 'lambda' | 'logs', method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = {
    authorization: `AWS4-HMAC-SHA256 Credential=AKIAMODELCHECK/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    ...options.headers,
  };
  let body: string | Buffer | undefined;
  if (Buffer.isBuffer(options.body)) body = options.body;
  else if (options.body !== undefined) body = JSON.stringify(options.body);

  const response = await fetch(`${cloud.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

async function lambda(operation: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const answer = await send('lambda', method, path, options);
  (answer.status < 300 ? checks : errorChecks).push({ service: 'lambda', operation, answer });
  return answer;
}

async function logs(operation: string, body: unknown): Promise<Answer> {
  const answer = await send('logs', 'POST', '/', {
    body,
    headers: { 'x-amz-target': `Logs_20140328.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
  });
  (answer.status < 300 ? checks : errorChecks).push({ service: 'logs', operation, answer });
  return answer;
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 120));
}

/** Lists the body members that the model does not define, recursing into nested shapes. */
function unknownMembers(model: ServiceModel, shapeName: string, value: unknown, path: string): string[] {
  const shape = model.shapes[shapeName] as ServiceModel['shapes'][string] & { key?: { shape: string }; value?: { shape: string } };
  if (value === undefined || value === null || !shape) return [];

  if (shape.type === 'structure' && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
      const member = shape.members?.[key];
      if (!member || member.location) return [`${path}.${key}`];
      return unknownMembers(model, member.shape, child, `${path}.${key}`);
    });
  }
  if (shape.type === 'list' && Array.isArray(value)) {
    return value.flatMap((item, index) => unknownMembers(model, shape.member!.shape, item, `${path}[${index}]`));
  }
  if (shape.type === 'map' && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => unknownMembers(model, shape.value!.shape, child, `${path}.${key}`));
  }
  return [];
}

beforeAll(async () => {
  cloud = await startTestCloud({ lambda: { settleMs: 50, maxConcurrencyPerFunction: 1 } });
  const zipFile = ZIP.toString('base64');
  const create = { FunctionName: 'model', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zipFile }, Tags: { a: 'b' } };

  await lambda('CreateFunction', 'POST', '/2015-03-31/functions', { body: create });
  await settle();
  await lambda('GetFunction', 'GET', '/2015-03-31/functions/model');
  await lambda('GetFunctionConfiguration', 'GET', '/2015-03-31/functions/model/configuration');
  await lambda('ListFunctions', 'GET', '/2015-03-31/functions/');
  await lambda('UpdateFunctionConfiguration', 'PUT', '/2015-03-31/functions/model/configuration', { body: { Timeout: 5 } });
  await lambda('UpdateFunctionConfiguration', 'PUT', '/2015-03-31/functions/model/configuration', { body: { Timeout: 6 } });
  await settle();
  await lambda('UpdateFunctionCode', 'PUT', '/2015-03-31/functions/model/code', { body: { ZipFile: zipFile } });
  await lambda('PublishVersion', 'POST', '/2015-03-31/functions/model/versions', { body: {} });
  await settle();
  await lambda('PublishVersion', 'POST', '/2015-03-31/functions/model/versions', { body: { Description: 'one' } });
  await lambda('PublishVersion', 'POST', '/2015-03-31/functions/model/versions', { body: { CodeSha256: 'AAAA' } });
  await lambda('UpdateFunctionConfiguration', 'PUT', '/2015-03-31/functions/model/configuration', { body: { Timeout: 7, RevisionId: 'stale' } });
  await lambda('ListVersionsByFunction', 'GET', '/2015-03-31/functions/model/versions');
  await lambda('ListVersionsByFunction', 'GET', '/2015-03-31/functions/absent/versions');
  await lambda('CreateAlias', 'POST', '/2015-03-31/functions/model/aliases', { body: { Name: 'dev', FunctionVersion: '1' } });
  await lambda('CreateAlias', 'POST', '/2015-03-31/functions/model/aliases', { body: { Name: 'dev', FunctionVersion: '1' } });
  await lambda('GetAlias', 'GET', '/2015-03-31/functions/model/aliases/dev');
  await lambda('GetAlias', 'GET', '/2015-03-31/functions/model/aliases/absent');
  await lambda('UpdateAlias', 'PUT', '/2015-03-31/functions/model/aliases/dev', { body: { Description: 'x' } });
  await lambda('UpdateAlias', 'PUT', '/2015-03-31/functions/model/aliases/dev', { body: { RevisionId: 'stale' } });
  await lambda('ListAliases', 'GET', '/2015-03-31/functions/model/aliases');
  await lambda('DeleteFunction', 'DELETE', '/2015-03-31/functions/model?Qualifier=1');
  await lambda('AddPermission', 'POST', '/2015-03-31/functions/model/policy', {
    body: { StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' },
  });
  await lambda('AddPermission', 'POST', '/2015-03-31/functions/model/policy', { body: { StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: '*' } });
  await lambda('GetPolicy', 'GET', '/2015-03-31/functions/model/policy');
  await lambda('RemovePermission', 'DELETE', '/2015-03-31/functions/model/policy/s3');
  await lambda('RemovePermission', 'DELETE', '/2015-03-31/functions/model/policy/s3');
  await lambda('GetPolicy', 'GET', '/2015-03-31/functions/model/policy');
  await lambda('TagResource', 'POST', `/2017-03-31/tags/${encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:model')}`, { body: { Tags: { c: 'd' } } });
  await lambda('ListTags', 'GET', `/2017-03-31/tags/${encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:model')}`);
  await lambda('UntagResource', 'DELETE', `/2017-03-31/tags/${encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:model')}?tagKeys=c`);
  await lambda('Invoke', 'POST', '/2015-03-31/functions/model/invocations', { body: {}, headers: { 'x-amz-log-type': 'Tail' } });
  await lambda('Invoke', 'POST', '/2015-03-31/functions/model/invocations', { body: { fail: true } });
  await lambda('Invoke', 'POST', '/2015-03-31/functions/model/invocations', { body: Buffer.from('not json') });
  await lambda('Invoke', 'POST', '/2015-03-31/functions/model/invocations', { body: Buffer.alloc(6_291_457, 0x20) });
  await lambda('Invoke', 'POST', '/2015-03-31/functions/model/invocations', { body: {}, headers: { 'x-amz-invocation-type': 'Event' } });
  await lambda('Invoke', 'POST', '/2015-03-31/functions/model/invocations', { body: {}, headers: { 'x-amz-invocation-type': 'DryRun' } });
  await lambda('Invoke', 'POST', '/2015-03-31/functions/absent/invocations', { body: {} });
  await lambda('InvokeAsync', 'POST', '/2014-11-13/functions/model/invoke-async/', { body: {} });
  await lambda('CreateFunction', 'POST', '/2015-03-31/functions', { body: { ...create, FunctionName: 'corrupt', Code: { ZipFile: 'AAAA' } } });
  await lambda('CreateFunction', 'POST', '/2015-03-31/functions', { body: create });
  await lambda('DeleteAlias', 'DELETE', '/2015-03-31/functions/model/aliases/dev');
  await lambda('DeleteFunction', 'DELETE', '/2015-03-31/functions/model');
  await lambda('GetFunction', 'GET', '/2015-03-31/functions/model');

  await logs('CreateLogGroup', { logGroupName: 'model' });
  await logs('CreateLogGroup', { logGroupName: 'model' });
  await logs('CreateLogStream', { logGroupName: 'model', logStreamName: 's' });
  await logs('PutLogEvents', { logGroupName: 'model', logStreamName: 's', logEvents: [{ timestamp: 1, message: 'm' }] });
  await logs('DescribeLogGroups', {});
  await logs('DescribeLogStreams', { logGroupName: 'model' });
  await logs('GetLogEvents', { logGroupName: 'model', logStreamName: 's' });
  await logs('FilterLogEvents', { logGroupName: 'model', filterPattern: 'm' });
  await logs('FilterLogEvents', { logGroupName: 'absent' });
  await logs('DeleteLogGroup', { logGroupName: 'model' });
}, 120_000);

afterAll(async () => {
  await cloud?.stop();
});

describe('responses against the botocore models', () => {
  const models = { lambda: loadServiceModel('lambda'), logs: loadServiceModel('logs') };

  it('covers every operation the providers route', () => {
    const operations = new Set(checks.map((check) => `${check.service}:${check.operation}`));
    expect([...operations].sort()).toEqual(
      [
        'lambda:AddPermission',
        'lambda:CreateAlias',
        'lambda:CreateFunction',
        'lambda:DeleteAlias',
        'lambda:DeleteFunction',
        'lambda:GetAlias',
        'lambda:GetFunction',
        'lambda:GetFunctionConfiguration',
        'lambda:GetPolicy',
        'lambda:Invoke',
        'lambda:InvokeAsync',
        'lambda:ListAliases',
        'lambda:ListFunctions',
        'lambda:ListTags',
        'lambda:ListVersionsByFunction',
        'lambda:PublishVersion',
        'lambda:RemovePermission',
        'lambda:TagResource',
        'lambda:UntagResource',
        'lambda:UpdateAlias',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:DeleteLogGroup',
        'logs:DescribeLogGroups',
        'logs:DescribeLogStreams',
        'logs:FilterLogEvents',
        'logs:GetLogEvents',
        'logs:PutLogEvents',
      ].sort(),
    );
  });

  /** Operations whose output carries the HTTP status as a member, so any 2xx status is modeled. */
  function statusIsMember(operation: string): boolean {
    const output = models.lambda.operations[operation]?.output?.shape;
    return Object.values(models.lambda.shapes[output ?? '']?.members ?? {}).some((member) => member.location === 'statusCode');
  }

  it('answers each success with the modeled status', () => {
    const wrong = checks
      .filter((check) => check.service === 'lambda' && !statusIsMember(check.operation))
      .filter((check) => check.answer.status !== (models.lambda.operations[check.operation] as { http?: { responseCode?: number } }).http?.responseCode)
      .map((check) => `${check.operation}: ${check.answer.status}`);
    expect(wrong).toEqual([]);
  });

  it('answers DeleteFunction with 204, as Lambda documents for a deleted function', () => {
    expect(checks.filter((check) => check.operation === 'DeleteFunction').map((check) => check.answer.status)).toEqual([204]);
  });

  it('answers Invoke with 200, 202 for Event and 204 for DryRun', () => {
    const statuses = checks.filter((check) => check.operation === 'Invoke').map((check) => check.answer.status);
    expect(statuses.sort()).toEqual([200, 200, 202, 204]);
  });

  it('sends only body members of the output shapes', () => {
    const unknown = checks.flatMap((check) => {
      const model = models[check.service];
      const output = model.operations[check.operation]?.output?.shape;
      if (!output || typeof check.answer.body !== 'object' || check.answer.body === null) return [];
      const payloadMember = Object.values(model.shapes[output]?.members ?? {}).some((member) => model.shapes[member.shape]?.type === 'blob');
      if (payloadMember && check.operation === 'Invoke') return [];
      return unknownMembers(model, output, check.answer.body, check.operation);
    });
    expect(unknown).toEqual([]);
  });

  it('sends only x-amz headers that the output shapes define', () => {
    const unknown = checks.flatMap((check) => {
      const model = models[check.service];
      const output = model.operations[check.operation]?.output?.shape;
      const modeled = new Set(
        Object.values(model.shapes[output ?? '']?.members ?? {})
          .filter((member) => member.location === 'header')
          .map((member) => member.locationName!.toLowerCase()),
      );
      return [...check.answer.headers.keys()]
        .filter((name) => name.startsWith('x-amz-') && !modeled.has(name))
        .map((name) => `${check.operation}: ${name}`);
    });
    expect(unknown).toEqual([]);
  });

  it('returns only error codes that each operation models, with their status', () => {
    const wrong = errorChecks.flatMap((check) => {
      const model = models[check.service];
      const code = check.service === 'lambda' ? check.answer.headers.get('x-amzn-errortype') : (check.answer.body as { __type?: string }).__type;
      const allowed = (model.operations[check.operation]?.errors ?? []).map((error) => error.shape);
      if (!code || !allowed.includes(code)) return [`${check.operation}: ${code} is not among ${allowed.join(', ')}`];

      const status = model.shapes[code]?.error?.httpStatusCode ?? 400;
      return check.answer.status === status ? [] : [`${check.operation}: ${code} answered ${check.answer.status}, modeled ${status}`];
    });
    expect(wrong).toEqual([]);
    expect(errorChecks.length).toBeGreaterThanOrEqual(15);
  });

  it('spells the message member of each Lambda error as its shape does', () => {
    const wrong = errorChecks
      .filter((check) => check.service === 'lambda')
      .flatMap((check) => {
        const code = check.answer.headers.get('x-amzn-errortype')!;
        const members = Object.keys(models.lambda.shapes[code]?.members ?? {});
        const body = check.answer.body as Record<string, unknown>;
        return Object.keys(body).filter((key) => !members.includes(key)).map((key) => `${check.operation} ${code}: ${key}`);
      });
    expect(wrong).toEqual([]);
  });
});
