import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud, TEST_CREDENTIALS, TEST_REGION } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { motoAvailable, startMoto } from '../support/moto.js';
import type { MotoServer } from '../support/moto.js';
import { zipOf } from '../integration/lambda-fixtures.js';

/*
 * The Lambda control plane run against the local cloud and against moto server, with
 * account ids, times and revision ids normalised away. moto cannot run Node.js functions
 * without Docker, so Invoke is not compared here.
 *
 * Where moto 5.2 departs from Lambda's documentation (checked against the API reference of
 * each operation), the local cloud follows the documentation and these tests compare nothing:
 * - CreateFunction returns `State: Active` at once; Lambda documents `Pending` until the
 *   function is ready ("Lambda function states"), which `waitUntilFunctionActiveV2` polls for.
 * - UpdateFunctionCode and UpdateFunctionConfiguration leave `LastUpdateStatus: Successful`
 *   at once; Lambda documents `InProgress` and a `ResourceConflictException` for further
 *   changes and PublishVersion until the update completes.
 * - PublishVersion ignores `CodeSha256` and `RevisionId`; Lambda documents them as
 *   preconditions ("only publish a version if the hash value matches", "only update the
 *   function if the revision ID matches").
 * - UpdateFunctionConfiguration and UpdateAlias ignore a stale `RevisionId`, which Lambda
 *   rejects with PreconditionFailedException.
 * - CreateAlias and UpdateAlias accept `AdditionalVersionWeights` for a version that does not
 *   exist and weighted routing from `$LATEST`; Lambda documents that an alias with routing
 *   points at two published versions.
 * - CreateFunction accepts bytes that are not a zip; Lambda rejects them with
 *   InvalidParameterValueException ("Could not unzip uploaded file").
 * - moto writes `LastModified` with microseconds and `Z`; Lambda's documented format is
 *   `2019-09-24T18:20:35.054+0000`, which the local cloud writes.
 * - AddPermission with a statement id already in the policy succeeds in moto; Lambda rejects
 *   it with ResourceConflictException ("The statement id (...) provided already exists").
 * - moto's resource policy lists statement members in another order; statements are
 *   compared as parsed JSON.
 */

const ZIP = zipOf({ 'index.js': 'exports.handler = async () => ({ ok: true });' });
const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Members of a function configuration that both implementations must agree on. */
const COMPARED_MEMBERS = [
  'FunctionName',
  'FunctionArn',
  'Runtime',
  'Role',
  'Handler',
  'CodeSize',
  'CodeSha256',
  'Description',
  'Timeout',
  'MemorySize',
  'Version',
  'Environment',
  'TracingConfig',
  'PackageType',
  'Architectures',
  'EphemeralStorage',
  'SnapStart',
] as const;

interface Target {
  lambda: LambdaClient;
  iam: IAMClient;
  roleArn: string;
}

/** Replaces account ids with a placeholder so that ARNs of both implementations compare. */
function normalise(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/\b\d{12}\b/g, '<account>'));
}

function pick(configuration: object): Record<string, unknown> {
  const source = configuration as Record<string, unknown>;
  return Object.fromEntries(COMPARED_MEMBERS.filter((name) => name in source).map((name) => [name, source[name]]));
}

function aliasShape(alias: object): unknown {
  const { $metadata: _metadata, RevisionId: _revision, ...rest } = alias as Record<string, unknown>;
  return normalise(rest);
}

async function prepare(endpoint: string): Promise<Target> {
  const config = { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  const iam = new IAMClient(config);
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'conformance-lambda', AssumeRolePolicyDocument: TRUST_POLICY }));
  return { lambda: new LambdaClient(config), iam, roleArn: role.Role!.Arn! };
}

