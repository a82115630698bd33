import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';

import { buildServices, discoverServices, packZip } from '../../../src/cli/build.js';
import { BuildError } from '../../../src/cli/errors.js';

const servicesDir = join(import.meta.dirname, 'fixtures', 'services');
const scratch = mkdtempSync(join(tmpdir(), 'keystage-build-'));
const repositoryRoot = join(import.meta.dirname, '..', '..', '..');

/**
 * Folder for source snapshots inside the repository, so that imports of packages still resolve
 * to its node_modules.
 */
const snapshotRoot = join(repositoryRoot, 'node_modules', '.cache', `keystage-build-test-${process.pid}`);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(snapshotRoot, { recursive: true, force: true });
});

/**
 * Copies `src/services` and `src/core` and returns the copied services folder, so that both
 * builds read the same bytes even while someone edits the working tree.
 */
function snapshotSources(): string {
  for (const folder of ['services', 'core']) cpSync(join(repositoryRoot, 'src', folder), join(snapshotRoot, folder), { recursive: true });
  return join(snapshotRoot, 'services');
}

describe('buildServices', () => {
  it('produces byte-identical zips from the same sources', async () => {
    const [first] = await buildServices({ outDir: join(scratch, 'one'), servicesDir, services: ['hello'] });
    const [second] = await buildServices({ outDir: join(scratch, 'two'), servicesDir, services: ['hello'] });

    expect(first?.sha256).toBe(second?.sha256);
    expect(readFileSync(first!.zipPath).equals(readFileSync(second!.zipPath))).toBe(true);
  });

  it('builds the real services identically twice', async () => {
    const snapshot = snapshotSources();
    const first = await buildServices({ outDir: join(scratch, 'services-one'), servicesDir: snapshot });
    const second = await buildServices({ outDir: join(scratch, 'services-two'), servicesDir: snapshot });

    expect(first.map((built) => built.service)).toEqual(['decryption', 'deploy', 'encryption']);
    expect(second.map((built) => built.sha256)).toEqual(first.map((built) => built.sha256));
  });

  it('packs index.mjs with its lazy chunks', async () => {
    const [built] = await buildServices({ outDir: join(scratch, 'content'), servicesDir, services: ['hello'] });
    const entries = unzipSync(readFileSync(built!.zipPath));

    const names = Object.keys(entries);
    expect(names).toContain('index.mjs');
    expect(names.filter((name) => name !== 'index.mjs').every((name) => /^chunks\/[^/]+\.mjs$/.test(name))).toBe(true);
  });

  it('runs the handler from the unpacked zip', async () => {
    const [built] = await buildServices({ outDir: join(scratch, 'run'), servicesDir, services: ['hello'] });
    const unpacked = join(scratch, 'run', 'unpacked');
    for (const [name, bytes] of Object.entries(unzipSync(readFileSync(built!.zipPath)))) {
      mkdirSync(dirname(join(unpacked, name)), { recursive: true });
      writeFileSync(join(unpacked, name), bytes);
    }

    const module = (await import(join(unpacked, 'index.mjs'))) as { handler: (event: { name: string }) => Promise<{ greeting: string }> };
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
