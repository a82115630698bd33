import {
  CreateAliasCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  TooManyRequestsException,
  RequestTooLargeException,
  UpdateFunctionConfigurationCommand,
  ResourceNotFoundException,
  InvalidRequestContentException,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { HANDLER_SOURCES, createActiveFunction, functionInput, payloadJson, waitUpdated } from './lambda-fixtures.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

let cloud: TestCloud;
let lambda: LambdaClient;

const FUNCTIONS = {
  commonjs: functionInput('cjs', HANDLER_SOURCES.commonjs),
  esm: functionInput('esm', HANDLER_SOURCES.esm, { Handler: 'app.handler' }),
  esmByPackageType: functionInput('esm-js', HANDLER_SOURCES.esmByPackageType),
  commonjsExtension: functionInput('cjs-ext', HANDLER_SOURCES.commonjsExtension, { Handler: 'main.handler' }),
  nested: functionInput('nested', HANDLER_SOURCES.nested, { Handler: 'src/handlers/api.routes.get' }),
  callback: functionInput('callback', HANDLER_SOURCES.callback),
  callbackWaits: functionInput('callback-waits', HANDLER_SOURCES.callbackWaitsForTimers),
  throwing: functionInput('throwing', HANDLER_SOURCES.throwing),
  timeout: functionInput('timeout', HANDLER_SOURCES.timeout, { Timeout: 1 }),
  exiting: functionInput('exiting', HANDLER_SOURCES.exiting),
  uncaught: functionInput('uncaught', HANDLER_SOURCES.uncaught),
  context: functionInput('context', HANDLER_SOURCES.context, { MemorySize: 256, Environment: { Variables: { STAGE_NAME: 'dev' } } }),
  slow: functionInput('slow', HANDLER_SOURCES.slow),
  fetchEndpoint: functionInput('fetch-endpoint', HANDLER_SOURCES.fetchEndpoint),
  sdkGetObject: functionInput('sdk-get-object', HANDLER_SOURCES.sdkGetObject),
  large: functionInput('large', HANDLER_SOURCES.large),
  echo: functionInput('echo', HANDLER_SOURCES.echo),
  missingExport: functionInput('missing-export', HANDLER_SOURCES.missingExport),
  missingFile: functionInput('missing-file', HANDLER_SOURCES.commonjs, { Handler: 'absent.handler' }),
  syntaxError: functionInput('syntax-error', HANDLER_SOURCES.syntaxError),
  weighted: functionInput('weighted', HANDLER_SOURCES.version),
  synchronous: functionInput('synchronous', { 'index.js': 'exports.handler = (event, context, callback) => { setTimeout(() => {}, 50); return 42; };' }),
  clientContext: functionInput('client-context', { 'index.js': 'exports.handler = async (event, context) => context.clientContext;' }),
};

beforeAll(async () => {
  cloud = await startTestCloud({ lambda: { settleMs: 50, maxConcurrencyPerFunction: 2, idleTimeoutMs: 60_000 } });
  lambda = new LambdaClient({ ...cloud.clientConfig, maxAttempts: 1 });
  await Promise.all(Object.values(FUNCTIONS).map((input) => createActiveFunction(lambda, input)));
});

afterAll(async () => {
  lambda?.destroy();
  await cloud?.stop();
});

async function invoke(functionName: string, event: unknown = {}, extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {}) {
  return lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)), ...extra }));
}

