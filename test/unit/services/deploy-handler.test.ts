import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ledgerKey } from '../../../src/core/release/index.js';
import type { LedgerDocument } from '../../../src/core/release/index.js';
import { BUCKET, FakeLambda, FakeS3, FUNCTION, s3Record } from '../core/release/fakes.js';

const KEY = `dev/${FUNCTION}.zip`;
const savedEnv = { ...process.env };

function context(remainingMs = 600_000): Context {
  return {
    awsRequestId: 'request-1',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:keystage-deploy',
    functionName: 'keystage-deploy',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

describe('deploy handler', () => {
  let s3: FakeS3;
  let lambda: FakeLambda;
  let handler: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      ARTIFACT_BUCKET: BUCKET,
      DEPLOYABLE_FUNCTIONS: `${FUNCTION}, keystage-decryption`,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    ({ handler } = await import('../../../src/services/deploy/handler.js'));
  });
  afterAll(() => {
    process.env = savedEnv;
  });
  beforeEach(() => {
    s3 = new FakeS3();
    lambda = new FakeLambda();
  });
  afterEach(() => {
    s3.mock.restore();
    lambda.mock.restore();
  });

  it('releases every record of an event', async () => {
    s3.upload(KEY, 'v1', Buffer.from('a'), { description: 'one' });
    s3.upload('staging/keystage-encryption.zip', 'v9', Buffer.from('b'), { description: 'two' });

    const summary = await handler({ Records: [s3Record(KEY, { versionId: 'v1' }), s3Record('staging/keystage-encryption.zip', { versionId: 'v9' })] }, context());

    expect(summary).toMatchObject({ records: [{ outcome: 'succeeded' }, { outcome: 'succeeded' }] });
    expect(lambda.alias('dev')?.functionVersion).toBe('1');
    expect(lambda.alias('staging')?.functionVersion).toBe('2');
  });

  it('handles the other records when one fails, then throws', async () => {
    s3.upload(KEY, 'v1', Buffer.from('a'), { description: 'x'.repeat(300) });
    s3.upload('prod/keystage-encryption.zip', 'v2', Buffer.from('b'), { description: 'good' });
    const event = { Records: [s3Record(KEY, { versionId: 'v1' }), s3Record('prod/keystage-encryption.zip', { versionId: 'v2' })] };

    const error = await handler(event, context()).catch((thrown: unknown) => thrown as Error);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ReleaseBatchError');
    expect(JSON.parse((error as Error).message)).toMatchObject({ status: 500, error: 'ReleaseBatchError', message: expect.stringMatching(/1 of 2 records failed/) });
    expect(lambda.alias('prod')?.functionVersion).toBe('1');
    expect(s3.json<LedgerDocument>(ledgerKey(FUNCTION, 'dev'))?.entries[0]?.outcome).toBe('failed');
  });

  it('ignores records that are not artifacts', async () => {
    const summary = await handler({ Records: [s3Record('dev/readme.txt'), s3Record('dev/unknown-fn.zip'), s3Record('dev/', { size: 0 })] }, context());

    expect(summary).toMatchObject({ records: [{ outcome: 'ignored' }, { outcome: 'ignored' }, { outcome: 'ignored' }] });
    expect(lambda.versions).toHaveLength(0);
  });

  it('decodes keys before matching', async () => {
    s3.upload(KEY, 'v1', Buffer.from('a'), { description: 'encoded' });

    const summary = await handler({ Records: [s3Record('dev/keystage%2Dencryption.zip', { versionId: 'v1' })] }, context());

    expect(summary).toMatchObject({ records: [{ key: 'dev/keystage-encryption.zip', outcome: 'succeeded' }] });
  });

  it('answers a promote command with the release result', async () => {
    s3.upload(KEY, 'v1', Buffer.from('a'), { description: 'one' });
    await handler({ Records: [s3Record(KEY, { versionId: 'v1' })] }, context());

    const result = await handler({ action: 'promote', function: FUNCTION, fromStage: 'dev', toStage: 'prod' }, context());

    expect(result).toMatchObject({ outcome: 'succeeded', stage: 'prod', publishedVersion: '1' });
  });

  it('fails an invalid command with the error body as message', async () => {
    const error = (await handler({ action: 'rollback', function: FUNCTION }, context()).catch((thrown: unknown) => thrown)) as Error;

    expect(error.name).toBe('InvalidCommandError');
    expect(JSON.parse(error.message)).toEqual({ status: 400, error: 'InvalidCommandError', message: 'The command needs "stage" as a non-empty string.' });
  });

  it('continues a long bake through a self-invoke', async () => {
    s3.upload(KEY, 'v1', Buffer.from('a'), { description: 'one' });
    await handler({ Records: [s3Record(KEY, { versionId: 'v1', sequencer: '01' })] }, context());
    s3.upload(KEY, 'v2', Buffer.from('b'), { description: 'two', strategy: 'canary:10:1' });

    const first = await handler({ Records: [s3Record(KEY, { versionId: 'v2', sequencer: '02' })] }, context(1_000));
    const selfInvoke = lambda.mock.commandCalls(InvokeCommand).find((call) => call.args[0].input.InvocationType === 'Event');
    const continuation = JSON.parse(Buffer.from(selfInvoke?.args[0].input.Payload as Uint8Array).toString('utf8'));
    const resumed = await handler(continuation, context());

    expect(first).toMatchObject({ records: [{ outcome: 'continued' }] });
    expect(selfInvoke?.args[0].input.FunctionName).toBe('arn:aws:lambda:us-east-1:000000000000:function:keystage-deploy');
    expect(continuation.action).toBe('continue-release');
    expect(resumed).toMatchObject({ outcome: 'succeeded', publishedVersion: '2' });
    expect(lambda.alias('dev')).toMatchObject({ functionVersion: '2', weights: {} });
  });

  it('rejects an event of unknown shape', async () => {
    const error = (await handler({ hello: 'world' }, context()).catch((thrown: unknown) => thrown)) as Error;

    expect(error.name).toBe('InvalidInputError');
  });
});
