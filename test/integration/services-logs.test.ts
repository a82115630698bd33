import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKmsClient } from '../../src/core/aws/clients.js';
import type { EncryptionResponse } from '../../src/services/encryption/handler.js';
import { createDecryptionHandler } from '../../src/services/decryption/handler.js';
import { createEncryptionHandler } from '../../src/services/encryption/handler.js';
import { CONFIG_BUCKET, invokeContext, REGION, startServicesCloud } from './services-fixtures.js';
import type { ServicesCloud } from './services-fixtures.js';
import { TEST_CREDENTIALS } from '../support/localcloud.js';

const PLAINTEXTS = ['card 4111 1111 1111 1111', 'password=hunter2-κλειδί', 'x'.repeat(5000)];
const ENVIRONMENT = ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED', 'CONFIG_BUCKET', 'POWERTOOLS_LOG_LEVEL', 'AWS_LAMBDA_FUNCTION_NAME'];

let services: ServicesCloud;
const logged: string[] = [];
const dataKeys: Buffer[] = [];
const ciphertexts: string[] = [];
const savedEnvironment = new Map<string, string | undefined>();
let restoreWrites: () => void = () => undefined;

/** Keeps every write to stdout and stderr from now on, still passing it through. */
function captureOutput(): () => void {
  const originals = [process.stdout.write, process.stderr.write] as const;
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  }
  return () => {
    process.stdout.write = originals[0];
    process.stderr.write = originals[1];
  };
}

/** A KMS client from the environment that also keeps every data key KMS returns. */
function recordingKmsClient() {
  const kms = createKmsClient();
  kms.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const plaintext = (result.output as { Plaintext?: Uint8Array }).Plaintext;
      if (plaintext) dataKeys.push(Buffer.from(plaintext));
      return result;
    },
    { step: 'initialize', name: 'recordDataKeys' },
  );
  return kms;
}

beforeAll(async () => {
  services = await startServicesCloud();
  const environment: Record<string, string> = {
    AWS_ENDPOINT_URL: services.cloud.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    CONFIG_BUCKET,
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    AWS_LAMBDA_FUNCTION_NAME: 'keystage-encryption',
  };
  for (const name of ENVIRONMENT) savedEnvironment.set(name, process.env[name]);
  Object.assign(process.env, environment);
  restoreWrites = captureOutput();

  const kms = recordingKmsClient();
  const encrypt = createEncryptionHandler({ kms });
  const decrypt = createDecryptionHandler({ kms });
  const context = (stage: string) => invokeContext('keystage-encryption', stage, `log-scan-${stage}`);

  for (const data of PLAINTEXTS) {
    for (const format of ['envelope', 'kms']) {
      const response = await encrypt({ data, format, context: { tenant: 'acme' } }, context('dev')).catch(() => undefined);
      if (!response) continue;
      const ciphertext = (response as EncryptionResponse).data;
      ciphertexts.push(ciphertext);
      await decrypt({ data: ciphertext, context: { tenant: 'acme' } }, context('dev'));
      await decrypt({ data: ciphertext }, context('dev')).catch(() => undefined);
      await decrypt({ data: ciphertext, context: { tenant: 'acme' } }, context('prod')).catch(() => undefined);
    }
    await encrypt({ data: Buffer.from(data).toString('base64').slice(1), encoding: 'base64' }, context('dev')).catch(() => undefined);
    await encrypt({ data, context: { secretKey: data } }, context('dev')).catch(() => undefined);
  }
});

afterAll(async () => {
  restoreWrites();
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await services?.stop();
});

describe('service logs', () => {
  it('captured the structured logs and metrics of the run', () => {
    const output = logged.join('');

    expect(output).toContain('"message":"Request completed"');
    expect(output).toContain('"_aws"');
    expect(output).toContain('"function_request_id":"log-scan-dev"');
    expect(output).toContain('"function_version":"3"');
    expect(output).toContain('"configSource":"memory"');
    expect(dataKeys.length).toBeGreaterThan(0);
  });

  it('never contain a plaintext', () => {
    const output = logged.join('');

    for (const plaintext of PLAINTEXTS) {
      expect(output.includes(plaintext.slice(0, 24)), plaintext.slice(0, 24)).toBe(false);
      expect(output.includes(Buffer.from(plaintext).toString('base64').slice(4, 28))).toBe(false);
    }
  });

  it('never contain a ciphertext body', () => {
    const output = logged.join('');

    for (const ciphertext of ciphertexts) {
      expect(output.includes(ciphertext.slice(8, 40))).toBe(false);
    }
  });

  it('never contain a data key', () => {
    const output = logged.join('');

    for (const dataKey of dataKeys) {
      expect(output.includes(dataKey.toString('base64').slice(0, 20))).toBe(false);
      expect(output.toLowerCase().includes(dataKey.toString('hex').slice(0, 24))).toBe(false);
    }
  });

  it('record rejected requests with their error class', () => {
    const output = logged.join('');

    expect(output).toContain('"error":"CiphertextInvalidError"');
    expect(output).toContain('"error":"InvalidInputError"');
  });

  it('show no unexpected failure', () => {
    expect(logged.join('')).not.toContain('"error":"InternalError"');
  });
});
