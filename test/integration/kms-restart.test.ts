import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient, RotateKeyOnDemandCommand } from '@aws-sdk/client-kms';
import { afterAll, describe, expect, it } from 'vitest';

import { TEST_CREDENTIALS, TEST_REGION, startTestCloud } from '../support/localcloud.js';

const SERVE_SCRIPT = join(import.meta.dirname, '..', 'support', 'serve-localcloud.ts');

/** Starts a local cloud in a child process, so the test can kill it with SIGKILL. */
function serve(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE_SCRIPT, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`local cloud exited early with code ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve({ child, url: chunk.toString().trim() }));
  });
}

describe('kms across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-kms-restart-'));
  const killDir = mkdtempSync(join(tmpdir(), 'keystage-kms-kill-'));
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(killDir, { recursive: true, force: true });
  });

  it('decrypts a ciphertext made before the restart', async () => {
    const first = await startTestCloud({ dataDir });
    const firstClient = new KMSClient({ ...first.clientConfig, maxAttempts: 1 });
    const { KeyMetadata } = await firstClient.send(new CreateKeyCommand({ Description: 'survives restarts' }));
    await firstClient.send(new CreateAliasCommand({ AliasName: 'alias/keystage-restart', TargetKeyId: KeyMetadata!.KeyId }));
    const beforeRotation = await firstClient.send(
      new EncryptCommand({ KeyId: 'alias/keystage-restart', Plaintext: Buffer.from('kept'), EncryptionContext: { stage: 'dev' } }),
    );
    await firstClient.send(new RotateKeyOnDemandCommand({ KeyId: KeyMetadata!.KeyId }));
    firstClient.destroy();
    await first.stop();

    const second = await startTestCloud({ dataDir });
    const secondClient = new KMSClient({ ...second.clientConfig, maxAttempts: 1 });
    const decrypted = await secondClient.send(
      new DecryptCommand({ CiphertextBlob: beforeRotation.CiphertextBlob, EncryptionContext: { stage: 'dev' } }),
    );
    const described = await secondClient.send(new DescribeKeyCommand({ KeyId: 'alias/keystage-restart' }));
    secondClient.destroy();
    await second.stop();

    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('kept');
    expect(decrypted.KeyId).toBe(KeyMetadata!.Arn);
    expect(described.KeyMetadata?.Description).toBe('survives restarts');
    expect(described.KeyMetadata?.CurrentKeyMaterialId).not.toBe(KeyMetadata!.CurrentKeyMaterialId);
  });

  it('keeps keys and acknowledged ciphertexts after kill -9', async () => {
    const first = await serve(killDir);
    children.push(first.child);
    const firstClient = new KMSClient({ endpoint: first.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const { KeyMetadata } = await firstClient.send(new CreateKeyCommand({ Description: 'survives kill -9' }));
    await firstClient.send(new CreateAliasCommand({ AliasName: 'alias/keystage-kill', TargetKeyId: KeyMetadata!.KeyId }));
    const acknowledged: { text: string; blob: Uint8Array }[] = [];
    for (let index = 0; index < 20; index += 1) {
      const text = `message ${index}`;
      const { CiphertextBlob } = await firstClient.send(new EncryptCommand({ KeyId: 'alias/keystage-kill', Plaintext: Buffer.from(text) }));
      acknowledged.push({ text, blob: CiphertextBlob! });
      if (index === 9) await firstClient.send(new RotateKeyOnDemandCommand({ KeyId: KeyMetadata!.KeyId }));
    }
    first.child.kill('SIGKILL');
    firstClient.destroy();

    const second = await serve(killDir);
    children.push(second.child);
    const secondClient = new KMSClient({ endpoint: second.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const decrypted: string[] = [];
    for (const { blob } of acknowledged) {
      const { Plaintext } = await secondClient.send(new DecryptCommand({ CiphertextBlob: blob }));
      decrypted.push(Buffer.from(Plaintext!).toString());
    }
    secondClient.destroy();
    second.child.kill('SIGKILL');

    expect(decrypted).toEqual(acknowledged.map(({ text }) => text));
  });
});
