import { DecryptCommand, GenerateDataKeyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';

import { createDecryptionHandler } from '../../../src/services/decryption/handler.js';
import type { DecryptionResponse } from '../../../src/services/decryption/handler.js';
import { createEncryptionHandler } from '../../../src/services/encryption/handler.js';
import type { EncryptionResponse } from '../../../src/services/encryption/handler.js';
import { CONFIG_BUCKET, contextFor, mockConfigs, mockKms, recordingTelemetry } from '../core/fakes.js';

const DEV_KEY = '11111111-1111-1111-1111-111111111111';
const PROD_KEY = '22222222-2222-2222-2222-222222222222';
const CONFIGS = {
  dev: { keyId: 'alias/keystage-dev', allowedContextKeys: ['tenant'] },
  prod: { keyId: 'alias/keystage-prod', allowedContextKeys: ['tenant'] },
};

let kms: ReturnType<typeof mockKms>;

function newHandlers(configs: Record<string, unknown> = CONFIGS) {
  mockConfigs(configs);
  const recorded = recordingTelemetry();
  const overrides = { s3: new S3Client({ region: 'us-east-1' }), kms: new KMSClient({ region: 'us-east-1' }), configBucket: CONFIG_BUCKET, telemetry: recorded.telemetry };
  return { encrypt: createEncryptionHandler(overrides), decrypt: createDecryptionHandler(overrides), ...recorded };
}

async function ciphertextOf(event: Record<string, unknown>, stage = 'dev'): Promise<string> {
  const response = (await newHandlers().encrypt(event, contextFor(stage))) as EncryptionResponse;
  return response.data;
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
  kms = mockKms({ 'alias/keystage-dev': DEV_KEY, 'alias/keystage-prod': PROD_KEY });
});

