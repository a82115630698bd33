import type { Command } from 'commander';

import { DEFAULT_ARTIFACT_RETENTION_DAYS } from '../bootstrap/lifecycle.js';
import { applyPlan, describePlan, planBootstrap } from '../bootstrap/plan.js';
import type { BootstrapOptions, BootstrapPlan, PlannedChange } from '../bootstrap/plan.js';
import { SERVICE_NAMES, buildServices } from '../build.js';
import type { ServiceName } from '../build.js';
import { describeTarget } from '../clients.js';
import { UsageError } from '../errors.js';
import { DEFAULT_STAGES, parseStageList } from '../names.js';
import { formatJson, renderTable, requireConfirmation } from '../output.js';
import type { Io } from '../output.js';
import { outDirOption, withCommonOptions } from '../session.js';
import type { CommonOptions, Session } from '../session.js';
import { withSession } from './action.js';

interface BootstrapCommandOptions extends CommonOptions {
  stages: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  artifactRetentionDays: string;
  tlsOnlyPolicy: string;
  outDir: string;
}

/** `keystage bootstrap`: plans the resources keystage needs, shows the plan, and applies it after confirmation. */
export function registerBootstrap(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('bootstrap')
      .description(
        'Create or repair everything keystage needs: a KMS key per stage, the config and artifact buckets, IAM roles, ' +
          'the three functions with an alias per stage, the upload notification and a first config per stage. ' +
          'Reads current state first; with nothing to change it writes nothing.',
      )
      .option('--stages <list>', 'comma-separated stages', DEFAULT_STAGES.join(','))
      .addOption(outDirOption('folder of the built zips used to create missing functions'))
      .option('-y, --yes', 'apply without asking for confirmation')
      .option('--dry-run', 'print the plan and change nothing')
      .option(
        '--tls-only-policy <mode>',
        'bucket policy statement denying requests without TLS: on, off, or auto (on unless --endpoint is a plain http:// URL, ' +
          'where an endpoint that evaluates bucket policies would refuse every request)',
        'auto',
      )
      .option('--artifact-retention-days <days>', 'days S3 keeps a replaced artifact version before expiring it', String(DEFAULT_ARTIFACT_RETENTION_DAYS))
      .option('--json', 'print the plan as JSON'),
  ).action(
    withSession<BootstrapCommandOptions>(io, setExitCode, async (session, options) => {
      const stages = parseStageList(options.stages);
      const artifactRetentionDays = parseRetentionDays(options.artifactRetentionDays);
      const denyInsecureTransport = resolveTlsOnlyPolicy(options.tlsOnlyPolicy, session.clients.settings.endpoint);
      const plan = await planInstallation(session, stages, options.outDir, { artifactRetentionDays, denyInsecureTransport });

      io.stdout(options.json ? formatJson({ installation: plan.installation, changes: describePlan(plan), notices: plan.notices }) : renderPlan(plan));
      if (plan.steps.length === 0 || options.dryRun) return;

      const where = describeTarget(plan.installation.accountId, plan.installation.region, session.clients.settings);
      await requireConfirmation(
        io,
        options.yes,
        `Apply ${plan.steps.length} change(s) to ${where}?`,
        `Nothing was changed; confirm at the prompt or pass --yes to apply the plan to ${where}.`,
      );

      await applyPlan(plan, (step, index) => io.stderr(`[${index + 1}/${plan.steps.length}] ${formatChange(step)}\n`));
      io.stderr(`Bootstrap complete: ${plan.steps.length} change(s) applied.\n`);
    }),
  );
}

/** Builds the zips and plans the bootstrap of `stages`; shared by `bootstrap` and `up`. */
export async function planInstallation(
  session: Session,
  stages: readonly string[],
  outDir: string,
  settings: Pick<BootstrapOptions, 'artifactRetentionDays' | 'denyInsecureTransport'> = {},
): Promise<BootstrapPlan> {
  const installation = await session.installation();
  const built = await buildServices({ outDir, services: SERVICE_NAMES });
  const zips = Object.fromEntries(built.map((service) => [service.service, service.zipPath])) as Record<ServiceName, string>;

  return planBootstrap(session.clients, { ...installation, stages, zips, ...settings });
}

/** Resolves `--tls-only-policy`: `auto` is on for AWS and https:// endpoints, off for http:// ones. */
export function resolveTlsOnlyPolicy(mode: string, endpoint: string | undefined): boolean {
  if (mode === 'on') return true;
  if (mode === 'off') return false;
  if (mode === 'auto') return endpoint === undefined || !endpoint.startsWith('http:');
  throw new UsageError(`Invalid --tls-only-policy "${mode}"; use on, off or auto.`);
}

/** Checks `--artifact-retention-days`: S3 accepts a whole number of days, at least 1. */
export function parseRetentionDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) {
    throw new UsageError(`Invalid --artifact-retention-days "${value}"; give a whole number of days, 1 or more (default ${DEFAULT_ARTIFACT_RETENTION_DAYS}).`);
  }
  return days;
}

/** Renders the plan for people: a header naming where, one row per change, then the notices. */
export function renderPlan(plan: BootstrapPlan): string {
  const header = `Bootstrap plan for prefix ${plan.installation.prefix}, account ${plan.installation.accountId}, region ${plan.installation.region}, stages ${plan.stages.join(', ')}:\n`;
  const notices = plan.notices.map((notice) => `Note: ${notice}\n`).join('');
  if (plan.steps.length === 0) return `${header}Nothing to change; every resource is in place.\n${notices}`;

  const rows = plan.steps.map((step) => [symbolOf(step.action), step.resourceType, step.resource, step.detail]);
  const table = renderTable(['', 'TYPE', 'RESOURCE', 'CHANGE'], rows);
  return `${header}${table}${table.endsWith('\n') ? '' : '\n'}${notices}`;
}

export function formatChange(change: PlannedChange): string {
  return `${symbolOf(change.action)} ${change.resourceType} ${change.resource}: ${change.detail}`;
}

function symbolOf(action: PlannedChange['action']): string {
  if (action === 'create') return '+';
  if (action === 'update') return '~';
  return '↺';
}
