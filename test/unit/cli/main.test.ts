import { describe, expect, it } from 'vitest';

import { formatError, main } from '../../../src/cli/main.js';
import { UsageError } from '../../../src/cli/errors.js';
import { recordingIo } from './test-io.js';

/** An endpoint nothing listens on: commands that fail validation must never reach it. */
const UNUSED_ENDPOINT = ['--endpoint', 'http://127.0.0.1:9'];

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = recordingIo(env);
  const code = await main(args, io);
  return { code, output: io.output(), errors: io.errors() };
}

describe('main', () => {
  it('prints help with exit code 0', async () => {
    const result = await run(['--help']);

    expect(result.code).toBe(0);
    expect(result.output).toContain('Usage: keystage');
  });

  it('documents the endpoint choice in help', async () => {
    const result = await run(['status', '--help']);

    expect(result.output).toContain('$AWS_ENDPOINT_URL');
    expect(result.output).toContain('keystage up');
  });

  it('rejects a deploy without a description', async () => {
    const result = await run(['deploy', 'encryption', '--stage', 'dev', ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors).toMatch(/^keystage: Missing release description; pass --description/);
  });

  it('rejects a description over 256 characters', async () => {
    const result = await run(['deploy', 'encryption', '--stage', 'dev', '-d', 'x'.repeat(257), ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('257 characters');
  });

  it('rejects an unknown service', async () => {
    const result = await run(['deploy', 'compression', '--stage', 'dev', '-d', 'x', ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('Unknown service "compression"; use one of: encryption, decryption, deploy.');
  });

  it('rejects an invalid stage name', async () => {
    const result = await run(['history', 'encryption', '--stage', 'prod!', ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('Invalid stage "prod!"');
  });

  it('rejects an invalid strategy before uploading', async () => {
    const result = await run(['deploy', 'encryption', '--stage', 'dev', '-d', 'x', '--strategy', 'canary:150:10', ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('percent "150"');
  });

  it('rejects an invalid endpoint URL', async () => {
    const result = await run(['status', '--endpoint', 'localhost:4566']);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('Invalid endpoint "localhost:4566"');
  });

  it('rejects an invalid prefix', async () => {
    const result = await run(['status', '--prefix', 'Key_Stage', ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('Invalid prefix "Key_Stage"');
  });

  it('rejects promoting a stage to itself', async () => {
    const result = await run(['promote', 'encryption', '--from', 'dev', '--to', 'dev', ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('--from and --to are both "dev"');
  });

  it('rejects a non-numeric rollback version', async () => {
    const result = await run(['rollback', 'encryption', '--stage', 'dev', '--to', 'latest', ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('Invalid --to "latest"');
  });

  it('rejects an invalid inline payload', async () => {
    const result = await run(['invoke', 'encryption', '--stage', 'dev', '--payload', '{data:1}', ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors).toContain('Invalid --payload');
  });

  it('reports a missing required option in one line', async () => {
    const result = await run(['history', 'encryption']);

    expect(result.code).toBe(1);
    expect(result.errors).toContain("required option '-s, --stage <stage>' not specified");
  });

  it('reports an unreachable endpoint in one line', async () => {
    const result = await run(['status', ...UNUSED_ENDPOINT]);

    expect(result.code).toBe(1);
    expect(result.errors.trim().split('\n')).toHaveLength(1);
    expect(result.errors).not.toMatch(/\n\s+at /);
  });
});

describe('formatError', () => {
  it('prints a CLI error as its message', () => {
    expect(formatError(new UsageError('Invalid port "x".'), false)).toBe('keystage: Invalid port "x".');
  });

  it('adds the stack only when debugging', () => {
    expect(formatError(new UsageError('bad'), true)).toMatch(/\n.*at /);
  });

  it('names an unexpected error class', () => {
    expect(formatError(new TypeError('boom\nsecond line'), false)).toBe('keystage: TypeError: boom (set KEYSTAGE_DEBUG=1 for details)');
  });
});
