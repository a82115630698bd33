import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsCliEnvironment, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const run = promisify(execFile);
const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

describe('AWS CLI against the local IAM', () => {
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud();
  });

  afterAll(async () => {
    await cloud.stop();
  });

  async function aws(...args: string[]): Promise<string> {
    const { stdout } = await run('aws', ['--endpoint-url', cloud.url, ...args], { env: awsCliEnvironment(cloud.url) });
    return stdout;
  }

  it('creates a role and reads its trust policy back as JSON', async () => {
    const created = JSON.parse(
      await aws('iam', 'create-role', '--role-name', 'keystage-cli-role', '--assume-role-policy-document', TRUST_POLICY),
    ) as { Role: { Arn: string; AssumeRolePolicyDocument: unknown } };

    expect(created.Role.Arn).toBe('arn:aws:iam::000000000000:role/keystage-cli-role');
    expect(created.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(TRUST_POLICY));
  });

  it('reports an existing role as EntityAlreadyExists', async () => {
    await aws('iam', 'create-role', '--role-name', 'keystage-cli-twice', '--assume-role-policy-document', TRUST_POLICY);

    const failure = await aws('iam', 'create-role', '--role-name', 'keystage-cli-twice', '--assume-role-policy-document', TRUST_POLICY).catch(
      (error: { stderr: string }) => error.stderr,
    );

    expect(failure).toContain('An error occurred (EntityAlreadyExists) when calling the CreateRole operation');
  });
});
