import { createHash } from 'node:crypto';

import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  InvokeCommand,
  InvalidParameterValueException,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PreconditionFailedException,
  PublishVersionCommand,
  RemovePermissionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { HANDLER_SOURCES, createActiveFunction, functionInput, payloadJson, waitUpdated, zipOf } from './lambda-fixtures.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const SETTLE_MS = 1200;

let cloud: TestCloud;
let lambda: LambdaClient;

beforeAll(async () => {
  cloud = await startTestCloud({ lambda: { settleMs: SETTLE_MS } });
  lambda = new LambdaClient({ ...cloud.clientConfig, maxAttempts: 1 });
});

afterAll(async () => {
  lambda?.destroy();
  await cloud?.stop();
});

function sha256Base64(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

describe('CreateFunction', () => {
  it('creates a Pending function that becomes Active', async () => {
    const input = functionInput('lifecycle', HANDLER_SOURCES.commonjs, { Description: 'first', Tags: { team: 'keystage' } });
    const created = await lambda.send(new CreateFunctionCommand(input));

    expect(created.State).toBe('Pending');
    expect(created.StateReasonCode).toBe('Creating');
    expect(created.Version).toBe('$LATEST');
    expect(created.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:lifecycle');
    expect(created.CodeSha256).toBe(sha256Base64(input.Code!.ZipFile!));
    expect(created.CodeSize).toBe(input.Code!.ZipFile!.length);
    expect(created.Timeout).toBe(10);
    expect(created.MemorySize).toBe(128);

    await createActiveFunctionWait('lifecycle');
    const active = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle' }));
    expect(active.State).toBe('Active');
    expect(active.LastUpdateStatus).toBe('Successful');
  });

  it('rejects a zip that cannot be unzipped', async () => {
    const input = functionInput('corrupt', {}, { Code: { ZipFile: Buffer.from('this is not a zip archive at all') } });
    const call = lambda.send(new CreateFunctionCommand(input));
    await expect(call).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(call).rejects.toThrow(/Could not unzip uploaded file/);
  });

  it('rejects a second function with the same name', async () => {
    const call = lambda.send(new CreateFunctionCommand(functionInput('lifecycle', HANDLER_SOURCES.commonjs)));
    await expect(call).rejects.toBeInstanceOf(ResourceConflictException);
  });

  it('rejects an unsupported runtime', async () => {
    const call = lambda.send(new CreateFunctionCommand(functionInput('python', HANDLER_SOURCES.commonjs, { Runtime: 'python3.12' })));
    await expect(call).rejects.toThrow(/python3\.12/);
  });

  it('takes code from an S3 object version', async () => {
    const s3 = new S3Client(cloud.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'code-bucket' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'code-bucket', VersioningConfiguration: { Status: 'Enabled' } }));
    const firstZip = zipOf(HANDLER_SOURCES.commonjs);
    const first = await s3.send(new PutObjectCommand({ Bucket: 'code-bucket', Key: 'fn.zip', Body: firstZip }));
    await s3.send(new PutObjectCommand({ Bucket: 'code-bucket', Key: 'fn.zip', Body: zipOf(HANDLER_SOURCES.echo) }));
    s3.destroy();

    const created = await lambda.send(
      new CreateFunctionCommand(
        functionInput('from-s3', {}, { Code: { S3Bucket: 'code-bucket', S3Key: 'fn.zip', S3ObjectVersion: first.VersionId } }),
      ),
    );
    expect(created.CodeSha256).toBe(sha256Base64(firstZip));
  });

  it('reports a missing S3 object as InvalidParameterValueException', async () => {
    const input = functionInput('from-missing', {}, { Code: { S3Bucket: 'code-bucket', S3Key: 'absent.zip' } });
    await expect(lambda.send(new CreateFunctionCommand(input))).rejects.toThrow(/S3 Error Code: NoSuchKey/);
  });
});

async function createActiveFunctionWait(name: string): Promise<void> {
  const { waitUntilFunctionActiveV2 } = await import('@aws-sdk/client-lambda');
  const result = await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: name });
  expect(result.state).toBe('SUCCESS');
}

describe('GetFunction', () => {
  it('serves the zip at Code.Location and returns the tags', async () => {
    const response = await lambda.send(new GetFunctionCommand({ FunctionName: 'lifecycle' }));
    expect(response.Tags).toEqual({ team: 'keystage' });
    expect(response.Code?.RepositoryType).toBe('S3');

    const download = await fetch(response.Code!.Location!);
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(download.status).toBe(200);
    expect(sha256Base64(bytes)).toBe(response.Configuration!.CodeSha256);
  });

  it('accepts the function ARN as FunctionName', async () => {
    const response = await lambda.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:lifecycle' }));
    expect(response.Configuration?.FunctionName).toBe('lifecycle');
  });

  it('returns ResourceNotFoundException naming the function ARN', async () => {
    const call = lambda.send(new GetFunctionCommand({ FunctionName: 'nobody' }));
    await expect(call).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(call).rejects.toThrow('Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody');
  });
});