describe('handler resolution', () => {
  it('runs a CommonJS handler', async () => {
    const response = await invoke('cjs', { n: 1 });
    expect(response.StatusCode).toBe(200);
    expect(payloadJson(response.Payload)).toEqual({ style: 'commonjs', event: { n: 1 } });
  });

  it('runs an ES module handler from an .mjs file', async () => {
    expect(payloadJson((await invoke('esm', { n: 2 })).Payload)).toEqual({ style: 'esm', event: { n: 2 } });
  });

  it('runs a .js file as an ES module when package.json says type module', async () => {
    expect(payloadJson((await invoke('esm-js')).Payload)).toEqual({ style: 'esm-js' });
  });

  it('runs a .cjs handler', async () => {
    expect(payloadJson((await invoke('cjs-ext')).Payload)).toEqual({ style: 'cjs' });
  });

  it('resolves a handler in a subfolder with a nested export path', async () => {
    expect(payloadJson((await invoke('nested')).Payload)).toEqual({ style: 'nested' });
  });

  it('returns Runtime.HandlerNotFound when the export is missing', async () => {
    const response = await invoke('missing-export');
    expect(response.FunctionError).toBe('Unhandled');
    expect(payloadJson(response.Payload)).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.handler is undefined or not exported',
    });
  });

  it('returns Runtime.ImportModuleError when the handler file is missing', async () => {
    const response = await invoke('missing-file');
    expect(response.FunctionError).toBe('Unhandled');
    expect(payloadJson(response.Payload)).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find module 'absent'" });
  });

  it('returns Runtime.UserCodeSyntaxError for a module that does not parse', async () => {
    const response = await invoke('syntax-error');
    expect(payloadJson(response.Payload)).toMatchObject({ errorType: 'Runtime.UserCodeSyntaxError' });
  });
});

describe('completion styles', () => {
  it('returns what a callback-style handler passes to the callback', async () => {
    expect(payloadJson((await invoke('callback')).Payload)).toEqual({ style: 'callback', waited: true });
  });

  it('waits for the event loop to empty after the callback when asked', async () => {
    const started = Date.now();
    const response = await invoke('callback-waits', { wait: true });
    expect(payloadJson(response.Payload)).toEqual({ waited: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('answers at once when callbackWaitsForEmptyEventLoop is false', async () => {
    await invoke('callback-waits', { wait: false });
    const started = Date.now();
    const response = await invoke('callback-waits', { wait: false });
    expect(payloadJson(response.Payload)).toEqual({ waited: false });
    expect(Date.now() - started).toBeLessThan(300);
  });
  it('returns null from a handler that neither returns a promise nor calls back', async () => {
    const response = await invoke('synchronous');
    expect(response.FunctionError).toBeUndefined();
    expect(payloadJson(response.Payload)).toBeNull();
  });
});

describe('function errors', () => {
  it('returns the Node runtime error payload for a thrown error', async () => {
    const response = await invoke('throwing');
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    const payload = payloadJson(response.Payload) as { errorType: string; errorMessage: string; trace: string[] };
    expect(payload.errorType).toBe('PaddingError');
    expect(payload.errorMessage).toBe('bad padding');
    expect(payload.trace[0]).toBe('PaddingError: bad padding');
  });

  it('times out with the Sandbox.Timedout payload after Timeout seconds', async () => {
    const started = Date.now();
    const response = await invoke('timeout', {}, { LogType: 'Tail' });
    const elapsedMs = Date.now() - started;

    expect(response.FunctionError).toBe('Unhandled');
    const payload = payloadJson(response.Payload) as { errorType: string; errorMessage: string };
    expect(payload.errorType).toBe('Sandbox.Timedout');
    expect(payload.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
    expect(elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(elapsedMs).toBeLessThan(5000);
    expect(Buffer.from(response.LogResult!, 'base64').toString()).toMatch(/Task timed out after 1\.00 seconds/);
  });

  it('fails only the invocation that calls process.exit, with Runtime.ExitError', async () => {
    const crashed = await invoke('exiting', { exit: true });
    expect(crashed.FunctionError).toBe('Unhandled');
    expect(payloadJson(crashed.Payload)).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/Runtime exited with error: exit status 3$/),
    });

    const next = await invoke('exiting', {});
    expect(next.FunctionError).toBeUndefined();
    expect(payloadJson(next.Payload)).toHaveProperty('pid');
  });

  it('reports a native crash as Runtime.ExitError with the signal', async () => {
    const crashed = await invoke('exiting', { abort: true });
    expect(payloadJson(crashed.Payload)).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/Runtime exited with error: signal: aborted$/),
    });
    expect((await invoke('exiting', {})).FunctionError).toBeUndefined();
  });

  it('gives the next invocation a fresh environment after an uncaught exception after return', async () => {
    const first = payloadJson((await invoke('uncaught', { throwLater: true })).Payload) as { pid: number };
    await new Promise((resolve) => setTimeout(resolve, 200));

    const second = await invoke('uncaught', {});
    expect(second.FunctionError).toBeUndefined();
    expect((payloadJson(second.Payload) as { pid: number }).pid).not.toBe(first.pid);
  });

  it('fails the invocation with an exception thrown outside the handler promise', async () => {
    const response = await invoke('uncaught', { throwDuring: true });
    expect(response.FunctionError).toBe('Unhandled');
    expect(payloadJson(response.Payload)).toMatchObject({ errorType: 'RangeError', errorMessage: 'escaped' });
    expect((await invoke('uncaught', {})).FunctionError).toBeUndefined();
  });

  it('fails the invocation with Runtime.UnhandledPromiseRejection', async () => {
    const response = await invoke('uncaught', { rejectDuring: true });
    expect(payloadJson(response.Payload)).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'Error: nobody catches this',
    });
  });

  it('reuses a warm environment between invocations', async () => {
    const first = payloadJson((await invoke('slow', { ms: 1 })).Payload) as { pid: number };
    const second = payloadJson((await invoke('slow', { ms: 1 })).Payload) as { pid: number };
    expect(second.pid).toBe(first.pid);
  });
});

