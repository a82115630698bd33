import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsCliEnvironment, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const run = promisify(execFile);

/**
 * boto3 against the local cloud: S3 with metadata and a key that needs encoding, KMS with an
 * encryption context, IAM, STS and a Lambda control-plane call. The script prints one JSON
 * object of results; boto3 raises on any error, which fails the run.
 */
const SCRIPT = String.raw`
import json, os, boto3
endpoint = os.environ["AWS_ENDPOINT_URL"]
s3 = boto3.client("s3", endpoint_url=endpoint)
kms = boto3.client("kms", endpoint_url=endpoint)
iam = boto3.client("iam", endpoint_url=endpoint)
sts = boto3.client("sts", endpoint_url=endpoint)
lam = boto3.client("lambda", endpoint_url=endpoint)

s3.create_bucket(Bucket="boto3-bucket")
key = "dir/a key+with%odd ü.txt"
s3.put_object(Bucket="boto3-bucket", Key=key, Body=b"hello boto3", Metadata={"description": "from boto3"})
head = s3.head_object(Bucket="boto3-bucket", Key=key)
body = s3.get_object(Bucket="boto3-bucket", Key=key)["Body"].read().decode()
listed = [item["Key"] for item in s3.list_objects_v2(Bucket="boto3-bucket")["Contents"]]

key_id = kms.create_key()["KeyMetadata"]["KeyId"]
blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionContext={"stage": "dev"})["CiphertextBlob"]
plain = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"stage": "dev"})["Plaintext"].decode()
try:
    kms.decrypt(CiphertextBlob=blob, EncryptionContext={"stage": "prod"})
    wrong_context = "accepted"
except kms.exceptions.InvalidCiphertextException:
    wrong_context = "InvalidCiphertextException"

trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="boto3-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
identity = sts.get_caller_identity()["Account"]
try:
    lam.get_function_configuration(FunctionName="missing-function")
    missing = "found"
except lam.exceptions.ResourceNotFoundException:
    missing = "ResourceNotFoundException"

print(json.dumps({"metadata": head["Metadata"], "body": body, "listed": listed, "plain": plain,
                  "wrong_context": wrong_context, "role": role, "account": identity, "missing": missing}))
`;

function boto3Available(): boolean {
  const available = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
  if (!available && process.env.CI === 'true') throw new Error('boto3 is not installed, and CI=true requires this conformance test: run `pip install boto3`.');
  if (!available) console.warn('Skipping the boto3 test: python3 cannot import boto3 here.');
  return available;
}

describe.skipIf(!boto3Available())('boto3 against the local cloud', () => {
  let cloud: TestCloud;
  let results: Record<string, unknown>;

  beforeAll(async () => {
    cloud = await startTestCloud();
    const { stdout } = await run('python3', ['-c', SCRIPT], { env: awsCliEnvironment(cloud.url) });
    results = JSON.parse(stdout) as Record<string, unknown>;
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  it('round-trips user metadata', () => {
    expect(results.metadata).toEqual({ description: 'from boto3' });
  });

  it('round-trips a key that needs encoding', () => {
    expect(results.listed).toEqual(['dir/a key+with%odd ü.txt']);
    expect(results.body).toBe('hello boto3');
  });

  it('decrypts with the same encryption context', () => {
    expect(results.plain).toBe('secret');
  });

  it('rejects another encryption context', () => {
    expect(results.wrong_context).toBe('InvalidCiphertextException');
  });

  it('creates a role and reports the account', () => {
    expect(results.role).toBe('arn:aws:iam::000000000000:role/boto3-role');
    expect(results.account).toBe('000000000000');
  });

  it('maps a missing function to its exception class', () => {
    expect(results.missing).toBe('ResourceNotFoundException');
  });
});