describe('update lifecycle', () => {
  it('is InProgress after UpdateFunctionCode, serving the old code and rejecting changes', async () => {
    const updated = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'lifecycle', ZipFile: zipOf(HANDLER_SOURCES.echo) }));
    expect(updated.LastUpdateStatus).toBe('InProgress');

    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:lifecycle';
    const message = `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`;
    const configuration = lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'lifecycle', Timeout: 20 }));
    await expect(configuration).rejects.toBeInstanceOf(ResourceConflictException);
    await expect(configuration).rejects.toThrow(message);
    await expect(lambda.send(new PublishVersionCommand({ FunctionName: 'lifecycle' }))).rejects.toBeInstanceOf(ResourceConflictException);
    await expect(
      lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'lifecycle', ZipFile: zipOf(HANDLER_SOURCES.commonjs) })),
    ).rejects.toBeInstanceOf(ResourceConflictException);

    const during = await lambda.send(new InvokeCommand({ FunctionName: 'lifecycle', Payload: Buffer.from('{}') }));
    expect(payloadJson(during.Payload)).toMatchObject({ style: 'commonjs' });

    expect(await waitUpdated(lambda, 'lifecycle')).toBe('SUCCESS');
    const after = await lambda.send(new InvokeCommand({ FunctionName: 'lifecycle', Payload: Buffer.from('{}') }));
    expect(payloadJson(after.Payload)).toMatchObject({ event: {} });
    expect(payloadJson(after.Payload)).not.toHaveProperty('style');
    const settled = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle' }));
    expect(settled.LastUpdateStatus).toBe('Successful');
    expect(settled.RevisionId).not.toBe(updated.RevisionId);
  });

  it('rejects UpdateFunctionConfiguration with a stale RevisionId', async () => {
    const call = lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'lifecycle', Timeout: 20, RevisionId: 'stale' }));
    await expect(call).rejects.toBeInstanceOf(PreconditionFailedException);
  });

  it('applies UpdateFunctionConfiguration with the current RevisionId', async () => {
    const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle' }));
    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'lifecycle', Timeout: 20, RevisionId: current.RevisionId }),
    );
    expect(updated.Timeout).toBe(20);
    expect(updated.LastUpdateStatus).toBe('InProgress');
    await waitUpdated(lambda, 'lifecycle');
  });

  it('rejects UpdateFunctionCode with a stale RevisionId', async () => {
    const call = lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'lifecycle', ZipFile: zipOf(HANDLER_SOURCES.commonjs), RevisionId: 'stale' }));
    await expect(call).rejects.toBeInstanceOf(PreconditionFailedException);
  });

  it('rejects UpdateFunctionCode with a corrupt zip and keeps the old code', async () => {
    const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle' }));
    await expect(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'lifecycle', ZipFile: Buffer.from('PK garbage') }))).rejects.toThrow(
      /Could not unzip uploaded file/,
    );
    const after = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle' }));
    expect(after.CodeSha256).toBe(before.CodeSha256);
    expect(after.LastUpdateStatus).toBe('Successful');
  });
});

describe('PublishVersion', () => {
  beforeAll(async () => {
    await createActiveFunction(lambda, functionInput('versions', HANDLER_SOURCES.version));
  });

  it('returns the newest version again when nothing changed', async () => {
    const first = await lambda.send(new PublishVersionCommand({ FunctionName: 'versions', Description: 'one' }));
    const again = await lambda.send(new PublishVersionCommand({ FunctionName: 'versions', Description: 'retry' }));

    expect(first.Version).toBe('1');
    expect(again.Version).toBe('1');
    expect(again.Description).toBe('one');
  });

  it('rejects a CodeSha256 that differs from $LATEST', async () => {
    const call = lambda.send(new PublishVersionCommand({ FunctionName: 'versions', CodeSha256: 'AAAA' }));
    await expect(call).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(call).rejects.toThrow(/CodeSHA256 \(AAAA\) is different from current CodeSHA256 in \$LATEST/);
  });

  it('rejects a RevisionId that differs from $LATEST', async () => {
    const call = lambda.send(new PublishVersionCommand({ FunctionName: 'versions', RevisionId: 'stale' }));
    await expect(call).rejects.toBeInstanceOf(PreconditionFailedException);
  });

  it('publishes a new version after a configuration change, leaving the old one unchanged', async () => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'versions', Environment: { Variables: { RELEASE: 'b' } } }));
    await waitUpdated(lambda, 'versions');
    const latest = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'versions' }));
    const second = await lambda.send(
      new PublishVersionCommand({ FunctionName: 'versions', CodeSha256: latest.CodeSha256, RevisionId: latest.RevisionId, Description: 'two' }),
    );

    expect(second.Version).toBe('2');
    expect(second.Environment?.Variables).toEqual({ RELEASE: 'b' });
    expect(second.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:versions:2');
    const first = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'versions', Qualifier: '1' }));
    expect(first.Environment).toBeUndefined();
    expect(first.Description).toBe('one');
  });

  it('lists $LATEST and the published versions, a page at a time', async () => {
    const all = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'versions' }));
    expect(all.Versions?.map((version) => version.Version)).toEqual(['$LATEST', '1', '2']);

    const page = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'versions', MaxItems: 2 }));
    expect(page.Versions).toHaveLength(2);
    const rest = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'versions', Marker: page.NextMarker }));
    expect(rest.Versions?.map((version) => version.Version)).toEqual(['2']);
    expect(rest.NextMarker).toBeUndefined();
  });
});

