import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsCliEnvironment, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const run = promisify(execFile);

describe('AWS CLI against the local KMS', () => {
  let cloud: TestCloud;
  const workDir = mkdtempSync(join(tmpdir(), 'keystage-kms-cli-'));

  beforeAll(async () => {
    cloud = await startTestCloud();
  });

  afterAll(async () => {
    await cloud.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  async function aws(...args: string[]): Promise<string> {
    const { stdout } = await run('aws', ['--endpoint-url', cloud.url, ...args], { env: awsCliEnvironment(cloud.url) });
    return stdout;
  }

  it('creates a key, encrypts a file and decrypts it back', async () => {
    const created = JSON.parse(await aws('kms', 'create-key', '--description', 'cli key')) as { KeyMetadata: { KeyId: string; Arn: string } };
    await aws('kms', 'create-alias', '--alias-name', 'alias/keystage-cli', '--target-key-id', created.KeyMetadata.KeyId);
    const plaintextFile = join(workDir, 'plaintext.bin');
    const ciphertextFile = join(workDir, 'ciphertext.bin');
    writeFileSync(plaintextFile, Buffer.from([0, 1, 2, 250, 255, 10, 13]));

    const ciphertextBase64 = await aws(
      'kms', 'encrypt', '--key-id', 'alias/keystage-cli', '--plaintext', `fileb://${plaintextFile}`,
      '--encryption-context', 'stage=dev,service=keystage', '--query', 'CiphertextBlob', '--output', 'text',
    );
    await run('sh', ['-c', `printf '%s' "$1" | base64 -d > "$2"`, 'sh', ciphertextBase64.trim(), ciphertextFile]);
    const decrypted = JSON.parse(
      await aws('kms', 'decrypt', '--ciphertext-blob', `fileb://${ciphertextFile}`, '--encryption-context', 'service=keystage,stage=dev'),
    ) as { Plaintext: string; KeyId: string };

    expect(Buffer.from(decrypted.Plaintext, 'base64')).toEqual(readFileSync(plaintextFile));
    expect(decrypted.KeyId).toBe(created.KeyMetadata.Arn);
  });

  it('reports an unknown key as NotFoundException', async () => {
    const failure = await aws('kms', 'describe-key', '--key-id', 'alias/keystage-missing').catch((error: { stderr: string }) => error.stderr);

    expect(failure).toContain('An error occurred (NotFoundException) when calling the DescribeKey operation');
  });
});
