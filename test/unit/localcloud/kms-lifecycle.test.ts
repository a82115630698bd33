import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ProviderContext } from '../../../src/localcloud/context.js';
import { createKmsProvider } from '../../../src/localcloud/kms/provider.js';
import { createLogger } from '../../../src/localcloud/log.js';
import type { LocalRequest, Provider } from '../../../src/localcloud/request.js';

const DAY_MS = 86_400_000;

function kmsRequest(operation: string, input: object): LocalRequest {
  const body = Buffer.from(JSON.stringify(input));
  return {
    method: 'POST',
    rawPath: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': `TrentService.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
    hostname: '127.0.0.1',
    service: 'kms',
    region: 'us-east-1',
    accessKeyId: 'AKIAKEYSTAGETEST0001',
    accountId: '000000000000',
    requestId: 'request-1',
    authorize: () => undefined,
    readBody: async () => body,
    stream: undefined as never,
  };
}

async function call(provider: Provider, operation: string, input: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await provider.handle(kmsRequest(operation, input));
  return { status: response.status, body: JSON.parse(String(response.body)) as Record<string, unknown> };
}

describe('kms key life cycle over time', () => {
  let provider: Provider;
  let keyId: string;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const context = { db, accountId: '000000000000', logger: createLogger('silent') } as unknown as ProviderContext;
    provider = createKmsProvider(context);
    keyId = String(((await call(provider, 'CreateKey', {})).body.KeyMetadata as Record<string, unknown>).KeyId);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a key pending deletion until its window ends', async () => {
    await call(provider, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    vi.setSystemTime(Date.now() + 7 * DAY_MS - 1000);

    const described = await call(provider, 'DescribeKey', { KeyId: keyId });

    expect((described.body.KeyMetadata as Record<string, unknown>).KeyState).toBe('PendingDeletion');
  });

  it('deletes a key once its pending window ends', async () => {
    await call(provider, 'CreateAlias', { AliasName: 'alias/doomed', TargetKeyId: keyId });
    await call(provider, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    vi.setSystemTime(Date.now() + 7 * DAY_MS + 1000);

    const described = await call(provider, 'DescribeKey', { KeyId: keyId });
    const aliases = await call(provider, 'ListAliases', {});

    expect(described.body.__type).toBe('NotFoundException');
    expect(aliases.body.Aliases).toEqual([]);
  });

  it('rotates automatically when the rotation date passes', async () => {
    const before = await call(provider, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('old').toString('base64') });
    await call(provider, 'EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    vi.setSystemTime(Date.now() + 91 * DAY_MS);

    const status = await call(provider, 'GetKeyRotationStatus', { KeyId: keyId });
    const decrypted = await call(provider, 'Decrypt', { CiphertextBlob: before.body.CiphertextBlob });
    const after = await call(provider, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('new').toString('base64') });
    const described = await call(provider, 'DescribeKey', { KeyId: keyId });

    expect(status.body.NextRotationDate).toBe(Date.parse('2026-01-01T00:00:00Z') / 1000 + 180 * 86_400);
    expect(Buffer.from(String(decrypted.body.Plaintext), 'base64').toString()).toBe('old');
    expect(decrypted.body.KeyMaterialId).not.toBe((described.body.KeyMetadata as Record<string, unknown>).CurrentKeyMaterialId);
    expect(after.status).toBe(200);
  });

  it('records an automatic rotation', async () => {
    await call(provider, 'EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    vi.setSystemTime(Date.now() + 91 * DAY_MS);

    const rotations = await call(provider, 'ListKeyRotations', { KeyId: keyId });

    expect(rotations.body.Rotations).toEqual([
      expect.objectContaining({ RotationType: 'AUTOMATIC', RotationDate: Date.parse('2026-04-02T00:00:00Z') / 1000 }),
    ]);
  });

  it('does not rotate before the rotation date', async () => {
    const before = await call(provider, 'DescribeKey', { KeyId: keyId });
    await call(provider, 'EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    vi.setSystemTime(Date.now() + 89 * DAY_MS);

    const after = await call(provider, 'DescribeKey', { KeyId: keyId });

    expect((after.body.KeyMetadata as Record<string, unknown>).CurrentKeyMaterialId).toBe(
      (before.body.KeyMetadata as Record<string, unknown>).CurrentKeyMaterialId,
    );
  });
});