describe('environment and context', () => {
  it('gives the handler the Lambda variables, role credentials and the local endpoint', async () => {
    const response = await invoke('context');
    const { env, context } = payloadJson(response.Payload) as { env: Record<string, string>; context: Record<string, unknown> };

    expect(env.name).toBe('context');
    expect(env.version).toBe('$LATEST');
    expect(env.memory).toBe('256');
    expect(env.logGroup).toBe('/aws/lambda/context');
    expect(env.logStream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(env.region).toBe('us-east-1');
    expect(env.defaultRegion).toBe('us-east-1');
    expect(env.executionEnv).toBe('AWS_Lambda_nodejs20.x');
    expect(env.taskRoot).toBe(env.cwd);
    expect(env.accessKeyId).toMatch(/^ASIA/);
    expect(env.secretAccessKey).toBeTruthy();
    expect(env.sessionToken).toBeTruthy();
    expect(env.endpoint).toBe(cloud.url);
    expect(env.custom).toBe('dev');

    expect(context.functionName).toBe('context');
    expect(context.functionVersion).toBe('$LATEST');
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:context');
    expect(context.memoryLimitInMB).toBe('256');
    expect(context.awsRequestId).toBe(response.$metadata.requestId);
    expect(context.logGroupName).toBe('/aws/lambda/context');
    expect(context.logStreamName).toBe(env.logStream);
    expect(context.remainingMs).toBeGreaterThan(8000);
    expect(context.remainingMs).toBeLessThanOrEqual(10_000);
    expect(context.callbackWaitsForEmptyEventLoop).toBe(true);
  });

  it('passes X-Amz-Client-Context to context.clientContext', async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { caller: 'cli' } })).toString('base64');
    const response = await invoke('client-context', {}, { ClientContext: clientContext });
    expect(payloadJson(response.Payload)).toEqual({ custom: { caller: 'cli' } });
  });

  it('qualifies invokedFunctionArn with the alias used', async () => {
    const version = await lambda.send(new PublishVersionCommand({ FunctionName: 'echo' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'echo', Name: 'live', FunctionVersion: version.Version! }));

    const response = await invoke('echo', {}, { Qualifier: 'live' });
    expect(response.ExecutedVersion).toBe(version.Version);
    expect((payloadJson(response.Payload) as { arn: string }).arn).toBe('arn:aws:lambda:us-east-1:000000000000:function:echo:live');
  });

  it('reaches local S3 through AWS_ENDPOINT_URL with fetch and the SDK', async () => {
    const s3 = new S3Client(cloud.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'lambda-reach' }));
    await s3.send(new PutObjectCommand({ Bucket: 'lambda-reach', Key: 'hello.txt', Body: 'hello from s3' }));
    s3.destroy();

    const response = await invoke('fetch-endpoint', { bucket: 'lambda-reach', key: 'hello.txt' });
    expect(payloadJson(response.Payload)).toEqual({ status: 200, body: 'hello from s3' });

    const sdkResponse = await invoke('sdk-get-object', { bucket: 'lambda-reach', key: 'hello.txt' });
    expect(sdkResponse.FunctionError).toBeUndefined();
    expect(payloadJson(sdkResponse.Payload)).toEqual({ body: 'hello from s3' });
  });
});

