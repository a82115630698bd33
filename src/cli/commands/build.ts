import type { Command } from 'commander';

import { SERVICE_NAMES, buildServices } from '../build.js';
import type { BuiltService } from '../build.js';
import { parseServiceName } from '../names.js';
import { formatBytes, formatJson, renderTable } from '../output.js';
import type { Io } from '../output.js';
import { outDirOption } from '../session.js';

/** `keystage build [service...]`: bundles and zips the services, then prints size and SHA-256. */
export function registerBuild(program: Command, io: Io): void {
  program
    .command('build')
    .description(`Bundle each service into a deterministic zip (${SERVICE_NAMES.join(', ')}); the same sources give byte-identical zips.`)
    .argument('[services...]', `services to build (default: all of ${SERVICE_NAMES.join(', ')})`)
    .addOption(outDirOption('folder for <service>.zip'))
    .option('--json', 'print the result as JSON')
    .action(async (services: string[], options: { outDir: string; json?: boolean }) => {
      const names = services.length > 0 ? services.map(parseServiceName) : [...SERVICE_NAMES];
      const built = await buildServices({ outDir: options.outDir, services: names });

      io.stdout(options.json ? formatJson(built) : renderBuilt(built));
    });
}

export function renderBuilt(built: readonly BuiltService[]): string {
  return renderTable(
    ['SERVICE', 'SIZE', 'SHA256', 'ZIP'],
    built.map((service) => [service.service, formatBytes(service.sizeBytes), service.sha256, service.zipPath]),
  );
}