/** Runs the scenario on one implementation and returns each step's normalised response. */
async function runScenario(target: Target): Promise<Record<string, unknown>> {
  const { lambda, roleArn } = target;
  const results: Record<string, unknown> = {};

  const created = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'conformance-fn',
      Runtime: 'nodejs20.x',
      Role: roleArn,
      Handler: 'index.handler',
      Code: { ZipFile: ZIP },
      Description: 'conformance',
      Timeout: 5,
      MemorySize: 256,
      Environment: { Variables: { STAGE_NAME: 'dev' } },
    }),
  );
  results.created = normalise(pick(created));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: 'conformance-fn' });

  results.configuration = normalise(pick(await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'conformance-fn' }))));
  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'conformance-fn' }));
  results.getFunction = { configuration: normalise(pick(fn.Configuration!)), repositoryType: fn.Code?.RepositoryType };

  results.published = normalise(pick(await lambda.send(new PublishVersionCommand({ FunctionName: 'conformance-fn', Description: 'first' }))));
  results.republished = normalise(pick(await lambda.send(new PublishVersionCommand({ FunctionName: 'conformance-fn', Description: 'again' }))));

  results.alias = aliasShape(await lambda.send(new CreateAliasCommand({ FunctionName: 'conformance-fn', Name: 'dev', FunctionVersion: '1', Description: 'dev stage' })));
  results.updatedAlias = aliasShape(await lambda.send(new UpdateAliasCommand({ FunctionName: 'conformance-fn', Name: 'dev', Description: 'moved' })));
  const aliases = await lambda.send(new ListAliasesCommand({ FunctionName: 'conformance-fn' }));
  results.aliases = aliases.Aliases?.map(aliasShape);

  const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'conformance-fn' }));
  results.versions = versions.Versions?.map((version) => normalise(pick(version)));

  const permission = await lambda.send(
    new AddPermissionCommand({
      FunctionName: 'conformance-fn',
      StatementId: 's3-invoke',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: 'arn:aws:s3:::artifacts',
    }),
  );
  results.statement = normalise(JSON.parse(permission.Statement!));
  const policy = await lambda.send(new GetPolicyCommand({ FunctionName: 'conformance-fn' }));
  results.policy = normalise(JSON.parse(policy.Policy!));

  results.missingFunction = await errorName(lambda.send(new GetFunctionCommand({ FunctionName: 'absent' })));
  results.duplicateFunction = await errorName(
    lambda.send(new CreateFunctionCommand({ FunctionName: 'conformance-fn', Runtime: 'nodejs20.x', Role: roleArn, Handler: 'index.handler', Code: { ZipFile: ZIP } })),
  );
  results.missingAlias = await errorName(lambda.send(new UpdateAliasCommand({ FunctionName: 'conformance-fn', Name: 'absent', FunctionVersion: '1' })));
  results.duplicateStatement = await errorName(
    lambda.send(new AddPermissionCommand({ FunctionName: 'conformance-fn', StatementId: 's3-invoke', Action: 'lambda:InvokeFunction', Principal: '*' })),
  );
  return results;
}

async function errorName(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'no error';
  } catch (error) {
    return (error as Error).name;
  }
}

describe.skipIf(!motoAvailable())('Lambda control plane against moto', () => {
  let cloud: TestCloud;
  let moto: MotoServer;
  let local: Record<string, unknown>;
  let reference: Record<string, unknown>;

  beforeAll(async () => {
    [cloud, moto] = await Promise.all([startTestCloud({ lambda: { settleMs: 50 } }), startMoto()]);
    const [localTarget, motoTarget] = await Promise.all([prepare(cloud.url), prepare(moto.url)]);
    [local, reference] = await Promise.all([runScenario(localTarget), runScenario(motoTarget)]);
    for (const target of [localTarget, motoTarget]) {
      target.lambda.destroy();
      target.iam.destroy();
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([cloud?.stop(), moto?.stop()]);
  });

  it.each([
    'created',
    'configuration',
    'getFunction',
    'published',
    'republished',
    'alias',
    'updatedAlias',
    'aliases',
    'versions',
    'statement',
    'policy',
    'missingFunction',
    'duplicateFunction',
    'missingAlias',
  ])('agrees with moto on %s', (step) => {
    expect(local[step]).toEqual(reference[step]);
  });

  it('publishes nothing new when nothing changed, as both implementations do', () => {
    expect((local.republished as { Version: string }).Version).toBe('1');
  });

  it('rejects a duplicate statement id, where moto departs from Lambda', () => {
    expect(local.duplicateStatement).toBe('ResourceConflictException');
  });
});
