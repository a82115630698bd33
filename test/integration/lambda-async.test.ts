import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CloudWatchLogsClient, FilterLogEventsCommand, ResourceNotFoundException as LogGroupNotFound } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { createActiveFunction, functionInput } from './lambda-fixtures.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const SOURCES = {
  marker: { 'index.js': 'exports.handler = async (event) => { console.log(`marker ${JSON.stringify(event)}`); return "ok"; };' },
  alwaysFails: {
    'index.js': 'exports.handler = async (event) => { console.log(`attempt ${event.id}`); throw new Error("always fails"); };',
  },
  failsTwice: {
    'index.js': `let attempts = 0;
exports.handler = async (event) => {
  attempts += 1;
  console.log(\`attempt \${event.id} \${attempts}\`);
  if (attempts < 3) throw new Error("not yet");
  return "ok";
};`,
  },
  slowMarker: {
    'index.js': `exports.handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  console.log(\`done \${event.id}\`);
};`,
  },
};

/**
 * Polls a function's log group until `count` messages contain `needle`, or fails after
 * `timeoutMs`. The server filters by the first plain word of the needle, the test by all of it.
 */
async function waitForMessages(logs: CloudWatchLogsClient, functionName: string, needle: string, count: number, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let messages: string[] = [];
  while (Date.now() < deadline) {
    try {
      const term = needle.split(/[\s"{}]/).find((word) => word.length > 0)!;
      const response = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}`, filterPattern: term }));
      messages = (response.events ?? []).map((event) => event.message ?? '').filter((message) => message.includes(needle));
      if (messages.length >= count) return messages;
    } catch (error) {
      if (!(error instanceof LogGroupNotFound)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`expected ${count} log messages containing "${needle}" from ${functionName}, found ${messages.length}: ${messages.join(' | ')}`);
}

async function invokeEvent(lambda: LambdaClient, functionName: string, event: unknown): Promise<number | undefined> {
  const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
  return response.StatusCode;
}

describe('asynchronous invocations', () => {
  let cloud: TestCloud;
  let lambda: LambdaClient;
  let logs: CloudWatchLogsClient;

  beforeAll(async () => {
    cloud = await startTestCloud({ lambda: { settleMs: 50, asyncRetryDelaysMs: [200, 400] } });
    lambda = new LambdaClient(cloud.clientConfig);
    logs = new CloudWatchLogsClient(cloud.clientConfig);
    await Promise.all([
      createActiveFunction(lambda, functionInput('marker', SOURCES.marker)),
      createActiveFunction(lambda, functionInput('always-fails', SOURCES.alwaysFails)),
      createActiveFunction(lambda, functionInput('fails-twice', SOURCES.failsTwice)),
    ]);
  });

  afterAll(async () => {
    lambda?.destroy();
    logs?.destroy();
    await cloud?.stop();
  });

  it('runs an Event invocation after answering 202', async () => {
    expect(await invokeEvent(lambda, 'marker', { id: 'single' })).toBe(202);
    const messages = await waitForMessages(logs, 'marker', 'marker {"id":"single"}', 1);
    expect(messages[0]).toMatch(/\tINFO\tmarker \{"id":"single"\}\n$/);
  });

  it('runs the invocations of one function in order of arrival', async () => {
    for (let index = 1; index <= 5; index += 1) await invokeEvent(lambda, 'marker', { seq: index });

    const messages = await waitForMessages(logs, 'marker', 'marker {"seq"', 5);
    const order = messages.map((message) => Number(/"seq":(\d+)/.exec(message)?.[1]));
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('makes three attempts in all when the function keeps failing', async () => {
    await invokeEvent(lambda, 'always-fails', { id: 'doomed' });
    await waitForMessages(logs, 'always-fails', 'attempt doomed', 3);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    const messages = await waitForMessages(logs, 'always-fails', 'attempt doomed', 3);
    expect(messages).toHaveLength(3);
  });

  it('stops retrying once an attempt succeeds', async () => {
    await invokeEvent(lambda, 'fails-twice', { id: 'eventual' });
    await waitForMessages(logs, 'fails-twice', 'attempt eventual', 3);

    await new Promise((resolve) => setTimeout(resolve, 800));
    const messages = await waitForMessages(logs, 'fails-twice', 'attempt eventual', 3);
    expect(messages).toHaveLength(3);
  });

  it('invokes the function that an S3 bucket notification targets', async () => {
    const s3 = new S3Client(cloud.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'notify-bucket' }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'notify-bucket',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:marker',
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.zip' }] } },
            },
          ],
        },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'notify-bucket', Key: 'dev/my function.zip', Body: 'zip bytes' }));
    s3.destroy();

    const messages = await waitForMessages(logs, 'marker', '"Records"', 1);
    expect(messages[0]).toContain('"key":"dev/my+function.zip"');
  });
});

describe('asynchronous queue across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-async-restart-'));

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs queued invocations after the local cloud restarts with the same data', async () => {
    const first = await startTestCloud({ dataDir, lambda: { settleMs: 50, asyncRetryDelaysMs: [200, 400] } });
    const firstClient = new LambdaClient(first.clientConfig);
    await createActiveFunction(firstClient, functionInput('slow-marker', SOURCES.slowMarker));
    for (const id of ['a', 'b', 'c']) await invokeEvent(firstClient, 'slow-marker', { id });
    firstClient.destroy();
    await first.stop();

    const second = await startTestCloud({ dataDir, lambda: { settleMs: 50, asyncRetryDelaysMs: [200, 400] } });
    const logs = new CloudWatchLogsClient(second.clientConfig);
    try {
      const messages = await waitForMessages(logs, 'slow-marker', 'done', 3, 20_000);
      const done = new Set(messages.map((message) => /done (\w)/.exec(message)?.[1]));
      expect([...done].sort()).toEqual(['a', 'b', 'c']);
    } finally {
      logs.destroy();
      await second.stop();
    }
  });
});
