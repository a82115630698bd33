import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';

import { strToU8, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';

import type { ProviderContext } from '../../../src/localcloud/context.js';
import type { LogEvent } from '../../../src/localcloud/contracts.js';
import { AccessDeniedError } from '../../../src/localcloud/errors.js';
import { createLambdaProvider } from '../../../src/localcloud/lambda/provider.js';
import type { LambdaProvider } from '../../../src/localcloud/lambda/provider.js';
import { createLogger } from '../../../src/localcloud/log.js';
import type { Authorize, LocalRequest } from '../../../src/localcloud/request.js';
import { BlobStore } from '../../../src/localcloud/store/blobs.js';
import { openDatabase } from '../../../src/localcloud/store/database.js';

const ZIP = Buffer.from(zipSync({ 'index.js': strToU8('exports.handler = async (event) => ({ echo: event });') }));
const providers: LambdaProvider[] = [];

afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
});

/** Creates a Lambda provider over a fresh data folder, with fake S3, STS and CloudWatch Logs. */
function createProvider(): { provider: LambdaProvider; logEvents: LogEvent[]; issuedFor: string[] } {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-lambda-provider-'));
  const context: ProviderContext = {
    db: openDatabase(dataDir),
    blobs: new BlobStore(dataDir),
    dataDir,
    accountId: '000000000000',
    logger: createLogger('silent'),
    endpointUrl: () => 'http://127.0.0.1:1',
  };
  const logEvents: LogEvent[] = [];
  const issuedFor: string[] = [];
  const provider = createLambdaProvider(context, {
    objects: { readObject: () => ZIP },
    credentials: {
      issueRoleCredentials: (roleArn, sessionName) => {
        issuedFor.push(`${roleArn} ${sessionName}`);
        return { accessKeyId: 'ASIAFAKE', secretAccessKey: 'secret', sessionToken: 'token', expiration: new Date(Date.now() + 3_600_000) };
      },
    },
    logs: { putLogEvents: (_region, _group, _stream, events) => logEvents.push(...events) },
    settings: { settleMs: 1 },
    runtimeDir: join(dataDir, 'lambda'),
  });
  provider.start();
  providers.push(provider);
  return { provider, logEvents, issuedFor };
}

function request(method: string, rawPath: string, body: unknown, authorize: Authorize = () => undefined): LocalRequest {
  const bytes = Buffer.from(body === undefined ? '' : JSON.stringify(body));
  const url = new URL(rawPath, 'http://localhost');
  return {
    method,
    rawPath: url.pathname,
    query: url.searchParams,
    headers: {},
    hostname: '127.0.0.1',
    service: 'lambda',
    region: 'us-east-1',
    accessKeyId: 'AKIA',
    accountId: '000000000000',
    requestId: 'request-1',
    authorize,
    readBody: async () => bytes,
    stream: Readable.from([]) as unknown as IncomingMessage,
  };
}

const CREATE = {
  FunctionName: 'fn',
  Runtime: 'nodejs20.x',
  Role: 'arn:aws:iam::000000000000:role/fn-role',
  Handler: 'index.handler',
  Code: { S3Bucket: 'artifacts', S3Key: 'fn.zip' },
};

describe('Lambda provider', () => {
  it('runs the IAM check with the action and the qualified function ARN', async () => {
    const { provider } = createProvider();
    const checks: string[] = [];
    const authorize: Authorize = (action, resources) => {
      checks.push(`${action} ${String(resources)}`);
    };
    await provider.handle(request('POST', '/2015-03-31/functions', CREATE, authorize));
    await provider.handle(request('GET', '/2015-03-31/functions/fn/configuration?Qualifier=%24LATEST', undefined, authorize));

    expect(checks).toEqual([
      'lambda:CreateFunction arn:aws:lambda:us-east-1:000000000000:function:fn',
      'lambda:GetFunctionConfiguration arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST',
    ]);
  });

  it('returns the authorizer error when IAM denies an invocation', async () => {
    const { provider } = createProvider();
    await provider.handle(request('POST', '/2015-03-31/functions', CREATE));
    const deny: Authorize = (action, resources) => {
      throw new AccessDeniedError('arn:aws:sts::000000000000:assumed-role/caller/session', action, String(resources), 'AccessDeniedException');
    };

    const response = await provider.handle(request('POST', '/2015-03-31/functions/fn/invocations', {}, deny));
    expect(response.status).toBe(403);
    expect(response.headers?.['x-amzn-errortype']).toBe('AccessDeniedException');
  });

  it('runs S3 code with issued credentials', async () => {
    const { provider, logEvents, issuedFor } = createProvider();
    await provider.handle(request('POST', '/2015-03-31/functions', CREATE));
    await new Promise((resolve) => setTimeout(resolve, 5));

    const response = await provider.handle(request('POST', '/2015-03-31/functions/fn/invocations', { n: 1 }));
    expect(response.status).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ echo: { n: 1 } });
    expect(issuedFor).toEqual(['arn:aws:iam::000000000000:role/fn-role fn']);
    expect(logEvents.some((event) => event.message.startsWith('REPORT RequestId: request-1'))).toBe(true);
  });

  it('tells whether a function ARN exists', async () => {
    const { provider } = createProvider();
    await provider.handle(request('POST', '/2015-03-31/functions', CREATE));

    expect(provider.functionExists('arn:aws:lambda:us-east-1:000000000000:function:fn')).toBe(true);
    expect(provider.functionExists('arn:aws:lambda:us-east-1:000000000000:function:fn:missing-alias')).toBe(false);
    expect(provider.functionExists('arn:aws:lambda:us-east-1:000000000000:function:other')).toBe(false);
  });
});
