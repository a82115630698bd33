import type { Command } from 'commander';

import { ReleaseFailedError, UsageError } from '../errors.js';
import { describeFunctionError, invokeJson } from '../lambda-invoke.js';
import { functionName, parseServiceName, parseStageName } from '../names.js';
import { formatJson } from '../output.js';
import type { Io } from '../output.js';
import { withCommonOptions } from '../session.js';
import type { CommonOptions, Session } from '../session.js';
import { withSession } from './action.js';

interface PromoteOptions extends CommonOptions {
  from: string;
  to: string;
  json?: boolean;
}

interface RollbackOptions extends CommonOptions {
  stage: string;
  to?: string;
  json?: boolean;
}

/** `keystage promote <service> --from dev --to staging`: points the target stage at the source stage's version. */
export function registerPromote(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('promote')
      .description('Move a stage to the version another stage runs, through the deploy function, which records it in the ledger.')
      .argument('<service>', 'encryption, decryption or deploy')
      .requiredOption('--from <stage>', 'stage whose version is promoted, such as dev')
      .requiredOption('--to <stage>', 'stage to move, such as staging')
      .option('--json', 'print the deploy function result as JSON'),
  ).action(async (service: string, options: PromoteOptions) =>
    withSession<PromoteOptions>(io, setExitCode, async (session, opts) => {
      const fromStage = parseStageName(opts.from);
      const toStage = parseStageName(opts.to);
      if (fromStage === toStage) throw new UsageError(`--from and --to are both "${fromStage}"; promote between two different stages.`);

      const target = functionName(session.prefix, parseServiceName(service));
      await sendCommand(session, io, { action: 'promote', function: target, fromStage, toStage }, `promote ${target} from ${fromStage} to ${toStage}`, opts.json);
    })(options),
  );
}

/** `keystage rollback <service> --stage S [--to VERSION]`: moves a stage back to an earlier good version. */
export function registerRollback(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('rollback')
      .description('Move a stage back to the previous good version (or --to a given one), through the deploy function, which records it in the ledger.')
      .argument('<service>', 'encryption, decryption or deploy')
      .requiredOption('-s, --stage <stage>', 'stage to roll back, such as dev')
      .option('--to <version>', 'published version number to return to (default: the previous good version in the ledger)')
      .option('--json', 'print the deploy function result as JSON'),
  ).action(async (service: string, options: RollbackOptions) =>
    withSession<RollbackOptions>(io, setExitCode, async (session, opts) => {
      const stage = parseStageName(opts.stage);
      if (opts.to !== undefined && !/^[1-9]\d*$/.test(opts.to)) {
        throw new UsageError(`Invalid --to "${opts.to}"; give a published version number such as 3 (see "keystage history ${service} --stage ${stage}").`);
      }

      const target = functionName(session.prefix, parseServiceName(service));
      const event = { action: 'rollback', function: target, stage, ...(opts.to ? { version: opts.to } : {}) };
      await sendCommand(session, io, event, `roll back ${target} in ${stage}`, opts.json);
    })(options),
  );
}

/**
 * Invokes the deploy function with a command event and prints its result. Throws
 * `ReleaseFailedError` when the function fails or reports an outcome other than `succeeded`.
 */
async function sendCommand(session: Session, io: Io, event: Record<string, string>, summary: string, json: boolean | undefined): Promise<void> {
  const deployName = functionName(session.prefix, 'deploy');
  const result = await invokeJson(session.clients, deployName, undefined, event);
  if (result.functionError) throw new ReleaseFailedError(`Could not ${summary}: ${describeFunctionError(result)}`);

  const payload = result.payload as { outcome?: string; reason?: string | null; publishedVersion?: string | null; previousVersion?: string | null } | undefined;
  const succeeded = payload?.outcome === undefined || payload.outcome === 'succeeded';
  if (json) io.stdout(formatJson(payload));
  else if (succeeded) io.stdout(`${summary}: ${payload?.outcome ?? 'done'}${describeMove(payload)}\n`);

  if (!succeeded) {
    const reason = payload?.reason ? `: ${payload.reason.replace(/\.$/, '')}` : '';
    throw new ReleaseFailedError(`Could not ${summary}: ${payload?.outcome}${reason}.`);
  }
}

/** Phrases the alias move of a promotion or rollback, for the line the command prints. */
export function describeMove(payload: { publishedVersion?: string | null; previousVersion?: string | null } | undefined): string {
  if (!payload?.publishedVersion) return '';
  if (payload.previousVersion === payload.publishedVersion) return ` (already on version ${payload.publishedVersion})`;
  return payload.previousVersion ? ` (version ${payload.previousVersion} → ${payload.publishedVersion})` : ` (version ${payload.publishedVersion})`;
}
