import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';

import { buildServices, discoverServices, packZip } from '../../../src/cli/build.js';
import { BuildError } from '../../../src/cli/errors.js';

const servicesDir = join(import.meta.dirname, 'fixtures', 'services');
const scratch = mkdtempSync(join(tmpdir(), 'keystage-build-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('buildServices', () => {
  it('produces byte-identical zips from the same sources', async () => {
    const [first] = await buildServices({ outDir: join(scratch, 'one'), servicesDir, services: ['hello'] });
    const [second] = await buildServices({ outDir: join(scratch, 'two'), servicesDir, services: ['hello'] });

    expect(first?.sha256).toBe(second?.sha256);
    expect(readFileSync(first!.zipPath).equals(readFileSync(second!.zipPath))).toBe(true);
  });

  it('builds the real services identically twice', async () => {
    const first = await buildServices({ outDir: join(scratch, 'services-one') });
    const second = await buildServices({ outDir: join(scratch, 'services-two') });

    expect(first.map((built) => built.service)).toEqual(['decryption', 'deploy', 'encryption']);
    expect(second.map((built) => built.sha256)).toEqual(first.map((built) => built.sha256));
  });

  it('packs one index.mjs that exports the handler', async () => {
    const [built] = await buildServices({ outDir: join(scratch, 'content'), servicesDir, services: ['hello'] });
    const entries = unzipSync(readFileSync(built!.zipPath));

    expect(Object.keys(entries)).toEqual(['index.mjs']);
    const modulePath = join(scratch, 'content', 'index.mjs');
    writeFileSync(modulePath, entries['index.mjs']!);
    const module = (await import(modulePath)) as { handler: (event: { name: string }) => Promise<{ greeting: string }> };
    expect((await module.handler({ name: 'keystage' })).greeting).toBe('hello keystage');
  });

  it('reports the size and both digest forms', async () => {
    const [built] = await buildServices({ outDir: join(scratch, 'digest'), servicesDir, services: ['hello'] });
    const bytes = readFileSync(built!.zipPath);

    expect(built?.sizeBytes).toBe(bytes.length);
    expect(Buffer.from(built!.codeSha256, 'base64').toString('hex')).toBe(built?.sha256);
  });

  it('rejects a service without a handler', async () => {
    const build = buildServices({ outDir: join(scratch, 'missing'), servicesDir, services: ['nope'] });

    await expect(build).rejects.toBeInstanceOf(BuildError);
    await expect(build).rejects.toThrow(/"nope".*hello/);
  });
});

describe('discoverServices', () => {
  it('lists the folders that have a handler.ts', () => {
    expect(discoverServices(servicesDir)).toEqual(['hello']);
  });
});

describe('packZip', () => {
  it('orders entries by name whatever the input order', () => {
    const a = packZip({ 'b.txt': Buffer.from('b'), 'a.txt': Buffer.from('a') });
    const b = packZip({ 'a.txt': Buffer.from('a'), 'b.txt': Buffer.from('b') });

    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Object.keys(unzipSync(a))).toEqual(['a.txt', 'b.txt']);
  });
});
