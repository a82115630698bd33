import { DisableKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { HttpResponse } from '../../src/core/service/http.js';
import type { EncryptionResponse } from '../../src/services/encryption/handler.js';
import { invokeFailure, servicesHandlers, startServicesCloud } from './services-fixtures.js';
import type { ServicesCloud } from './services-fixtures.js';

let services: ServicesCloud;
let handlers: ReturnType<typeof servicesHandlers>;

async function encrypted(event: Record<string, unknown>, stage = 'dev'): Promise<EncryptionResponse> {
  return (await handlers.encrypt(event, stage)) as EncryptionResponse;
}

beforeAll(async () => {
  services = await startServicesCloud();
  handlers = servicesHandlers(services);
});

afterAll(async () => {
  await services?.stop();
});

describe('services against the local cloud', () => {
  it.each(['envelope', 'kms'])('round-trips text in the %s format', async (format) => {
    const { data, keyId, stage } = await encrypted({ data: 'integration text ✓', format });

    const decrypted = await handlers.decrypt({ data });

    expect(decrypted).toEqual({ data: 'integration text ✓' });
    expect(keyId).toBe(services.keyArns.dev);
    expect(stage).toBe('dev');
  });

  it('round-trips 1 MiB in the envelope format', async () => {
    const payload = Buffer.alloc(1024 * 1024);
    for (let index = 0; index < payload.length; index += 1) payload[index] = (index * 31) % 251;

    const { data } = await encrypted({ data: payload.toString('base64'), encoding: 'base64' });
    const decrypted = (await handlers.decrypt({ data, encoding: 'base64' })) as { data: string };

    expect(Buffer.from(decrypted.data, 'base64').equals(payload)).toBe(true);
  });

  it('round-trips a signed envelope message', async () => {
    await services.putConfig('prod', { keyId: 'alias/keystage-prod', signing: true });
    const signed = servicesHandlers(services);

    const { data } = (await signed.encrypt({ data: 'signed' }, 'prod')) as EncryptionResponse;

    expect(Buffer.from(data, 'base64')[1]).toBe(0x05);
    expect(await signed.decrypt({ data }, 'prod')).toEqual({ data: 'signed' });
    await services.putConfig('prod', { keyId: 'alias/keystage-prod', allowedContextKeys: ['tenant'] });
  });

  it('encrypts 4,096 bytes in the kms format', async () => {
    const { data } = await encrypted({ data: 'k'.repeat(4096), format: 'kms' });

    expect(await handlers.decrypt({ data })).toEqual({ data: 'k'.repeat(4096) });
  });

  it('rejects 4,097 bytes in the kms format', async () => {
    const failure = await invokeFailure(handlers.encrypt({ data: 'k'.repeat(4097), format: 'kms' }));

    expect(failure).toMatchObject({ name: 'PayloadTooLargeError', status: 413, error: 'PayloadTooLargeError' });
    expect(failure.message).toContain('envelope');
  });

  it.each(['envelope', 'kms'])('rejects a %s ciphertext of another stage', async (format) => {
    const { data } = await encrypted({ data: 'prod only', format }, 'prod');

    const failure = await invokeFailure(handlers.decrypt({ data }, 'dev'));

    expect(failure).toMatchObject({ name: 'CiphertextInvalidError', status: 400 });
  });

  it.each(['envelope', 'kms'])('rejects a tampered %s ciphertext', async (format) => {
    const bytes = Buffer.from((await encrypted({ data: 'do not alter', format })).data, 'base64');
    const index = bytes.length - 10;
    bytes[index] = (bytes[index] ?? 0) ^ 0x40;

    const failure = await invokeFailure(handlers.decrypt({ data: bytes.toString('base64') }));

    expect(failure.name).toBe('CiphertextInvalidError');
  });

  it.each(['envelope', 'kms'])('checks the caller context in the %s format', async (format) => {
    const { data } = await encrypted({ data: 'tenant', format, context: { tenant: 'acme' } });

    const failure = await invokeFailure(handlers.decrypt({ data, context: { tenant: 'globex' } }));

    expect(failure.name).toBe('CiphertextInvalidError');
    expect(await handlers.decrypt({ data, context: { tenant: 'acme' } })).toEqual({ data: 'tenant' });
  });

  it('rejects a context key the config does not allow', async () => {
    const failure = await invokeFailure(handlers.encrypt({ data: 'x', context: { owner: 'me' } }));

    expect(failure).toMatchObject({ name: 'InvalidInputError', status: 400 });
    expect(failure.message).toContain('"owner"');
  });

  it('answers an HTTP API event with a status code', async () => {
    const event = { version: '2.0', requestContext: { http: { method: 'POST' } }, isBase64Encoded: false, body: JSON.stringify({ data: 'via http' }) };

    const response = (await handlers.encrypt(event)) as HttpResponse;
    const decrypted = (await handlers.decrypt({ ...event, body: JSON.stringify({ data: JSON.parse(response.body).data }) })) as HttpResponse;

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(decrypted.body)).toEqual({ data: 'via http' });
  });

  it('answers a REST API event with the error status', async () => {
    const event = { httpMethod: 'POST', isBase64Encoded: true, body: Buffer.from(JSON.stringify({ data: 'x'.repeat(5000), format: 'kms' })).toString('base64') };

    const response = (await handlers.encrypt(event)) as HttpResponse;

    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'PayloadTooLargeError' });
  });

  it('reports a disabled key as KeyUnavailableError', async () => {
    const keyArn = await services.createKey('alias/keystage-disabled');
    await services.kms.send(new DisableKeyCommand({ KeyId: keyArn }));
    await services.putConfig('disabled', { keyId: 'alias/keystage-disabled' });

    const failure = await invokeFailure(handlers.encrypt({ data: 'x', format: 'kms' }, 'disabled'));

    expect(failure).toMatchObject({ name: 'KeyUnavailableError', status: 503 });
  });

  it('reports a stage without config naming the bucket and key', async () => {
    const failure = await invokeFailure(handlers.encrypt({ data: 'x' }, 'staging'));

    expect(failure.name).toBe('ConfigUnavailableError');
    expect(failure.message).toContain('staging/config.json');
  });
});