describe('decryption handler', () => {
  it.each(['envelope', 'kms'])('round-trips text in the %s format', async (format) => {
    const data = await ciphertextOf({ data: 'hello wörld', format });

    const response = await newHandlers().decrypt({ data }, contextFor('dev'));

    expect(response).toEqual({ data: 'hello wörld' });
  });

  it('accepts an encryption response as it is', async () => {
    const handlers = newHandlers();
    const encrypted = (await handlers.encrypt({ data: 'sent back whole' }, contextFor('dev'))) as EncryptionResponse;

    const response = await handlers.decrypt({ ...encrypted }, contextFor('dev'));

    expect(response).toEqual({ data: 'sent back whole' });
  });

  it('rejects an unknown request field', async () => {
    const data = await ciphertextOf({ data: 'hello' });

    const failure = await failureOf(newHandlers().decrypt({ data, plaintext: 'x' }, contextFor('dev')));

    expect(failure.name).toBe('InvalidInputError');
    expect(failure.body.message).toContain('"plaintext"');
  });

  it('returns binary plaintext as base64', async () => {
    const data = await ciphertextOf({ data: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), encoding: 'base64' });

    const response = await newHandlers().decrypt({ data }, contextFor('dev'));

    expect(response).toEqual({ data: '//4A', encoding: 'base64' });
  });

  it('returns base64 when asked even for text', async () => {
    const data = await ciphertextOf({ data: 'hi' });

    const response = await newHandlers().decrypt({ data, encoding: 'base64' }, contextFor('dev'));

    expect(response).toEqual({ data: 'aGk=', encoding: 'base64' });
  });

  it('rejects utf8 output for binary plaintext', async () => {
    const data = await ciphertextOf({ data: '/w==', encoding: 'base64' });

    const failure = await failureOf(newHandlers().decrypt({ data, encoding: 'utf8' }, contextFor('dev')));

    expect(failure.body.message).toContain('base64');
  });

  it('keeps a leading byte order mark', async () => {
    const data = await ciphertextOf({ data: '\uFEFFtext' });

    const response = (await newHandlers().decrypt({ data }, contextFor('dev'))) as DecryptionResponse;

    expect(response.data).toBe('\uFEFFtext');
  });

  it('ignores line breaks inside the base64', async () => {
    const data = await ciphertextOf({ data: 'wrapped' });
    const wrapped = data.replace(/(.{64})/g, '$1\r\n');

    const response = await newHandlers().decrypt({ data: ` ${wrapped}\n` }, contextFor('dev'));

    expect(response).toEqual({ data: 'wrapped' });
  });

  it('rejects invalid base64 with a 400', async () => {
    const failure = await failureOf(newHandlers().decrypt({ data: 'AgR4$$$$' }, contextFor('dev')));

    expect(failure.name).toBe('InvalidInputError');
    expect(failure.body.status).toBe(400);
  });

  it('checks the caller context', async () => {
    const data = await ciphertextOf({ data: 'tenant data', context: { tenant: 'acme' } });

    const response = await newHandlers().decrypt({ data, context: { tenant: 'acme' } }, contextFor('dev'));

    expect(response).toEqual({ data: 'tenant data' });
  });

  it.each(['envelope', 'kms'])('rejects a missing caller context in the %s format', async (format) => {
    const data = await ciphertextOf({ data: 'tenant data', format, context: { tenant: 'acme' } });

    const failure = await failureOf(newHandlers().decrypt({ data }, contextFor('dev')));

    expect(failure.name).toBe('CiphertextInvalidError');
  });

  it.each(['envelope', 'kms'])('rejects another caller context in the %s format', async (format) => {
    const data = await ciphertextOf({ data: 'tenant data', format, context: { tenant: 'acme' } });

    const failure = await failureOf(newHandlers().decrypt({ data, context: { tenant: 'other' } }, contextFor('dev')));

    expect(failure.name).toBe('CiphertextInvalidError');
  });

  it.each(['envelope', 'kms'])('rejects a %s ciphertext of another stage', async (format) => {
    const data = await ciphertextOf({ data: 'prod secret', format }, 'prod');

    const failure = await failureOf(newHandlers().decrypt({ data }, contextFor('dev')));

    expect(failure.name).toBe('CiphertextInvalidError');
    expect(failure.body.status).toBe(400);
  });

  it('decrypts a ciphertext whose key the config no longer names', async () => {
    const data = await ciphertextOf({ data: 'old' });
    const { decrypt } = newHandlers({ dev: { keyId: 'alias/keystage-prod' } });

    const response = await decrypt({ data }, contextFor('dev'));

    expect(response).toEqual({ data: 'old' });
  });

  it('rejects a tampered envelope ciphertext', async () => {
    const bytes = Buffer.from(await ciphertextOf({ data: 'integrity' }), 'base64');
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0x01;

    const failure = await failureOf(newHandlers().decrypt({ data: bytes.toString('base64') }, contextFor('dev')));

    expect(failure.name).toBe('CiphertextInvalidError');
  });

  it('rejects a truncated envelope ciphertext', async () => {
    const bytes = Buffer.from(await ciphertextOf({ data: 'integrity' }), 'base64');

    const failure = await failureOf(newHandlers().decrypt({ data: bytes.subarray(0, bytes.length - 5).toString('base64') }, contextFor('dev')));

    expect(failure.name).toBe('CiphertextInvalidError');
  });

  it('rejects bytes that are neither format', async () => {
    const failure = await failureOf(newHandlers().decrypt({ data: Buffer.from('plain words').toString('base64') }, contextFor('dev')));

    expect(failure.name).toBe('CiphertextInvalidError');
  });

  it('reuses decrypted data keys', async () => {
    const data = await ciphertextOf({ data: 'cached' });
    const { decrypt } = newHandlers();
    kms.kmsMock.resetHistory();

    for (let index = 0; index < 5; index += 1) await decrypt({ data }, contextFor('dev'));

    expect(kms.kmsMock.commandCalls(DecryptCommand)).toHaveLength(1);
    expect(kms.kmsMock.commandCalls(GenerateDataKeyCommand)).toHaveLength(0);
  });

  it.each([
    ['ThrottlingException', 'KmsThrottledError', 429],
    ['AccessDeniedException', 'KeyUnavailableError', 403],
  ])('reports a KMS %s during envelope decryption as %s', async (code, errorName, status) => {
    const data = await ciphertextOf({ data: 'x' });
    const { decrypt } = newHandlers();
    kms.kmsMock.on(DecryptCommand).rejects(new KMSServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 4 }, message: code }));

    const failure = await failureOf(decrypt({ data }, contextFor('dev')));

    expect(failure.name).toBe(errorName);
    expect(failure.body.status).toBe(status);
  });

  it('counts decryptions', async () => {
    const data = await ciphertextOf({ data: 'x' });
    const { decrypt, counts } = newHandlers();

    await decrypt({ data }, contextFor('dev'));

    expect(counts.decryptions).toBe(1);
  });

  it('never logs the plaintext', async () => {
    const data = await ciphertextOf({ data: 'do not log me' });
    const { decrypt, lines } = newHandlers();

    await decrypt({ data }, contextFor('dev'));

    expect(JSON.stringify(lines)).not.toContain('do not log me');
    expect(JSON.stringify(lines)).not.toContain(data.slice(0, 40));
  });
});
