import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

import { build } from 'esbuild';
import type { BuildOptions as EsbuildOptions } from 'esbuild';
import { zipSync } from 'fflate';

import { BuildError } from './errors.js';

/** The Lambda services keystage ships, each from `src/services/<name>/handler.ts`. */
export const SERVICE_NAMES = ['encryption', 'decryption', 'deploy'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Folder of the service sources in this checkout. */
export const DEFAULT_SERVICES_DIR = resolve(import.meta.dirname, '..', 'services');

/** Folder the CLI writes zips to by default: `dist/` at the repository root. */
export const DEFAULT_OUT_DIR = resolve(import.meta.dirname, '..', '..', 'dist');

/**
 * Modification time written for every zip entry. DOS times start in 1980 and fflate reads the
 * fields in local time, so a local-time constructor gives the same bytes in every time zone.
 */
const ZIP_ENTRY_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** Unix regular file, mode 0644: the attributes AWS expects for a readable handler file. */
const ZIP_ENTRY_ATTRS = (0o100644 << 16) >>> 0;
const ZIP_OS_UNIX = 3;

/**
 * esbuild bundles ESM; CommonJS dependencies that call `require` for Node built-ins need a real
 * `require`, which ESM lacks.
 */
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __keystageCreateRequire } from 'node:module';" +
  'const require = __keystageCreateRequire(import.meta.url);';

export interface BuildOptions {
  /** Folder to write `<service>.zip` into; created when missing. */
  outDir: string;
  /**
   * Services to build. Without it, every folder of `servicesDir` that has a `handler.ts`.
   */
  services?: readonly string[];
  /** Folder holding one sub-folder per service; the repository's `src/services` by default. */
  servicesDir?: string;
}

/** One built deployment package. */
export interface BuiltService {
  service: string;
  zipPath: string;
  sizeBytes: number;
  /** Hex SHA-256 of the zip, as `sha256sum` prints it and as the upload's `sha256` metadata. */
  sha256: string;
  /** Base64 SHA-256 of the zip: the `CodeSha256` Lambda reports for this package. */
  codeSha256: string;
}

/**
 * Bundles each service's handler into a minified ESM file, `index.mjs` (handler
 * `index.handler`), with the chunks it imports lazily, and packs them into a deterministic zip.
 * The same sources and dependencies give byte-identical zips, so the zip's digest identifies a
 * release.
 */
export async function buildServices(options: BuildOptions): Promise<BuiltService[]> {
  const servicesDir = options.servicesDir ?? DEFAULT_SERVICES_DIR;
  const services = options.services ?? discoverServices(servicesDir);

  mkdirSync(options.outDir, { recursive: true });

  const built: BuiltService[] = [];
  for (const service of services) {
    built.push(await buildService(service, servicesDir, options.outDir));
  }
  return built;
}

/** Names of the sub-folders of `servicesDir` that contain a `handler.ts`, sorted. */
export function discoverServices(servicesDir: string = DEFAULT_SERVICES_DIR): string[] {
  if (!existsSync(servicesDir)) return [];

  return readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(servicesDir, entry.name, 'handler.ts')))
    .map((entry) => entry.name)
    .sort();
}

async function buildService(service: string, servicesDir: string, outDir: string): Promise<BuiltService> {
  const entryPoint = join(servicesDir, service, 'handler.ts');
  if (!existsSync(entryPoint)) {
    throw new BuildError(`Service "${service}" has no entry point at ${entryPoint}; create it or build one of: ${discoverServices(servicesDir).join(', ') || '(none found)'}.`);
  }

  const files = await bundleHandler(service, entryPoint);
  const zip = packZip(files);

  const zipPath = join(outDir, `${service}.zip`);
  writeFileAtomically(zipPath, zip);
  return describeZip(service, zipPath, zip);
}

/**
 * Describes zips built earlier, `<outDir>/<service>.zip`, without building. Throws `BuildError`
 * naming the first missing zip.
 */
export function readBuiltServices(outDir: string, services: readonly string[]): BuiltService[] {
  return services.map((service) => {
    const zipPath = join(outDir, `${service}.zip`);
    if (!existsSync(zipPath)) throw new BuildError(`No built zip at ${zipPath}; run "keystage build --out-dir ${outDir}" first or let the command build.`);
    return describeZip(service, zipPath, readFileSync(zipPath));
  });
}

function describeZip(service: string, zipPath: string, zip: Uint8Array): BuiltService {
  return {
    service,
    zipPath,
    sizeBytes: zip.length,
    sha256: createHash('sha256').update(zip).digest('hex'),
    codeSha256: createHash('sha256').update(zip).digest('base64'),
  };
}

/**
 * The esbuild options of every service bundle: ESM for Node.js 20, minified and tree-shaken,
 * with code splitting, no source map and no legal comments, so the same sources give the same
 * bytes. The benchmarks build their reference bundles with the same options.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  treeShaking: true,
  legalComments: 'none',
  keepNames: true,
  sourcemap: false,
  mainFields: ['module', 'main'],
  banner: { js: CREATE_REQUIRE_BANNER },
  logLevel: 'silent',
} satisfies EsbuildOptions;

/** Virtual output folder of esbuild; nothing is written there (`write: false`). */
const BUNDLE_OUT_DIR = '/keystage-bundle';

/**
 * Bundles a handler into `index.mjs` plus, with code splitting, one `chunks/*.mjs` file per
 * module that the code loads with a dynamic `import()` (a cold start loads only `index.mjs` and
 * its static imports). Returns the files by their path inside the zip.
 */
async function bundleHandler(service: string, entryPoint: string): Promise<Record<string, Uint8Array>> {
  try {
    const result = await build({ ...BUNDLE_OPTIONS, entryPoints: { index: entryPoint }, outdir: BUNDLE_OUT_DIR, write: false });
    const files: Record<string, Uint8Array> = {};
    for (const output of result.outputFiles) files[relative(BUNDLE_OUT_DIR, output.path).split(sep).join('/')] = output.contents;
    if (!files['index.mjs']) throw new BuildError(`esbuild produced no index.mjs for service "${service}".`);
    return files;
  } catch (error) {
    if (error instanceof BuildError) throw error;
    throw new BuildError(`Bundling service "${service}" failed: ${firstBuildMessage(error)}`, { cause: error });
  }
}

/** Formats the first esbuild error with its location, or the error's message. */
function firstBuildMessage(error: unknown): string {
  const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
  const first = errors?.[0];
  if (first) {
    const where = first.location ? ` (${first.location.file}:${first.location.line})` : '';
    return `${first.text}${where}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Zips files with fixed times and attributes, entries in sorted order, so equal inputs give
 * equal bytes.
 */
export function packZip(files: Record<string, Uint8Array>): Uint8Array {
  const entries: Record<string, [Uint8Array, { mtime: Date; attrs: number; os: number; level: 9 }]> = {};
  for (const name of Object.keys(files).sort()) {
    entries[name] = [files[name] as Uint8Array, { mtime: ZIP_ENTRY_MTIME, attrs: ZIP_ENTRY_ATTRS, os: ZIP_OS_UNIX, level: 9 }];
  }
  return zipSync(entries);
}

function writeFileAtomically(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}
