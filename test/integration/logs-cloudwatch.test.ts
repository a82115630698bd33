import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { createActiveFunction, functionInput } from './lambda-fixtures.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

let cloud: TestCloud;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;
let startedMs: number;

const GROUP = '/aws/lambda/chatty';

beforeAll(async () => {
  cloud = await startTestCloud({ lambda: { settleMs: 50 } });
  lambda = new LambdaClient(cloud.clientConfig);
  logs = new CloudWatchLogsClient(cloud.clientConfig);
  startedMs = Date.now();

  const source = 'exports.handler = async (event) => { console.log(`line ${event.n}`); console.warn("careful"); return event.n; };';
  await createActiveFunction(lambda, functionInput('chatty', { 'index.js': source }));
  for (let n = 1; n <= 3; n += 1) {
    await lambda.send(new InvokeCommand({ FunctionName: 'chatty', Payload: Buffer.from(JSON.stringify({ n })) }));
  }
});

afterAll(async () => {
  lambda?.destroy();
  logs?.destroy();
  await cloud?.stop();
});

describe('function output in CloudWatch Logs', () => {
  it('lists the function log group', async () => {
    const response = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }));
    const group = response.logGroups?.find((candidate) => candidate.logGroupName === GROUP);
    expect(group?.arn).toBe(`arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}:*`);
    expect(group?.creationTime).toBeGreaterThanOrEqual(startedMs);
  });

  it('names the stream of the environment as Lambda does', async () => {
    const response = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: 'LastEventTime', descending: true }));
    expect(response.logStreams).toHaveLength(1);
    expect(response.logStreams?.[0]?.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(response.logStreams?.[0]?.lastEventTimestamp).toBeGreaterThanOrEqual(startedMs);
  });

  it('reads a stream from its head with START, output, END and REPORT lines', async () => {
    const stream = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }))).logStreams![0]!.logStreamName!;
    const response = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true }));
    const messages = response.events?.map((event) => event.message ?? '') ?? [];

    expect(messages[0]).toMatch(/^START RequestId: \S+ Version: \$LATEST\n$/);
    expect(messages[1]).toMatch(/\tINFO\tline 1\n$/);
    expect(messages[2]).toMatch(/\tWARN\tcareful\n$/);
    expect(messages[3]).toMatch(/^END RequestId: /);
    expect(messages[4]).toMatch(/^REPORT RequestId: .*\tInit Duration: /);
    expect(messages.filter((message) => message.startsWith('REPORT'))).toHaveLength(3);
  });

  it('keeps the forward token once the end of the stream is reached', async () => {
    const stream = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }))).logStreams![0]!.logStreamName!;
    const first = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, limit: 100 }));
    const next = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, nextToken: first.nextForwardToken }));

    expect(next.events).toEqual([]);
    expect(next.nextForwardToken).toBe(first.nextForwardToken);
  });

  it('filters events by a term and a start time', async () => {
    const response = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'line', startTime: startedMs }));
    const messages = response.events?.map((event) => event.message?.split('\t')[3]) ?? [];
    expect(messages).toEqual(['line 1\n', 'line 2\n', 'line 3\n']);
  });

  it('pages FilterLogEvents with nextToken', async () => {
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'line', limit: 2 }));
    expect(first.events).toHaveLength(2);
    expect(first.nextToken).toBeTruthy();

    const second = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'line', limit: 2, nextToken: first.nextToken }));
    expect(second.events?.map((event) => event.message?.split('\t')[3])).toEqual(['line 3\n']);
    expect(second.nextToken).toBeUndefined();
  });

  it('matches a quoted phrase as one term', async () => {
    const response = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: '"line 2"' }));
    expect(response.events).toHaveLength(1);
  });

  it('returns ResourceNotFoundException for a missing group', async () => {
    const call = logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/absent' }));
    await expect(call).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('log groups written by clients', () => {
  it('creates a group and stream and stores put events', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'app' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'main' }));
    await logs.send(new PutLogEventsCommand({ logGroupName: 'app', logStreamName: 'main', logEvents: [{ timestamp: 1000, message: 'hello' }] }));

    const response = await logs.send(new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 'main' }));
    expect(response.events?.map((event) => [event.timestamp, event.message])).toEqual([[1000, 'hello']]);
  });

  it('pages DescribeLogGroups with nextToken', async () => {
    for (const name of ['page/a', 'page/b', 'page/c']) await logs.send(new CreateLogGroupCommand({ logGroupName: name }));

    const first = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'page/', limit: 2 }));
    const second = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'page/', limit: 2, nextToken: first.nextToken }));
    expect(first.logGroups?.map((group) => group.logGroupName)).toEqual(['page/a', 'page/b']);
    expect(second.logGroups?.map((group) => group.logGroupName)).toEqual(['page/c']);
    expect(second.nextToken).toBeUndefined();
  });

  it('rejects a second group with the same name', async () => {
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: 'app' }))).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
  });
});
