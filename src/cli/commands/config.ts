import type { Command } from 'commander';

import { applyAssignments } from '../config/assignments.js';
import { headConfig, listConfigVersions, readConfig, validateConfig, writeConfig } from '../config/store.js';
import type { ConfigLocation, StoredConfig } from '../config/store.js';
import { UsageError } from '../errors.js';
import { configBucketName, parseStageName } from '../names.js';
import { formatJson, renderTable } from '../output.js';
import type { Io } from '../output.js';
import { withCommonOptions } from '../session.js';
import type { CommonOptions, Session } from '../session.js';
import { readJsonFile } from './invoke.js';
import { withSession } from './action.js';

interface ConfigOptions extends CommonOptions {
  stage: string;
  json?: boolean;
}

/** `keystage config get|set|history|rollback --stage S`: the stage config object in the config bucket. */
export function registerConfig(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const config = program
    .command('config')
    .description('Read and change the stage config at s3://<config bucket>/<stage>/config.json. Running functions pick up a change within the config cache.maxAgeSeconds.');

  withCommonOptions(config.command('get').description('Print the stage config.'))
    .requiredOption('-s, --stage <stage>', 'stage, such as dev')
    .option('--effective', 'print the config with every default filled in')
    .action(
      withSession<ConfigOptions & { effective?: boolean }>(io, setExitCode, async (session, options) => {
        const location = await locate(session, options.stage);
        const stored = await readConfig(session.clients, location);
        io.stderr(`s3://${location.bucket}/${location.stage}/config.json (version ${stored.versionId ?? 'none'})\n`);
        io.stdout(formatJson(options.effective ? validateConfig(stored.document, location.stage) : stored.document));
      }),
    );

  withCommonOptions(
    config
      .command('set')
      .description('Change fields (key=value, dotted keys for nested fields) or replace the config (--file). The result is validated first; a rejected config changes nothing.')
      .argument('[assignments...]', 'key=value pairs, such as keyId=alias/keystage-dev cache.maxAgeSeconds=30'),
  )
    .requiredOption('-s, --stage <stage>', 'stage, such as dev')
    .option('-f, --file <file>', 'JSON file with the whole new config')
    .action(async (assignments: string[], options: ConfigOptions & { file?: string }) =>
      withSession<ConfigOptions & { file?: string }>(io, setExitCode, async (session, opts) => {
        if ((assignments.length > 0) === (opts.file !== undefined)) {
          throw new UsageError('Give either key=value assignments or --file <config.json>, not both and not neither.');
        }
        const location = await locate(session, opts.stage);
        const replacement = opts.file === undefined ? undefined : readJsonFile(opts.file, 'config');
        const current = replacement === undefined ? await readConfig(session.clients, location) : await headConfig(session.clients, location);

        const next = replacement ?? applyAssignments((current as StoredConfig).document, assignments);
        const written = await writeConfig(session.clients, location, next as Record<string, unknown>, current.etag);
        io.stderr(`wrote s3://${location.bucket}/${location.stage}/config.json (version ${written.versionId ?? 'none'}, previous ${current.versionId ?? 'none'})\n`);
        io.stdout(formatJson(next));
      })(options),
    );

  withCommonOptions(config.command('history').description('List the versions of the stage config, newest first.'))
    .requiredOption('-s, --stage <stage>', 'stage, such as dev')
    .option('--json', 'print the versions as JSON')
    .action(
      withSession<ConfigOptions>(io, setExitCode, async (session, options) => {
        const versions = await listConfigVersions(session.clients, await locate(session, options.stage));
        if (options.json) {
          io.stdout(formatJson(versions));
          return;
        }
        io.stdout(
          renderTable(
            ['VERSION ID', 'LAST MODIFIED', 'SIZE', 'LATEST'],
            versions.map((version) => [version.versionId, version.lastModified ?? '', version.isDeleteMarker ? '(deleted)' : `${version.sizeBytes ?? 0} B`, version.isLatest ? 'yes' : '']),
          ),
        );
      }),
    );

  withCommonOptions(config.command('rollback').description('Restore an earlier version of the stage config as a new version (default: the version before the current one).'))
    .requiredOption('-s, --stage <stage>', 'stage, such as dev')
    .option('--to <versionId>', 'S3 version id to restore, from "keystage config history"')
    .action(
      withSession<ConfigOptions & { to?: string }>(io, setExitCode, async (session, options) => {
        const location = await locate(session, options.stage);
        const current = await headConfig(session.clients, location);
        const target = options.to ?? (await previousVersionId(session, location, current.versionId));

        const restored = await readConfig(session.clients, location, target);
        const written = await writeConfig(session.clients, location, restored.document, current.etag);
        io.stderr(`restored version ${target} of s3://${location.bucket}/${location.stage}/config.json as version ${written.versionId ?? 'none'}\n`);
        io.stdout(formatJson(restored.document));
      }),
    );
}

async function locate(session: Session, stage: string): Promise<ConfigLocation> {
  const parsedStage = parseStageName(stage);
  return { bucket: configBucketName(await session.installation()), stage: parsedStage };
}

async function previousVersionId(session: Session, location: ConfigLocation, currentVersionId: string | undefined): Promise<string> {
  const versions = (await listConfigVersions(session.clients, location)).filter((version) => !version.isDeleteMarker);
  const currentIndex = versions.findIndex((version) => version.versionId === currentVersionId);
  const previous = versions[currentIndex + 1];
  if (currentIndex < 0 || !previous) {
    throw new UsageError(`The config of stage ${location.stage} has no earlier version to roll back to; see "keystage config history --stage ${location.stage}".`);
  }
  return previous.versionId;
}
