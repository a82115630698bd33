/**
 * Bundle size and cold module load time of each service, as a ratio to a bundle holding only
 * the S3 and KMS SDK clients (`reference-handler.ts`). Bundles are built with the esbuild options
 * of `src/cli/build.ts`, code splitting included. Both sides therefore keep the modules they
 * import lazily in chunks of their own: the SDK's credential providers, and the services'
 * Encryption SDK path. Two sizes are compared: the code a cold start loads (`index.mjs` and the chunks it imports
 * statically) and every file of the zip. Load time is the median time of `import()` of
 * `index.mjs` in a fresh Node.js process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { build } from 'esbuild';
import type { Metafile } from 'esbuild';

import { BUNDLE_OPTIONS } from '../../src/cli/build.js';
import { fixed, quantile } from './environment.js';
import type { ReportRow } from './environment.js';

const REPOSITORY = resolve(import.meta.dirname, '..', '..');
const LOAD_RUNS = 21;
const SERVICES = ['encryption', 'decryption'] as const;

/** The options `keystage build` bundles with, plus the metafile that the size figures read. */
const BUILD_OPTIONS = { ...BUNDLE_OPTIONS, write: false, metafile: true } as const;

interface BuiltBundle {
  /** Path of `index.mjs`. */
  path: string;
  /** Bytes of `index.mjs` and the chunks it imports statically. */
  coldStartBytes: number;
  /** Bytes of every file of the bundle. */
  totalBytes: number;
  files: number;
}

export async function measureBundles(): Promise<ReportRow[]> {
  const directory = mkdtempSync(join(tmpdir(), 'keystage-bundles-'));
  try {
    const referenceFile = await bundle(join(import.meta.dirname, 'reference-handler.ts'), join(directory, 'reference'));
    const rows: ReportRow[] = [];

    for (const service of SERVICES) {
      const serviceFile = await bundle(join(REPOSITORY, 'src', 'services', service, 'handler.ts'), join(directory, service));
      const loads = loadAlternating(referenceFile.path, serviceFile.path);
      const coldStartRatio = serviceFile.coldStartBytes / referenceFile.coldStartBytes;
      const totalRatio = serviceFile.totalBytes / referenceFile.totalBytes;
      const loadRatio = loads.measuredMs / loads.referenceMs;
      rows.push(
        {
          figure: `${service} code loaded at cold start`,
          measured: `${fixed(serviceFile.coldStartBytes / 1024, 0)} KiB`,
          reference: `${fixed(referenceFile.coldStartBytes / 1024, 0)} KiB (S3 and KMS clients only)`,
          ratio: fixed(coldStartRatio, 2),
          target: '<= 1.0',
          met: coldStartRatio <= 1,
        },
        {
          figure: `${service} bundle, all files`,
          measured: `${fixed(serviceFile.totalBytes / 1024, 0)} KiB in ${serviceFile.files} files`,
          reference: `${fixed(referenceFile.totalBytes / 1024, 0)} KiB in ${referenceFile.files} files`,
          ratio: fixed(totalRatio, 2),
          target: '<= 1.0',
          met: totalRatio <= 1,
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

async function bundle(entryPoint: string, outDir: string): Promise<BuiltBundle> {
  const result = await build({ ...BUILD_OPTIONS, entryPoints: { index: entryPoint }, outdir: outDir });

  let totalBytes = 0;
  for (const output of result.outputFiles) {
    mkdirSync(dirname(output.path), { recursive: true });
    writeFileSync(output.path, output.contents);
    totalBytes += output.contents.byteLength;
  }
  const path = join(outDir, 'index.mjs');
  return { path, coldStartBytes: staticClosureBytes(result.metafile, relative(process.cwd(), path)), totalBytes, files: result.outputFiles.length };
}

/** Bytes of an output file and every output it imports statically, transitively. */
export function staticClosureBytes(metafile: Metafile, outputPath: string): number {
  const seen = new Set<string>();
  const pending = [outputPath];
  let bytes = 0;
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const output = metafile.outputs[path];
    if (!output || seen.has(path)) continue;
    seen.add(path);
    bytes += output.bytes;
    for (const imported of output.imports) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  }
  if (seen.size === 0) throw new Error(`esbuild's metafile has no output ${outputPath}.`);
  return bytes;
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
