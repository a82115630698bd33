import type { Command } from 'commander';

import { DEFAULT_STAGES, artifactBucketName, parseStageList } from '../names.js';
import { formatJson } from '../output.js';
import type { Io } from '../output.js';
import { withCommonOptions } from '../session.js';
import type { CommonOptions } from '../session.js';
import { readStatus, renderStatus } from '../status.js';
import { withSession } from './action.js';

interface StatusOptions extends CommonOptions {
  stages: string;
  json?: boolean;
}

/** `keystage status`: which version each stage alias of each function points at. */
export function registerStatus(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('status')
      .description('Show, for each stage and function, the version its alias points at (with canary weights) and that version\'s description.')
      .option('--stages <list>', 'stages to show first; aliases of other stages are shown too', DEFAULT_STAGES.join(','))
      .option('--json', 'print the status as JSON'),
  ).action(
    withSession<StatusOptions>(io, setExitCode, async (session, options) => {
      const rows = await readStatus(session.clients, session.prefix, parseStageList(options.stages), artifactBucketName(await session.installation()));
      io.stdout(options.json ? formatJson(rows) : renderStatus(rows));
    }),
  );
}
