import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, IAMClient, ListRolesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { build } from 'esbuild';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsCliEnvironment, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const run = promisify(execFile);
const ACCOUNT = '000000000000';
const OPEN_BUCKET = 'readable-bucket';
const CLOSED_BUCKET = 'closed-bucket';
const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});
/** Reads objects of one bucket, except under `secret/`, which an explicit Deny covers. */
const READER_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${OPEN_BUCKET}/*` },
    { Effect: 'Deny', Action: 's3:GetObject', Resource: `arn:aws:s3:::${OPEN_BUCKET}/secret/*` },
  ],
});

/** Grants one call of each of KMS (under an encryption context), Lambda, IAM and STS. */
function operatorPolicy(keyArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'kms:Encrypt', Resource: keyArn, Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'test' } } },
      { Effect: 'Allow', Action: 'lambda:ListFunctions', Resource: '*' },
      { Effect: 'Allow', Action: 'iam:GetRole', Resource: `arn:aws:iam::${ACCOUNT}:role/reader` },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCOUNT}:role/reader` },
    ],
  });
}

/** The handler of the test function: one S3 read it may make and one it may not. */
const HANDLER_SOURCE = `
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
const s3 = new S3Client({});
async function read(bucket, key) {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { body: await object.Body.transformToString() };
  } catch (error) {
    return { error: error.name, status: error.$metadata?.httpStatusCode, message: error.message };
  }
}
export const handler = async () => ({
  allowed: await read('${OPEN_BUCKET}', 'notes.txt'),
  denied: await read('${CLOSED_BUCKET}', 'notes.txt'),
});
`;

interface ServiceFailure {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

async function failureOf(promise: Promise<unknown>): Promise<ServiceFailure> {
  return promise.then(
    () => {
      throw new Error('expected the call to be denied');
    },
    (error: unknown) => error as ServiceFailure,
  );
}

async function bundleHandler(): Promise<Uint8Array> {
  const output = await build({
    stdin: { contents: HANDLER_SOURCE, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return zipSync({ 'index.mjs': strToU8(output.outputFiles[0]!.text) });
}

describe('IAM enforcement', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-iam-enforcement-'));
  let cloud: TestCloud;
  let keyId: string;
  let sessionArn: string;
  let roleCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  const roleClients: { s3?: S3Client; kms?: KMSClient; lambda?: LambdaClient; iam?: IAMClient; sts?: STSClient } = {};
  const operatorClients: { kms?: KMSClient; lambda?: LambdaClient; iam?: IAMClient; sts?: STSClient } = {};
  const adminClients: { s3?: S3Client; lambda?: LambdaClient; iam?: IAMClient; sts?: STSClient; kms?: KMSClient } = {};

  beforeAll(async () => {
    cloud = await startTestCloud({ dataDir, enforceIam: true });
    const config = { ...cloud.clientConfig, maxAttempts: 1 };
    adminClients.s3 = new S3Client(config);
    adminClients.lambda = new LambdaClient(config);
    adminClients.iam = new IAMClient(config);
    adminClients.sts = new STSClient(config);
    adminClients.kms = new KMSClient(config);

    for (const bucket of [OPEN_BUCKET, CLOSED_BUCKET]) {
      await adminClients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await adminClients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notes.txt', Body: `notes of ${bucket}` }));
    }
    await adminClients.s3.send(new PutObjectCommand({ Bucket: OPEN_BUCKET, Key: 'secret/plan.txt', Body: 'plan' }));
    const key = (await adminClients.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    keyId = key.KeyId!;

    await adminClients.iam.send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: TRUST_POLICY }));
    await adminClients.iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'read-one-bucket', PolicyDocument: READER_POLICY }));
    await adminClients.iam.send(new CreateRoleCommand({ RoleName: 'broad-reader', AssumeRolePolicyDocument: TRUST_POLICY }));
    await adminClients.iam.send(new AttachRolePolicyCommand({ RoleName: 'broad-reader', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
    await adminClients.iam.send(new CreateRoleCommand({ RoleName: 'operator', AssumeRolePolicyDocument: TRUST_POLICY }));
    await adminClients.iam.send(new PutRolePolicyCommand({ RoleName: 'operator', PolicyName: 'operate', PolicyDocument: operatorPolicy(key.Arn!) }));

    const operator = await adminClients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/operator`, RoleSessionName: 'operator' }));
    const operatorConfig = {
      ...config,
      credentials: {
        accessKeyId: operator.Credentials!.AccessKeyId!,
        secretAccessKey: operator.Credentials!.SecretAccessKey!,
        sessionToken: operator.Credentials!.SessionToken!,
      },
    };
    operatorClients.kms = new KMSClient(operatorConfig);
    operatorClients.lambda = new LambdaClient(operatorConfig);
    operatorClients.iam = new IAMClient(operatorConfig);
    operatorClients.sts = new STSClient(operatorConfig);

    const assumed = await adminClients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/reader`, RoleSessionName: 'tester' }));
    sessionArn = assumed.AssumedRoleUser!.Arn!;
    const credentials = {
      accessKeyId: assumed.Credentials!.AccessKeyId!,
      secretAccessKey: assumed.Credentials!.SecretAccessKey!,
      sessionToken: assumed.Credentials!.SessionToken!,
    };
    roleCredentials = credentials;
    const roleConfig = { ...config, credentials };
    roleClients.s3 = new S3Client(roleConfig);
    roleClients.kms = new KMSClient(roleConfig);
    roleClients.lambda = new LambdaClient(roleConfig);
    roleClients.iam = new IAMClient(roleConfig);
    roleClients.sts = new STSClient(roleConfig);
  });

  afterAll(async () => {
    for (const client of [...Object.values(roleClients), ...Object.values(operatorClients), ...Object.values(adminClients)]) client?.destroy();
    await cloud?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('S3', () => {
    it('allows GetObject that the role policy grants', async () => {
      const object = await roleClients.s3!.send(new GetObjectCommand({ Bucket: OPEN_BUCKET, Key: 'notes.txt' }));

      expect(await object.Body!.transformToString()).toBe(`notes of ${OPEN_BUCKET}`);
    });

    it('denies GetObject on another bucket with AccessDenied', async () => {
      const failure = await failureOf(roleClients.s3!.send(new GetObjectCommand({ Bucket: CLOSED_BUCKET, Key: 'notes.txt' })));

      expect(failure.name).toBe('AccessDenied');
      expect(failure.$metadata.httpStatusCode).toBe(403);
      expect(failure.message).toBe(
        `User: ${sessionArn} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::${CLOSED_BUCKET}/notes.txt ` +
          'because no identity-based policy allows the s3:GetObject action',
      );
    });

    it('names the explicit deny that overrides an allow', async () => {
      const failure = await failureOf(roleClients.s3!.send(new GetObjectCommand({ Bucket: OPEN_BUCKET, Key: 'secret/plan.txt' })));

      expect(failure.name).toBe('AccessDenied');
      expect(failure.message).toContain('with an explicit deny in an identity-based policy');
    });

    it('denies PutObject that the policy does not list', async () => {
      const failure = await failureOf(roleClients.s3!.send(new PutObjectCommand({ Bucket: OPEN_BUCKET, Key: 'new.txt', Body: 'x' })));

      expect(failure.name).toBe('AccessDenied');
    });

    it('allows what an attached managed policy grants', async () => {
      const assumed = await adminClients.sts!.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/broad-reader`, RoleSessionName: 'broad' }));
      const s3 = new S3Client({
        ...cloud.clientConfig,
        maxAttempts: 1,
        credentials: {
          accessKeyId: assumed.Credentials!.AccessKeyId!,
          secretAccessKey: assumed.Credentials!.SecretAccessKey!,
          sessionToken: assumed.Credentials!.SessionToken!,
        },
      });

      const object = await s3.send(new GetObjectCommand({ Bucket: CLOSED_BUCKET, Key: 'notes.txt' }));
      s3.destroy();

      expect(await object.Body!.transformToString()).toBe(`notes of ${CLOSED_BUCKET}`);
    });

    it('leaves requests with other credentials unchecked', async () => {
      const response = await adminClients.s3!.send(new PutObjectCommand({ Bucket: CLOSED_BUCKET, Key: 'admin.txt', Body: 'x' }));

      expect(response.ETag).toBeDefined();
    });
  });

  describe('KMS', () => {
    it('denies Encrypt with AccessDeniedException and status 400', async () => {
      const failure = await failureOf(roleClients.kms!.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('hello') })));

      expect(failure.name).toBe('AccessDeniedException');
      expect(failure.$metadata.httpStatusCode).toBe(400);
      expect(failure.message).toContain(`not authorized to perform: kms:Encrypt on resource: arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`);
    });

    it('allows Encrypt under the encryption context a condition requires', async () => {
      const response = await operatorClients.kms!.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('hello'), EncryptionContext: { purpose: 'test' } }));

      expect(response.KeyId).toContain(keyId);
    });

    it('denies Encrypt under another encryption context', async () => {
      const failure = await failureOf(
        operatorClients.kms!.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('hello'), EncryptionContext: { purpose: 'other' } })),
      );

      expect(failure.name).toBe('AccessDeniedException');
    });

    it('allows Encrypt with other credentials', async () => {
      const response = await adminClients.kms!.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('hello') }));

      expect(response.CiphertextBlob?.length).toBeGreaterThan(0);
    });
  });

  describe('Lambda', () => {
    it('allows ListFunctions that the role policy grants', async () => {
      const response = await operatorClients.lambda!.send(new ListFunctionsCommand({}));

      expect(response.Functions).toBeDefined();
    });

    it('denies ListFunctions with AccessDeniedException and status 403', async () => {
      const failure = await failureOf(roleClients.lambda!.send(new ListFunctionsCommand({})));

      expect(failure.name).toBe('AccessDeniedException');
      expect(failure.$metadata.httpStatusCode).toBe(403);
      expect(failure.message).toContain('not authorized to perform: lambda:ListFunctions on resource: *');
    });
  });

  describe('IAM', () => {
    it('allows GetRole on the role the policy names', async () => {
      const response = await operatorClients.iam!.send(new GetRoleCommand({ RoleName: 'reader' }));

      expect(response.Role?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/reader`);
    });

    it('denies GetRole on another role', async () => {
      const failure = await failureOf(operatorClients.iam!.send(new GetRoleCommand({ RoleName: 'broad-reader' })));

      expect(failure.name).toBe('AccessDenied');
      expect(failure.message).toContain(`iam:GetRole on resource: arn:aws:iam::${ACCOUNT}:role/broad-reader`);
    });

    it('denies ListRoles with AccessDenied and status 403', async () => {
      const failure = await failureOf(roleClients.iam!.send(new ListRolesCommand({})));

      expect(failure.name).toBe('AccessDenied');
      expect(failure.$metadata.httpStatusCode).toBe(403);
    });
  });

  describe('STS', () => {
    it('allows AssumeRole on the role the policy names', async () => {
      const response = await operatorClients.sts!.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/reader`, RoleSessionName: 'chained' }));

      expect(response.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/reader/chained`);
    });

    it('answers GetCallerIdentity, which no policy can deny', async () => {
      const identity = await roleClients.sts!.send(new GetCallerIdentityCommand({}));

      expect(identity.Arn).toBe(sessionArn);
    });

    it('denies AssumeRole with AccessDenied and status 403', async () => {
      const failure = await failureOf(
        roleClients.sts!.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/broad-reader`, RoleSessionName: 'chained' })),
      );

      expect(failure.name).toBe('AccessDenied');
      expect(failure.$metadata.httpStatusCode).toBe(403);
      expect(failure.message).toContain(`not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/broad-reader`);
    });
  });

  describe('AWS CLI', () => {
    async function cliFailure(args: string[]): Promise<string> {
      const env = {
        ...awsCliEnvironment(cloud.url),
        AWS_ACCESS_KEY_ID: roleCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: roleCredentials.secretAccessKey,
        AWS_SESSION_TOKEN: roleCredentials.sessionToken,
      };
      const failure = await failureOf(run('aws', ['--endpoint-url', cloud.url, ...args], { env }));
      return (failure as unknown as { stderr: string }).stderr;
    }

    it('reports AccessDenied for a denied S3 read', async () => {
      const stderr = await cliFailure(['s3api', 'get-object', '--bucket', CLOSED_BUCKET, '--key', 'notes.txt', join(dataDir, 'out.txt')]);

      expect(stderr).toContain('(AccessDenied) when calling the GetObject operation');
    }, 30_000);

    it('reports AccessDeniedException for a denied KMS call', async () => {
      const stderr = await cliFailure(['kms', 'encrypt', '--key-id', keyId, '--plaintext', 'aGVsbG8=']);

      expect(stderr).toContain('(AccessDeniedException) when calling the Encrypt operation');
    }, 30_000);
  });

  describe('a function running with its role', () => {
    beforeAll(async () => {
      await adminClients.lambda!.send(
        new CreateFunctionCommand({
          FunctionName: 'bucket-reader',
          Runtime: 'nodejs20.x',
          Role: `arn:aws:iam::${ACCOUNT}:role/reader`,
          Handler: 'index.handler',
          Code: { ZipFile: await bundleHandler() },
          Timeout: 30,
        }),
      );
      await waitUntilFunctionActiveV2({ client: adminClients.lambda!, maxWaitTime: 60 }, { FunctionName: 'bucket-reader' });
    }, 60_000);

    it('gets AccessDenied from inside its handler for a call its role lacks', async () => {
      const response = await adminClients.lambda!.send(new InvokeCommand({ FunctionName: 'bucket-reader' }));
      const result = JSON.parse(Buffer.from(response.Payload!).toString('utf8')) as {
        allowed: { body?: string };
        denied: { error?: string; status?: number; message?: string };
      };

      expect(response.FunctionError).toBeUndefined();
      expect(result.allowed.body).toBe(`notes of ${OPEN_BUCKET}`);
      expect(result.denied.error).toBe('AccessDenied');
      expect(result.denied.status).toBe(403);
      expect(result.denied.message).toMatch(/^User: arn:aws:sts::000000000000:assumed-role\/reader\/.+ is not authorized to perform: s3:GetObject/);
    }, 120_000);

    it('denies Invoke to a role without lambda:InvokeFunction', async () => {
      const failure = await failureOf(roleClients.lambda!.send(new InvokeCommand({ FunctionName: 'bucket-reader' })));

      expect(failure.name).toBe('AccessDeniedException');
      expect(failure.$metadata.httpStatusCode).toBe(403);
      expect(failure.message).toContain(`lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:bucket-reader`);
    });
  });
});

describe('IAM enforcement off', () => {
  it('allows role sessions every call by default', async () => {
    const cloud = await startTestCloud();
    const config = { ...cloud.clientConfig, maxAttempts: 1 };
    const iam = new IAMClient(config);
    const sts = new STSClient(config);
    await iam.send(new CreateRoleCommand({ RoleName: 'powerless', AssumeRolePolicyDocument: TRUST_POLICY }));
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/powerless`, RoleSessionName: 'tester' }));
    const s3 = new S3Client({
      ...config,
      credentials: {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      },
    });

    try {
      const response = await s3.send(new CreateBucketCommand({ Bucket: 'created-by-powerless' }));

      expect(response.Location).toBeDefined();
    } finally {
      for (const client of [iam, sts, s3]) client.destroy();
      await cloud.stop();
    }
  });
});
