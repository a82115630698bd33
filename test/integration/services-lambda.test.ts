import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateAliasCommand,
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildServices } from '../../src/cli/build.js';
import type { BuiltService } from '../../src/cli/build.js';
import { COMMITTING_SIGNING_SUITE_ID, COMMITTING_SUITE_ID } from '../../src/core/crypto/suites.js';
import { CONFIG_BUCKET, startServicesCloud, STAGES } from './services-fixtures.js';
import type { ServicesCloud } from './services-fixtures.js';

const ROLE = 'arn:aws:iam::000000000000:role/keystage-services-test';

let services: ServicesCloud;
let lambda: LambdaClient;
let buildDir: string;
let built: BuiltService[];

async function deployFunction(name: string, zipPath: string): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: readFileSync(zipPath) },
      Timeout: 30,
      MemorySize: 256,
      Environment: { Variables: { CONFIG_BUCKET, DEFAULT_STAGE: 'dev' } },
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: name });
  const { Version } = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  for (const stage of STAGES) {
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: stage, FunctionVersion: Version }));
  }
}

async function invoke(name: string, qualifier: string | undefined, payload: unknown) {
  const response = await lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier, Payload: Buffer.from(JSON.stringify(payload)) }));
  const body = JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8')) as Record<string, unknown>;
  return { functionError: response.FunctionError, body };
}

beforeAll(async () => {
  services = await startServicesCloud();
  lambda = new LambdaClient(services.cloud.clientConfig);
  buildDir = mkdtempSync(join(tmpdir(), 'keystage-services-build-'));
  built = await buildServices({ outDir: buildDir, services: ['encryption', 'decryption'] });
  await services.putConfig('dev', { keyId: 'alias/keystage-dev', allowedContextKeys: ['tenant'], signing: true });

  for (const service of built) await deployFunction(`keystage-${service.service}`, service.zipPath);
});

afterAll(async () => {
  await services?.stop();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

describe('bundled services on the local Lambda runtime', () => {
  it('encrypts and decrypts through the stage alias', async () => {
    const encrypted = await invoke('keystage-encryption', 'prod', { data: 'bundled' });
    const decrypted = await invoke('keystage-decryption', 'prod', { data: encrypted.body.data });

    expect(encrypted.body).toMatchObject({ format: 'envelope', stage: 'prod', keyId: services.keyArns.prod });
    expect(decrypted.body).toEqual({ data: 'bundled' });
  });

  it('uses DEFAULT_STAGE for an unqualified invoke', async () => {
    const encrypted = await invoke('keystage-encryption', undefined, { data: 'default stage', format: 'kms' });

    expect(encrypted.body.stage).toBe('dev');
  });

  it('reports a typed error as errorType and a JSON errorMessage', async () => {
    const failed = await invoke('keystage-encryption', 'dev', { data: 'x'.repeat(4097), format: 'kms' });

    expect(failed.functionError).toBe('Unhandled');
    expect(failed.body.errorType).toBe('PayloadTooLargeError');
    expect(JSON.parse(String(failed.body.errorMessage))).toMatchObject({ status: 413, error: 'PayloadTooLargeError' });
  });

  it('rejects a ciphertext of another stage', async () => {
    const encrypted = await invoke('keystage-encryption', 'prod', { data: 'prod only' });

    const failed = await invoke('keystage-decryption', 'dev', { data: encrypted.body.data });

    expect(failed.body.errorType).toBe('CiphertextInvalidError');
  });

  it('answers an HTTP API event with a status code', async () => {
    const event = { version: '2.0', requestContext: { http: { method: 'POST' } }, isBase64Encoded: false, body: JSON.stringify({ data: 'http' }) };

    const response = await invoke('keystage-encryption', 'dev', event);

    expect(response.functionError).toBeUndefined();
    expect(response.body.statusCode).toBe(200);
  });

  it('writes and reads signed messages through the lazily loaded chunk', async () => {
    const encrypted = await invoke('keystage-encryption', 'dev', { data: 'signed in a bundle' });
    const message = Buffer.from(String(encrypted.body.data), 'base64');

    const decrypted = await invoke('keystage-decryption', 'dev', { data: encrypted.body.data });

    expect(message.readUInt16BE(1)).toBe(COMMITTING_SIGNING_SUITE_ID);
    expect(decrypted.body).toEqual({ data: 'signed in a bundle' });
  });

  it.each([COMMITTING_SUITE_ID, COMMITTING_SIGNING_SUITE_ID])('decrypts SDK messages of suite %i', async (suiteId) => {
    const keyring = new KmsKeyringNode({ generatorKeyId: 'alias/keystage-prod', clientProvider: () => new KMS(services.cloud.clientConfig) });
    const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const { result } = await encrypt(keyring, Buffer.from('from the SDK'), { encryptionContext: { stage: 'prod', service: 'keystage' }, suiteId });

    const decrypted = await invoke('keystage-decryption', 'prod', { data: result.toString('base64') });

    expect(decrypted.body).toEqual({ data: 'from the SDK' });
  });

  it('keeps the Encryption SDK out of index.mjs', () => {
    for (const service of built) {
      const files = unzipSync(readFileSync(service.zipPath));
      const chunks = Object.keys(files).filter((name) => name.startsWith('chunks/'));
      const sdkChunks = chunks.filter((name) => Buffer.from(files[name]!).includes('aws-crypto-public-key'));

      expect(Buffer.from(files['index.mjs']!).includes('aws-crypto-public-key'), service.service).toBe(false);
      expect(sdkChunks.length, service.service).toBeGreaterThan(0);
    }
  });
});
