import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsCliEnvironment, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const run = promisify(execFile);

describe('AWS CLI against the local STS', () => {
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud();
  });

  afterAll(async () => {
    await cloud.stop();
  });

  it('reports the caller identity', async () => {
    const { stdout } = await run('aws', ['--endpoint-url', cloud.url, 'sts', 'get-caller-identity'], { env: awsCliEnvironment(cloud.url) });

    expect(JSON.parse(stdout)).toEqual({ UserId: '000000000000', Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' });
  });
});
