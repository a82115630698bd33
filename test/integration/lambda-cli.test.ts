import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsCliEnvironment, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { TEST_ROLE, zipOf } from './lambda-fixtures.js';

const run = promisify(execFile);

let cloud: TestCloud;
let workDir: string;

/** Runs the AWS CLI (v1) against the test cloud and parses its JSON output. */
async function aws(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('aws', ['--endpoint-url', cloud.url, '--output', 'json', ...args], { env: awsCliEnvironment(cloud.url) });
  return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
}

beforeAll(async () => {
  cloud = await startTestCloud({ lambda: { settleMs: 50 } });
  workDir = mkdtempSync(join(tmpdir(), 'keystage-lambda-cli-'));
  const source = 'exports.handler = async (event, context) => { console.log("cli run"); return { got: event, arn: context.invokedFunctionArn }; };';
  writeFileSync(join(workDir, 'function.zip'), zipOf({ 'index.js': source }));

  await aws(
    'lambda',
    'create-function',
    '--function-name',
    'cli-fn',
    '--runtime',
    'nodejs20.x',
    '--role',
    TEST_ROLE,
    '--handler',
    'index.handler',
    '--zip-file',
    `fileb://${join(workDir, 'function.zip')}`,
  );
  await run('aws', ['--endpoint-url', cloud.url, 'lambda', 'wait', 'function-active-v2', '--function-name', 'cli-fn'], {
    env: awsCliEnvironment(cloud.url),
  });
  await aws('lambda', 'publish-version', '--function-name', 'cli-fn', '--description', 'first');
  await aws('lambda', 'create-alias', '--function-name', 'cli-fn', '--name', 'live', '--function-version', '1');
}, 120_000);

afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await cloud?.stop();
});

describe('AWS CLI v1 against the Lambda provider', () => {
  it('invokes through an alias with a raw JSON payload', async () => {
    const outFile = join(workDir, 'out.json');
    const result = await aws('lambda', 'invoke', '--function-name', 'cli-fn', '--qualifier', 'live', '--payload', '{"n":1}', outFile);

    expect(result.StatusCode).toBe(200);
    expect(result.ExecutedVersion).toBe('1');
    expect(JSON.parse(readFileSync(outFile, 'utf8'))).toEqual({ got: { n: 1 }, arn: 'arn:aws:lambda:us-east-1:000000000000:function:cli-fn:live' });
  });

  it('returns the log tail with --log-type Tail', async () => {
    const result = await aws('lambda', 'invoke', '--function-name', 'cli-fn', '--log-type', 'Tail', join(workDir, 'tail.json'));
    expect(Buffer.from(String(result.LogResult), 'base64').toString('utf8')).toContain('\tINFO\tcli run\n');
  });

  it('reads the function configuration', async () => {
    const configuration = await aws('lambda', 'get-function-configuration', '--function-name', 'cli-fn');
    expect(configuration).toMatchObject({
      FunctionName: 'cli-fn',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      State: 'Active',
      LastUpdateStatus: 'Successful',
      Version: '$LATEST',
    });
  });

  it('lists the versions of the function', async () => {
    const listing = await aws('lambda', 'list-versions-by-function', '--function-name', 'cli-fn');
    const versions = (listing.Versions as { Version: string; Description: string }[]).map((version) => [version.Version, version.Description]);
    expect(versions).toEqual([
      ['$LATEST', ''],
      ['1', 'first'],
    ]);
  });

  it('reads the function output with aws logs', async () => {
    const events = await aws('logs', 'filter-log-events', '--log-group-name', '/aws/lambda/cli-fn', '--filter-pattern', 'cli');
    const messages = (events.events as { message: string }[]).map((event) => event.message);
    expect(messages.some((message) => message.endsWith('\tINFO\tcli run\n'))).toBe(true);
  });

  it('exits with an error naming ResourceNotFoundException for an unknown function', async () => {
    const call = aws('lambda', 'get-function', '--function-name', 'absent');
    await expect(call).rejects.toMatchObject({ stderr: expect.stringContaining('ResourceNotFoundException') });
  });
});
