/**
 * Bundle size and cold module load time of each service, as a ratio to a bundle holding only
 * the S3 and KMS SDK clients (`reference-handler.ts`). Bundles are built with the esbuild options
 * of `src/cli/build.ts`; load time is the median time of `import()` of the bundle in a fresh
 * Node.js process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { build } from 'esbuild';

import { fixed, quantile } from './environment.js';
import type { ReportRow } from './environment.js';

const REPOSITORY = resolve(import.meta.dirname, '..', '..');
const LOAD_RUNS = 21;
const SERVICES = ['encryption', 'decryption'] as const;

/** The options `keystage build` bundles with. */
const BUILD_OPTIONS = {
  bundle: true,
  write: false,
  outfile: 'index.mjs',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  treeShaking: true,
  legalComments: 'none',
  keepNames: true,
  sourcemap: false,
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire as __keystageCreateRequire } from 'node:module';const require = __keystageCreateRequire(import.meta.url);" },
  logLevel: 'silent',
} as const;

export async function measureBundles(): Promise<ReportRow[]> {
  const directory = mkdtempSync(join(tmpdir(), 'keystage-bundles-'));
  try {
    const referenceFile = await bundle(join(import.meta.dirname, 'reference-handler.ts'), join(directory, 'reference'));
    const rows: ReportRow[] = [];

    for (const service of SERVICES) {
      const serviceFile = await bundle(join(REPOSITORY, 'src', 'services', service, 'handler.ts'), join(directory, service));
      const loads = loadAlternating(referenceFile.path, serviceFile.path);
      const sizeRatio = serviceFile.bytes / referenceFile.bytes;
      const loadRatio = loads.measuredMs / loads.referenceMs;
      rows.push(
        {
          figure: `${service} bundle size`,
          measured: `${fixed(serviceFile.bytes / 1024, 0)} KiB`,
          reference: `${fixed(referenceFile.bytes / 1024, 0)} KiB (S3 and KMS clients only)`,
          ratio: fixed(sizeRatio, 2),
          target: '<= 1.0',
          met: sizeRatio <= 1,
        },
        {
          figure: `${service} cold module load (median of ${LOAD_RUNS})`,
          measured: `${fixed(loads.measuredMs, 1)} ms`,
          reference: `${fixed(loads.referenceMs, 1)} ms`,
          ratio: fixed(loadRatio, 2),
          target: '<= 1.0',
          met: loadRatio <= 1,
        },
      );
    }
    return rows;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function bundle(entryPoint: string, outDir: string): Promise<{ path: string; bytes: number }> {
  const result = await build({ ...BUILD_OPTIONS, entryPoints: [entryPoint], mainFields: [...BUILD_OPTIONS.mainFields] });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entryPoint}.`);

  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, 'index.mjs');
  writeFileSync(path, output.contents);
  return { path, bytes: output.contents.byteLength };
}

/** Median load times of two bundles, loaded alternately so both see the same machine load. */
function loadAlternating(referencePath: string, measuredPath: string): { referenceMs: number; measuredMs: number } {
  const referenceSamples: number[] = [];
  const measuredSamples: number[] = [];
  for (let run = 0; run < LOAD_RUNS; run += 1) {
    referenceSamples.push(loadOnce(referencePath));
    measuredSamples.push(loadOnce(measuredPath));
  }
  return { referenceMs: quantile(referenceSamples, 0.5), measuredMs: quantile(measuredSamples, 0.5) };
}

function loadOnce(file: string): number {
  const script = `const started = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - started));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' } });
  return Number(output);
}
