import { readFileSync } from 'node:fs';

import { Command, CommanderError } from 'commander';

import { errorMessage } from './clients.js';
import { registerBootstrap } from './commands/bootstrap.js';
import { registerBuild } from './commands/build.js';
import { registerConfig } from './commands/config.js';
import { registerDeploy } from './commands/deploy.js';
import { registerDestroy } from './commands/destroy.js';
import { registerHistory } from './commands/history.js';
import { registerInvoke } from './commands/invoke.js';
import { registerLogs } from './commands/logs.js';
import { registerPromote, registerRollback } from './commands/release-commands.js';
import { registerStatus } from './commands/status.js';
import { registerUp } from './commands/up.js';
import { CliError } from './errors.js';
import { processIo } from './output.js';
import type { Io } from './output.js';

/** Result of a command's action: an exit code, or nothing for success. */
export type ActionResult = number | void;

/** Registers a command's action; `main` owns the exit code that the action returns. */
export type CommandRegistrar = (program: Command, io: Io, setExitCode: (code: number) => void) => void;

/** The version in package.json, for `keystage --version`. */
const KEYSTAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const PROGRAM_HELP_FOOTER = `
Endpoint: --endpoint, else $AWS_ENDPOINT_URL, else the local cloud that "keystage up" serves
from the current folder while it runs, else AWS itself.

Examples:
  $ npm start                                                # local cloud with every stage deployed
  $ keystage deploy encryption --stage dev -d "fix padding"  # in another shell, same folder
  $ keystage promote encryption --from dev --to staging
  $ keystage status --json`;

const REGISTRARS: CommandRegistrar[] = [
  registerUp,
  registerBuild,
  registerBootstrap,
  registerDeploy,
  registerPromote,
  registerRollback,
  registerStatus,
  registerHistory,
  registerInvoke,
  registerLogs,
  registerConfig,
  registerDestroy,
];

/**
 * Runs the keystage CLI with the user's arguments (without `node` and the script path) and
 * returns the exit code. Errors print as one line on stderr; `KEYSTAGE_DEBUG=1` adds the stack.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let exitCode = 0;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr(`${formatError(error, io.env.KEYSTAGE_DEBUG === '1')}\n`);
    return 1;
  }
}

function createProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('keystage')
    .description(
      'Build, bootstrap, deploy and operate the keystage encryption services on AWS Lambda, or on the local cloud that `keystage up` starts.',
    )
    .version(KEYSTAGE_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', PROGRAM_HELP_FOOTER)
    .exitOverride()
    .configureOutput(outputFor(io));

  for (const register of REGISTRARS) register(program, io, setExitCode);

  for (const command of program.commands) {
    configureTree(command, io);
  }
  return program;
}

/** Applies exit and output handling to a command and its subcommands (such as `config get`). */
function configureTree(command: Command, io: Io): void {
  command.exitOverride().configureOutput(outputFor(io));
  for (const subcommand of command.commands) configureTree(subcommand, io);
}

/** Routes commander's help and errors through `io`, with errors in the CLI's `keystage: …` form. */
function outputFor(io: Io) {
  return {
    writeOut: io.stdout,
    writeErr: io.stderr,
    outputError: (text: string, write: (text: string) => void) => write(`keystage: ${text.replace(/^error: /, '')}`),
  };
}

/** Formats an error as one line for the user, adding the stack only when debugging. */
export function formatError(error: unknown, debug: boolean): string {
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  if (error instanceof CliError) return `keystage: ${oneLine(error.message)}${stack}`;

  const name = error instanceof Error ? error.name : 'Error';
  const hint = debug ? '' : ' (set KEYSTAGE_DEBUG=1 for details)';
  return `keystage: ${name}: ${errorMessage(error).split('\n')[0]}${hint}${stack}`;
}

/** Joins the lines of a message that quotes other text (a JSON parse error, a file's content). */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
