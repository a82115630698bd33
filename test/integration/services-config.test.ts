import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createS3Client } from '../../src/core/aws/clients.js';
import type { EncryptionResponse } from '../../src/services/encryption/handler.js';
import { closedPort, invokeFailure, manualClock, servicesHandlers, startServicesCloud } from './services-fixtures.js';
import type { ServicesCloud } from './services-fixtures.js';

const MAX_AGE_SECONDS = 10;
const MAX_STALE_SECONDS = 30;
const DEV_CONFIG = { keyId: 'alias/keystage-dev', cache: { maxAgeSeconds: MAX_AGE_SECONDS, maxStaleSeconds: MAX_STALE_SECONDS } };

let services: ServicesCloud;

beforeAll(async () => {
  services = await startServicesCloud();
});

afterAll(async () => {
  await services?.stop();
});

beforeEach(async () => {
  await services.putConfig('dev', DEV_CONFIG);
});

async function keyIdOf(handlers: ReturnType<typeof servicesHandlers>, event: Record<string, unknown> = { data: 'x' }): Promise<string> {
  return ((await handlers.encrypt(event)) as EncryptionResponse).keyId;
}

describe('config changes', () => {
  it('picks up a changed config after maxAgeSeconds', async () => {
    const clock = manualClock();
    const handlers = servicesHandlers(services, { now: clock.now });
    await handlers.encrypt({ data: 'x' });
    await services.putConfig('dev', { ...DEV_CONFIG, defaultFormat: 'kms' });

    const beforeExpiry = (await handlers.encrypt({ data: 'x' })) as EncryptionResponse;
    clock.advanceSeconds(MAX_AGE_SECONDS);
    const afterExpiry = (await handlers.encrypt({ data: 'x' })) as EncryptionResponse;

    expect(beforeExpiry.format).toBe('envelope');
    expect(afterExpiry.format).toBe('kms');
  });

  it('revalidates an unchanged config with a 304', async () => {
    const clock = manualClock();
    const handlers = servicesHandlers(services, { now: clock.now });
    await handlers.encrypt({ data: 'x' });

    clock.advanceSeconds(MAX_AGE_SECONDS);
    const lookup = await handlers.configs.get('dev');

    expect(lookup.source).toBe('notModified');
  });

  it('rotates the key through the config and still decrypts old ciphertexts', async () => {
    const clock = manualClock();
    const handlers = servicesHandlers(services, { now: clock.now });
    const oldEnvelope = (await handlers.encrypt({ data: 'old envelope' })) as EncryptionResponse;
    const oldKms = (await handlers.encrypt({ data: 'old kms', format: 'kms' })) as EncryptionResponse;
    const newKeyArn = await services.createKey('alias/keystage-dev-next');
    await services.putConfig('dev', { ...DEV_CONFIG, keyId: newKeyArn });

    clock.advanceSeconds(MAX_AGE_SECONDS);

    expect(await keyIdOf(handlers)).toBe(newKeyArn);
    expect(await keyIdOf(handlers, { data: 'x', format: 'kms' })).toBe(newKeyArn);
    expect(oldEnvelope.keyId).toBe(services.keyArns.dev);
    expect(await handlers.decrypt({ data: oldEnvelope.data })).toEqual({ data: 'old envelope' });
    expect(await handlers.decrypt({ data: oldKms.data })).toEqual({ data: 'old kms' });
  });

  it('keeps the last good config when the new one is invalid', async () => {
    const clock = manualClock();
    const handlers = servicesHandlers(services, { now: clock.now });
    await handlers.encrypt({ data: 'x' });
    await services.putConfig('dev', { keyId: 'alias/keystage-dev', defaultFormat: 'rot13' });

    clock.advanceSeconds(MAX_AGE_SECONDS);
    const response = (await handlers.encrypt({ data: 'x' })) as EncryptionResponse;
    const lookup = await handlers.configs.get('dev');

    expect(response.format).toBe('envelope');
    expect(lookup.source).toBe('stale');
  });

  it('keeps the last good config when the object is not JSON', async () => {
    const clock = manualClock();
    const handlers = servicesHandlers(services, { now: clock.now });
    await handlers.encrypt({ data: 'x' });
    await services.putConfig('dev', '{"keyId": "alias/keystage-dev",');

    clock.advanceSeconds(MAX_AGE_SECONDS);

    expect(await keyIdOf(handlers)).toBe(services.keyArns.dev);
  });

  it('fails a cold start on an invalid config, listing the problem', async () => {
    await services.putConfig('dev', { keyId: 'alias/keystage-dev', cache: { maxAgeSeconds: -5 } });

    const failure = await invokeFailure(servicesHandlers(services).encrypt({ data: 'x' }));

    expect(failure.name).toBe('ConfigUnavailableError');
    expect(failure.message).toContain('cache.maxAgeSeconds');
  });

  it('accepts the older config shape', async () => {
    await services.putConfig('dev', { key: 'alias/keystage-dev' });

    expect(await keyIdOf(servicesHandlers(services))).toBe(services.keyArns.dev);
  });
});

describe('S3 outages', () => {
  it('serves the stale config while the object is gone, then fails past maxStaleSeconds', async () => {
    const clock = manualClock();
    const handlers = servicesHandlers(services, { now: clock.now });
    await handlers.encrypt({ data: 'x' });
    await services.deleteConfig('dev');

    clock.advanceSeconds(MAX_AGE_SECONDS + MAX_STALE_SECONDS - 1);
    const stale = (await handlers.encrypt({ data: 'x' })) as EncryptionResponse;
    clock.advanceSeconds(5);
    const failure = await invokeFailure(handlers.encrypt({ data: 'x' }));

    expect(stale.keyId).toBe(services.keyArns.dev);
    expect(failure).toMatchObject({ name: 'ConfigUnavailableError', status: 503 });
    expect(failure.message).toContain('NoSuchKey');
  });

  it('serves the stale config while S3 is unreachable, then fails past maxStaleSeconds', async () => {
    let endpoint = services.cloud.url;
    const s3 = createS3Client({ ...services.cloud.clientConfig, endpoint: async () => ({ url: new URL(endpoint) }) } as never);
    const clock = manualClock();
    const handlers = servicesHandlers(services, { now: clock.now, s3 });
    await handlers.encrypt({ data: 'x' });

    endpoint = `http://127.0.0.1:${await closedPort()}`;
    clock.advanceSeconds(MAX_AGE_SECONDS);
    const stale = (await handlers.encrypt({ data: 'x' })) as EncryptionResponse;
    clock.advanceSeconds(MAX_STALE_SECONDS);
    const failure = await invokeFailure(handlers.encrypt({ data: 'x' }));

    expect(stale.keyId).toBe(services.keyArns.dev);
    expect(failure.name).toBe('ConfigUnavailableError');
    expect(failure.message).toContain('maxStaleSeconds');
  });

  it('recovers when S3 comes back', async () => {
    const clock = manualClock();
    const handlers = servicesHandlers(services, { now: clock.now });
    await handlers.encrypt({ data: 'x' });
    await services.deleteConfig('dev');
    clock.advanceSeconds(MAX_AGE_SECONDS);
    await handlers.encrypt({ data: 'x' });

    await services.putConfig('dev', { ...DEV_CONFIG, defaultFormat: 'kms' });
    clock.advanceSeconds(5);
    const response = (await handlers.encrypt({ data: 'x' })) as EncryptionResponse;

    expect(response.format).toBe('kms');
  });
});