describe('invocation types and headers', () => {
  it('returns 204 for DryRun without running the function', async () => {
    const response = await invoke('cjs', {}, { InvocationType: 'DryRun' });
    expect(response.StatusCode).toBe(204);
  });

  it('returns 202 for an Event invocation', async () => {
    const response = await invoke('cjs', {}, { InvocationType: 'Event' });
    expect(response.StatusCode).toBe(202);
  });

  it('returns the last 4 KB of the log in X-Amz-Log-Result with LogType Tail', async () => {
    const response = await invoke('throwing', {}, { LogType: 'Tail' });
    const log = Buffer.from(response.LogResult!, 'base64').toString('utf8');
    expect(log).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/);
    expect(log).toMatch(/\tERROR\tabout to fail\n/);
    expect(log).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"PaddingError"/);
    expect(log).toMatch(/\nEND RequestId: [0-9a-f-]{36}\n/);
    expect(log).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB/);
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(4096);
  });

  it('reports $LATEST as the executed version of an unqualified call', async () => {
    expect((await invoke('cjs')).ExecutedVersion).toBe('$LATEST');
  });

  it('rejects a payload that is not JSON', async () => {
    const call = lambda.send(new InvokeCommand({ FunctionName: 'cjs', Payload: Buffer.from('not json') }));
    await expect(call).rejects.toBeInstanceOf(InvalidRequestContentException);
  });

  it('rejects a request payload over 6 MB with RequestTooLargeException', async () => {
    const payload = Buffer.from(JSON.stringify({ data: 'x'.repeat(6 * 1024 * 1024) }));
    const call = lambda.send(new InvokeCommand({ FunctionName: 'cjs', Payload: payload }));
    await expect(call).rejects.toBeInstanceOf(RequestTooLargeException);
  });

  it('fails a response over 6 MB with Function.ResponseSizeTooLarge', async () => {
    const response = await invoke('large', { bytes: 6 * 1024 * 1024 + 200 });
    expect(response.FunctionError).toBe('Unhandled');
    expect(payloadJson(response.Payload)).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
  });

  it('returns ResourceNotFoundException for an unknown function', async () => {
    await expect(invoke('absent-function')).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('concurrency', () => {
  it('throttles synchronous invocations past the per-function limit', async () => {
    const results = await Promise.allSettled([1, 2, 3].map(() => invoke('slow', { ms: 800 })));
    const throttled = results.filter((result) => result.status === 'rejected');
    const succeeded = results.filter((result) => result.status === 'fulfilled');

    expect(succeeded).toHaveLength(2);
    expect(throttled).toHaveLength(1);
    expect((throttled[0] as PromiseRejectedResult).reason).toBeInstanceOf(TooManyRequestsException);
  });
});

describe('alias routing', () => {
  it('splits invocations between two versions by the alias weight', async () => {
    const primary = await lambda.send(new PublishVersionCommand({ FunctionName: 'weighted' }));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'weighted', Environment: { Variables: { RELEASE: 'two' } } }));
    await waitUpdated(lambda, 'weighted');
    const canary = await lambda.send(new PublishVersionCommand({ FunctionName: 'weighted' }));
    await lambda.send(
      new CreateAliasCommand({
        FunctionName: 'weighted',
        Name: 'canary',
        FunctionVersion: primary.Version!,
        RoutingConfig: { AdditionalVersionWeights: { [canary.Version!]: 0.3 } },
      }),
    );

    const counts: Record<string, number> = {};
    for (let index = 0; index < 200; index += 1) {
      const response = await invoke('weighted', {}, { Qualifier: 'canary' });
      const release = (payloadJson(response.Payload) as { release: string }).release;
      const key = `${response.ExecutedVersion}:${release}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }

    expect(Object.keys(counts).sort()).toEqual([`${primary.Version}:none`, `${canary.Version}:two`]);
    // With p = 0.3 and n = 200 the standard deviation is about 6.5, so 30..90 is beyond 4.5 sigma.
    expect(counts[`${canary.Version}:two`]).toBeGreaterThanOrEqual(30);
    expect(counts[`${canary.Version}:two`]).toBeLessThanOrEqual(90);
  });
});
