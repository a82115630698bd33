import { EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';

import { createEncryptionHandler } from '../../../src/services/encryption/handler.js';
import type { EncryptionResponse } from '../../../src/services/encryption/handler.js';
import { CONFIG_BUCKET, contextFor, keyArn, mockConfigs, mockKms, recordingTelemetry } from '../core/fakes.js';

const DEV_KEY = '11111111-1111-1111-1111-111111111111';
const BASE_CONFIG = { keyId: 'alias/keystage-dev', allowedContextKeys: ['tenant'] };

let kms: ReturnType<typeof mockKms>;

function newHandler(configs: Record<string, unknown> = { dev: BASE_CONFIG }) {
  mockConfigs(configs);
  const recorded = recordingTelemetry();
  const handler = createEncryptionHandler({
    s3: new S3Client({ region: 'us-east-1' }),
    kms: new KMSClient({ region: 'us-east-1' }),
    configBucket: CONFIG_BUCKET,
    telemetry: recorded.telemetry,
  });
  return { handler, ...recorded };
}

async function encrypt(event: unknown, stage = 'dev'): Promise<EncryptionResponse> {
  return (await newHandler().handler(event, contextFor(stage))) as EncryptionResponse;
}

async function failureOf(promise: Promise<unknown>): Promise<{ name: string; body: { status: number; error: string; message: string } }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the handler to fail');
    },
    (caught: Error) => caught,
  );
  return { name: error.name, body: JSON.parse(error.message) };
}

beforeEach(() => {
  kms = mockKms({ 'alias/keystage-dev': DEV_KEY });
});

