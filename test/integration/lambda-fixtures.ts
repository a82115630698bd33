import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import type { CreateFunctionCommandInput, FunctionConfiguration } from '@aws-sdk/client-lambda';
import { strToU8, zipSync } from 'fflate';

/** A role ARN for test functions; the local cloud's STS issues credentials for any role. */
export const TEST_ROLE = 'arn:aws:iam::000000000000:role/keystage-lambda-test';

/** Zips files given as text, as a developer's build would. */
export function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])));
}

/** Handler sources covering the module systems and completion styles of the Node.js runtime. */
export const HANDLER_SOURCES = {
  commonjs: { 'index.js': 'exports.handler = async (event) => ({ style: "commonjs", event });' },
  esm: { 'app.mjs': 'export const handler = async (event) => ({ style: "esm", event });' },
  esmByPackageType: {
    'package.json': '{"type":"module"}',
    'index.js': 'export const handler = async () => ({ style: "esm-js" });',
  },
  commonjsExtension: { 'main.cjs': 'module.exports.handler = async () => ({ style: "cjs" });' },
  nested: { 'src/handlers/api.js': 'exports.routes = { get: async () => ({ style: "nested" }) };' },
  callback: {
    'index.js': `exports.handler = (event, context, callback) => {
  setTimeout(() => callback(null, { style: "callback", waited: true }), 20);
};`,
  },
  callbackWaitsForTimers: {
    'index.js': `exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = event.wait;
  setTimeout(() => {}, 300);
  callback(null, { waited: event.wait });
};`,
  },
  throwing: {
    'index.js': `class PaddingError extends Error { constructor(message) { super(message); this.name = "PaddingError"; } }
exports.handler = async () => { console.error("about to fail"); throw new PaddingError("bad padding"); };`,
  },
  timeout: { 'index.js': 'exports.handler = async () => { console.log("sleeping"); await new Promise((r) => setTimeout(r, 60000)); };' },
  exiting: {
    'index.js': `exports.handler = async (event) => {
  if (event.exit) process.exit(3);
  if (event.abort) process.abort();
  return { pid: process.pid };
};`,
  },
  uncaught: {
    'index.js': `exports.handler = async (event) => {
  if (event.throwLater) setTimeout(() => { throw new Error("late failure"); }, 10);
  if (event.throwDuring) {
    setTimeout(() => { throw new RangeError("escaped"); }, 10);
    await new Promise(() => {});
  }
  if (event.rejectDuring) {
    Promise.reject(new Error("nobody catches this"));
    await new Promise(() => {});
  }
  return { pid: process.pid };
};`,
  },
  context: {
    'index.js': `exports.handler = async (event, context) => ({
  env: {
    name: process.env.AWS_LAMBDA_FUNCTION_NAME,
    version: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroup: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStream: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    region: process.env.AWS_REGION,
    defaultRegion: process.env.AWS_DEFAULT_REGION,
    executionEnv: process.env.AWS_EXECUTION_ENV,
    taskRoot: process.env.LAMBDA_TASK_ROOT,
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
    sessionToken: process.env.AWS_SESSION_TOKEN,
    endpoint: process.env.AWS_ENDPOINT_URL,
    custom: process.env.STAGE_NAME,
    cwd: process.cwd(),
  },
  context: {
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    remainingMs: context.getRemainingTimeInMillis(),
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  },
});`,
  },
  slow: { 'index.js': 'exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms ?? 500)); return { pid: process.pid }; };' },
  version: { 'index.js': 'exports.handler = async () => ({ release: process.env.RELEASE ?? "none" });' },
  fetchEndpoint: {
    'index.mjs': `export const handler = async (event) => {
  const response = await fetch(process.env.AWS_ENDPOINT_URL + "/" + event.bucket + "/" + event.key);
  return { status: response.status, body: await response.text() };
};`,
  },
  sdkGetObject: {
    'index.js': `const { S3Client, GetObjectCommand } = require("@aws-sdk/client-s3");
const s3 = new S3Client({});
exports.handler = async (event) => {
  const object = await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: event.key }));
  return { body: await object.Body.transformToString() };
};`,
  },
  large: { 'index.js': 'exports.handler = async (event) => "x".repeat(event.bytes);' },
  echo: { 'index.js': 'exports.handler = async (event, context) => ({ event, arn: context.invokedFunctionArn });' },
  missingExport: { 'index.js': 'exports.other = async () => 1;' },
  syntaxError: { 'index.js': 'exports.handler = async () => { return {; };' },
} satisfies Record<string, Record<string, string>>;

/** CreateFunction input for a Node.js 20 function with the given handler files. */
export function functionInput(name: string, files: Record<string, string>, overrides: Partial<CreateFunctionCommandInput> = {}): CreateFunctionCommandInput {
  return {
    FunctionName: name,
    Runtime: 'nodejs20.x',
    Role: TEST_ROLE,
    Handler: 'index.handler',
    Code: { ZipFile: zipOf(files) },
    Timeout: 10,
    ...overrides,
  };
}

/** Creates a function and waits until it is Active, as a deploy script would. */
export async function createActiveFunction(client: LambdaClient, input: CreateFunctionCommandInput): Promise<FunctionConfiguration> {
  const created = await client.send(new CreateFunctionCommand(input));
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: input.FunctionName });
  return created;
}

/** Waits until the last update of a function has completed; returns the waiter's final state. */
export async function waitUpdated(client: LambdaClient, functionName: string): Promise<string> {
  const result = await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: functionName });
  return result.state;
}

/** Decodes an Invoke payload as JSON. */
export function payloadJson(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8'));
}