describe('aliases', () => {
  it('creates, reads, updates and lists an alias', async () => {
    const created = await lambda.send(new CreateAliasCommand({ FunctionName: 'versions', Name: 'dev', FunctionVersion: '1', Description: 'dev stage' }));
    expect(created.AliasArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:versions:dev');

    const read = await lambda.send(new GetAliasCommand({ FunctionName: 'versions', Name: 'dev' }));
    expect(read.FunctionVersion).toBe('1');

    const updated = await lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'versions',
        Name: 'dev',
        FunctionVersion: '2',
        RevisionId: read.RevisionId,
        RoutingConfig: { AdditionalVersionWeights: { '1': 0.25 } },
      }),
    );
    expect(updated.FunctionVersion).toBe('2');
    expect(updated.RoutingConfig?.AdditionalVersionWeights).toEqual({ '1': 0.25 });

    const listed = await lambda.send(new ListAliasesCommand({ FunctionName: 'versions' }));
    expect(listed.Aliases?.map((alias) => alias.Name)).toEqual(['dev']);
  });

  it('rejects UpdateAlias with a stale RevisionId', async () => {
    const call = lambda.send(new UpdateAliasCommand({ FunctionName: 'versions', Name: 'dev', FunctionVersion: '1', RevisionId: 'stale' }));
    await expect(call).rejects.toBeInstanceOf(PreconditionFailedException);
  });

  it.each([
    ['two additional versions', { '1': 0.1, '2': 0.1 }, InvalidParameterValueException],
    ['a weight above 1', { '1': 1.5 }, InvalidParameterValueException],
    ['$LATEST as additional version', { $LATEST: 0.1 }, InvalidParameterValueException],
    ['a version that does not exist', { '9': 0.1 }, ResourceNotFoundException],
  ])('rejects routing with %s', async (_case, weights, errorClass) => {
    const call = lambda.send(
      new CreateAliasCommand({ FunctionName: 'versions', Name: 'bad', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: weights } }),
    );
    await expect(call).rejects.toBeInstanceOf(errorClass);
  });

  it('rejects weighted routing from $LATEST', async () => {
    const call = lambda.send(
      new CreateAliasCommand({ FunctionName: 'versions', Name: 'bad', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } }),
    );
    await expect(call).rejects.toThrow('$LATEST is not supported for an alias pointing to more than 1 version');
  });

  it('refuses to delete a version that an alias routes to', async () => {
    const call = lambda.send(new DeleteFunctionCommand({ FunctionName: 'versions', Qualifier: '1' }));
    await expect(call).rejects.toBeInstanceOf(ResourceConflictException);
  });

  it('deletes a version once no alias routes to it', async () => {
    await lambda.send(new UpdateAliasCommand({ FunctionName: 'versions', Name: 'dev', RoutingConfig: { AdditionalVersionWeights: {} } }));
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'versions', Qualifier: '1' }));

    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'versions' }));
    expect(versions.Versions?.map((version) => version.Version)).toEqual(['$LATEST', '2']);
  });

  it('deletes an alias', async () => {
    await lambda.send(new DeleteAliasCommand({ FunctionName: 'versions', Name: 'dev' }));
    await expect(lambda.send(new GetAliasCommand({ FunctionName: 'versions', Name: 'dev' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('resource policy', () => {
  it('adds a statement and returns it in the policy document', async () => {
    const added = await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'versions',
        StatementId: 's3-invoke',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::artifacts',
        SourceAccount: '000000000000',
      }),
    );
    const statement = {
      Sid: 's3-invoke',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: 'arn:aws:lambda:us-east-1:000000000000:function:versions',
      Condition: { StringEquals: { 'AWS:SourceAccount': '000000000000' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::artifacts' } },
    };
    expect(JSON.parse(added.Statement!)).toEqual(statement);

    const policy = await lambda.send(new GetPolicyCommand({ FunctionName: 'versions' }));
    expect(JSON.parse(policy.Policy!)).toEqual({ Version: '2012-10-17', Id: 'default', Statement: [statement] });
    expect(policy.RevisionId).toBeTruthy();
  });

  it('rejects a duplicate statement id', async () => {
    const call = lambda.send(
      new AddPermissionCommand({ FunctionName: 'versions', StatementId: 's3-invoke', Action: 'lambda:InvokeFunction', Principal: '*' }),
    );
    await expect(call).rejects.toBeInstanceOf(ResourceConflictException);
  });

  it('removes a statement, and GetPolicy then finds no policy', async () => {
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'versions', StatementId: 's3-invoke' }));
    await expect(lambda.send(new GetPolicyCommand({ FunctionName: 'versions' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('DeleteFunction', () => {
  it('deletes the function with its versions and aliases', async () => {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'versions' }));
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: 'versions' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
