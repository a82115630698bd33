import type { Command } from 'commander';

import { readLedger } from '../../core/release/ledger.js';
import type { LedgerEntry } from '../../core/release/ledger.js';
import { artifactBucketName, functionName, parseServiceName, parseStageName } from '../names.js';
import { formatJson, renderTable } from '../output.js';
import type { Io } from '../output.js';
import { withCommonOptions } from '../session.js';
import type { CommonOptions } from '../session.js';
import { withSession } from './action.js';

interface HistoryOptions extends CommonOptions {
  stage: string;
  json?: boolean;
  limit: string;
}

/** `keystage history <service> --stage S`: the release ledger of one function and stage. */
export function registerHistory(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('history')
      .description('Show the release ledger of a service in a stage: every deployment, promotion and rollback, newest last.')
      .argument('<service>', 'encryption, decryption or deploy')
      .requiredOption('-s, --stage <stage>', 'stage, such as dev')
      .option('-n, --limit <count>', 'show only the newest <count> entries (0 for all)', '0')
      .option('--json', 'print the entries as JSON'),
  ).action(async (service: string, options: HistoryOptions) =>
    withSession<HistoryOptions>(io, setExitCode, async (session, opts) => {
      const name = functionName(session.prefix, parseServiceName(service));
      const stage = parseStageName(opts.stage);
      const limit = Number(opts.limit);
      const installation = await session.installation();

      const entries = await readLedger(session.clients.s3, artifactBucketName(installation), name, stage);
      const shown = Number.isInteger(limit) && limit > 0 ? entries.slice(-limit) : entries;

      if (opts.json) io.stdout(formatJson(shown));
      else if (shown.length === 0) io.stdout(`No releases of ${name} in ${stage} yet.\n`);
      else io.stdout(renderHistory(shown));
    })(options),
  );
}

export function renderHistory(entries: readonly LedgerEntry[]): string {
  return renderTable(
    ['TIME', 'KIND', 'OUTCOME', 'VERSION', 'STRATEGY', 'DESCRIPTION', 'REASON'],
    entries.map((entry) => [
      entry.time.replace(/\.\d+Z$/, 'Z'),
      entry.kind,
      entry.outcome,
      entry.previousVersion && entry.publishedVersion ? `${entry.previousVersion} → ${entry.publishedVersion}` : (entry.publishedVersion ?? '-'),
      entry.strategy,
      entry.description ?? '',
      entry.reason ?? '',
    ]),
  );
}