describe('encryption handler', () => {
  it('returns exactly data, format, keyId and stage', async () => {
    const response = await encrypt({ data: 'hello' });

    expect(Object.keys(response).sort()).toEqual(['data', 'format', 'keyId', 'stage']);
    expect(response).toMatchObject({ format: 'envelope', keyId: keyArn(DEV_KEY), stage: 'dev' });
  });

  it('writes an Encryption SDK message with the committing suite', async () => {
    const response = await encrypt({ data: 'hello' });
    const bytes = Buffer.from(response.data, 'base64');

    expect([...bytes.subarray(0, 3)]).toEqual([0x02, 0x04, 0x78]);
  });

  it('uses the signing suite when the config sets signing', async () => {
    const { handler } = newHandler({ dev: { ...BASE_CONFIG, signing: true } });

    const response = (await handler({ data: 'hello' }, contextFor('dev'))) as EncryptionResponse;

    expect([...Buffer.from(response.data, 'base64').subarray(0, 3)]).toEqual([0x02, 0x05, 0x78]);
  });

  it('encrypts with KMS Encrypt in the kms format', async () => {
    const response = await encrypt({ data: 'hello', format: 'kms' });

    expect(response.format).toBe('kms');
    expect(kms.kmsMock.commandCalls(EncryptCommand)).toHaveLength(1);
  });

  it('binds stage, service and caller context', async () => {
    await encrypt({ data: 'hello', format: 'kms', context: { tenant: 'acme' } });

    expect(kms.kmsMock.commandCalls(EncryptCommand)[0]?.args[0].input.EncryptionContext).toEqual({ tenant: 'acme', stage: 'dev', service: 'keystage' });
  });

  it('uses the config default format', async () => {
    const { handler } = newHandler({ dev: { ...BASE_CONFIG, defaultFormat: 'kms' } });

    const response = (await handler({ data: 'hello' }, contextFor('dev'))) as EncryptionResponse;

    expect(response.format).toBe('kms');
  });

  it('decodes base64 input', async () => {
    await encrypt({ data: Buffer.from([0, 255, 1]).toString('base64'), encoding: 'base64', format: 'kms' });

    expect([...(kms.kmsMock.commandCalls(EncryptCommand)[0]?.args[0].input.Plaintext ?? [])]).toEqual([0, 255, 1]);
  });

  it('uses the stage of the alias', async () => {
    kms = mockKms({ 'alias/keystage-dev': DEV_KEY, 'alias/keystage-prod': '22222222-2222-2222-2222-222222222222' });
    const { handler } = newHandler({ dev: BASE_CONFIG, prod: { keyId: 'alias/keystage-prod' } });

    const response = (await handler({ data: 'hello' }, contextFor('prod'))) as EncryptionResponse;

    expect(response.stage).toBe('prod');
    expect(response.keyId).toBe(keyArn('22222222-2222-2222-2222-222222222222'));
  });

  it('uses the default stage for an unqualified invoke', async () => {
    const response = await encrypt({ data: 'hello' }, undefined as never);

    expect(response.stage).toBe('dev');
  });

  it('rejects a context key the config does not allow', async () => {
    const failure = await failureOf(newHandler().handler({ data: 'x', context: { region: 'eu' } }, contextFor('dev')));

    expect(failure.name).toBe('InvalidInputError');
    expect(failure.body.status).toBe(400);
    expect(failure.body.message).toContain('"region"');
  });

  it('rejects a reserved context key', async () => {
    const failure = await failureOf(newHandler().handler({ data: 'x', context: { stage: 'prod' } }, contextFor('dev')));

    expect(failure.body.message).toContain('"stage"');
  });

  it('rejects a missing data field', async () => {
    const failure = await failureOf(newHandler().handler({ text: 'x' }, contextFor('dev')));

    expect(failure.body).toMatchObject({ status: 400, error: 'InvalidInputError' });
  });

  it('rejects an unknown format', async () => {
    const failure = await failureOf(newHandler().handler({ data: 'x', format: 'aes' }, contextFor('dev')));

    expect(failure.body.message).toContain('"aes"');
  });

  it('rejects invalid base64 input', async () => {
    const failure = await failureOf(newHandler().handler({ data: 'not*base64', encoding: 'base64' }, contextFor('dev')));

    expect(failure.body.status).toBe(400);
  });

  it('rejects 4,097 bytes in the kms format with a hint', async () => {
    const failure = await failureOf(newHandler().handler({ data: 'a'.repeat(4097), format: 'kms' }, contextFor('dev')));

    expect(failure.name).toBe('PayloadTooLargeError');
    expect(failure.body.status).toBe(413);
    expect(failure.body.message).toContain('envelope');
  });

  it('accepts 4,096 bytes in the kms format', async () => {
    const response = await encrypt({ data: 'a'.repeat(4096), format: 'kms' });

    expect(response.format).toBe('kms');
  });

  it('reports a missing key as KeyUnavailableError', async () => {
    const { handler } = newHandler({ dev: { keyId: 'alias/missing' } });

    const failure = await failureOf(handler({ data: 'x' }, contextFor('dev')));

    expect(failure.name).toBe('KeyUnavailableError');
    expect(failure.body.status).toBe(503);
  });

  it('reports a disabled key as KeyUnavailableError', async () => {
    kms.disable(DEV_KEY);

    const failure = await failureOf(newHandler().handler({ data: 'x', format: 'kms' }, contextFor('dev')));

    expect(failure.name).toBe('KeyUnavailableError');
    expect(failure.body.message).toContain('disabled');
  });

  it('reports a disabled key in the envelope format', async () => {
    kms.disable(DEV_KEY);

    const failure = await failureOf(newHandler().handler({ data: 'x' }, contextFor('dev')));

    expect(failure.name).toBe('KeyUnavailableError');
  });

  it('rejects a payload whose ciphertext exceeds the response limit', async () => {
    const failure = await failureOf(newHandler().handler({ data: 'a'.repeat(4_800_000) }, contextFor('dev')));

    expect(failure.name).toBe('PayloadTooLargeError');
    expect(failure.body.status).toBe(413);
  });

  it('reports a stage without config as ConfigUnavailableError', async () => {
    const failure = await failureOf(newHandler().handler({ data: 'x' }, contextFor('staging')));

    expect(failure.name).toBe('ConfigUnavailableError');
    expect(failure.body.message).toContain(`s3://${CONFIG_BUCKET}/staging/config.json`);
  });

  it('counts encryptions and errors', async () => {
    const { handler, counts, errors } = newHandler();
    await handler({ data: 'x' }, contextFor('dev'));
    await handler({ data: 1 }, contextFor('dev')).catch(() => undefined);

    expect(counts.encryptions).toBe(1);
    expect(errors).toEqual(['InvalidInputError']);
  });

  it('reuses the data key across requests', async () => {
    const { handler } = newHandler();

    for (let index = 0; index < 10; index += 1) await handler({ data: `message ${index}` }, contextFor('dev'));

    expect(kms.kmsMock.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
  });

  it('logs sizes but never the plaintext', async () => {
    const { handler, lines } = newHandler();

    await handler({ data: 'top secret payload' }, contextFor('dev'));

    expect(JSON.stringify(lines)).not.toContain('top secret payload');
    expect(lines.at(-1)?.fields).toMatchObject({ plaintextBytes: 18, format: 'envelope' });
  });
});

describe('encryption handler with an invalid DEFAULT_STAGE', () => {
  it('fails with ConfigUnavailableError naming the value', async () => {
    mockConfigs({ dev: BASE_CONFIG });
    const handler = createEncryptionHandler({ s3: new S3Client({ region: 'us-east-1' }), kms: new KMSClient({ region: 'us-east-1' }), configBucket: CONFIG_BUCKET, defaultStage: '../prod', telemetry: recordingTelemetry().telemetry });

    const failure = await failureOf(handler({ data: 'x' }, contextFor(undefined)));

    expect(failure.name).toBe('ConfigUnavailableError');
    expect(failure.body.message).toContain('"../prod"');
  });
});

describe('encryption handler without CONFIG_BUCKET', () => {
  it('fails with ConfigUnavailableError', async () => {
    const previous = process.env.CONFIG_BUCKET;
    delete process.env.CONFIG_BUCKET;
    const handler = createEncryptionHandler({ s3: new S3Client({ region: 'us-east-1' }), kms: new KMSClient({ region: 'us-east-1' }), telemetry: recordingTelemetry().telemetry });

    const failure = await failureOf(handler({ data: 'x' }, contextFor('dev')));

    if (previous !== undefined) process.env.CONFIG_BUCKET = previous;
    expect(failure.name).toBe('ConfigUnavailableError');
    expect(failure.body.message).toContain('CONFIG_BUCKET');
  });
});
