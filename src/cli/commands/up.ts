import { resolve } from 'node:path';

import type { Command } from 'commander';

import type { LocalCloud } from '../../localcloud/index.js';
import { DEFAULT_REGION, LOCAL_CREDENTIALS, checkRegion } from '../clients.js';
import { CliError, UsageError } from '../errors.js';
import { DEFAULT_PREFIX, DEFAULT_STAGES, artifactBucketName, configBucketName, parseStageList } from '../names.js';
import type { Installation } from '../names.js';
import { renderTable } from '../output.js';
import { recordRunningCloud, removeRunningCloud } from '../running-cloud.js';
import type { Io } from '../output.js';
import { openSession, outDirOption, parsePrefix } from '../session.js';
import { renderStatus } from '../status.js';
import { bringUpStack } from '../up/stack.js';
import type { StageRelease } from '../up/releases.js';
import type { StackSummary } from '../up/stack.js';

/** Port of the local cloud, the one LocalStack made customary for AWS emulators. */
const DEFAULT_LOCAL_PORT = 4566;

interface UpOptions {
  port: string;
  host: string;
  dataDir: string;
  prefix: string;
  region: string;
  stages: string;
  outDir: string;
  build: boolean;
  releaseTimeout: string;
  enforceIam: boolean;
}

/** `keystage up`: the whole system on this machine, served until Ctrl-C. */
export function registerUp(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('up')
    .description(
      'Start the local cloud, build and bootstrap keystage in it, release encryption and decryption to every stage ' +
        'through the deploy function, check a round trip per stage, then serve until Ctrl-C. ' +
        'A second run on the same --data-dir reuses its state.',
    )
    .option('--port <port>', 'TCP port of the local cloud (0 picks a free one)', String(DEFAULT_LOCAL_PORT))
    .option('--host <address>', 'address to listen on; keep the loopback address unless other machines must connect', '127.0.0.1')
    .option('--data-dir <dir>', 'folder of the local cloud state, kept between runs', '.keystage/localcloud')
    .option('--region <region>', 'region the local cloud reports when a request names none, and the one the CLI uses', DEFAULT_REGION)
    .option('--prefix <prefix>', 'prefix of every resource name', DEFAULT_PREFIX)
    .option('--stages <list>', 'comma-separated stages', DEFAULT_STAGES.join(','))
    .addOption(outDirOption('folder for the built zips'))
    .option('--no-build', 'release the zips already in --out-dir instead of building them')
    .option('--release-timeout <seconds>', 'maximum wait for one release', '300')
    .option('--no-enforce-iam', 'let the functions make any call; by default calls signed with role credentials are checked against the role policies, as on AWS')
    .action((options: UpOptions) => runUp(options, io, setExitCode));
}

async function runUp(options: UpOptions, io: Io, setExitCode: (code: number) => void): Promise<void> {
  const port = parsePort(options.port);
  const prefix = parsePrefix(options.prefix);
  const stages = parseStageList(options.stages);
  const releaseTimeoutMs = parsePositiveSeconds(options.releaseTimeout, '--release-timeout') * 1000;
  const dataDir = resolve(options.dataDir);
  const region = checkRegion(options.region);

  const cloud = await startCloud({ dataDir, host: options.host, port, region, enforceIam: options.enforceIam });
  io.stderr(`Local cloud listening on ${cloud.url} (data in ${dataDir}; IAM ${options.enforceIam ? 'enforced for role credentials' : 'not enforced'})\n`);
  if (!isLoopbackAddress(options.host)) {
    io.stderr(`Warning: ${options.host} is not a loopback address, and the local cloud accepts any credentials from anyone who can reach it.\n`);
  }

  const session = openSession({ prefix }, io, { endpoint: cloud.url, region, credentials: LOCAL_CREDENTIALS });
  recordRunningCloud(process.cwd(), { url: cloud.url, region, pid: process.pid });
  try {
    const summary = await bringUpStack(session, {
      stages,
      outDir: options.outDir,
      build: options.build,
      description: 'initial release',
      releaseTimeoutMs,
      pollIntervalMs: 250,
      log: (line) => io.stderr(`${line}\n`),
    });
    io.stdout(renderSummary(summary, cloud.url, await session.installation()));
    if (failedReleases(summary).length > 0 || summary.roundTrips.some((trip) => !trip.ok)) setExitCode(1);

    io.stderr('Serving; press Ctrl-C to stop.\n');
    const signal = await io.interrupted();
    io.stderr(`${signal}: stopping the local cloud…\n`);
  } finally {
    removeRunningCloud(process.cwd(), process.pid);
    session.close();
    await cloud.close();
  }
  io.stderr('Stopped.\n');
}

function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Loads the local cloud only for `up`, so other commands neither need nor open its database. */
async function startCloud(settings: { dataDir: string; host: string; port: number; region: string; enforceIam: boolean }): Promise<LocalCloud> {
  const { dataDir, host, port, region, enforceIam } = settings;
  const { startLocalCloud } = await import('../../localcloud/index.js');
  try {
    return await startLocalCloud({ dataDir, host, port, defaultRegion: region, logLevel: 'warn', enforceIam });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`Port ${port} on ${host} is already in use; stop what listens there or pass --port <free port> (0 picks one).`, { cause: error });
    if (code === 'EADDRNOTAVAIL') throw new CliError(`Address ${host} is not available on this machine; pass --host 127.0.0.1.`, { cause: error });
    throw error;
  }
}

function failedReleases(summary: StackSummary): StageRelease[] {
  return summary.releases.filter((release) => release.entry !== undefined && release.entry.outcome !== 'succeeded');
}

function renderSummary(summary: StackSummary, url: string, installation: Installation): string {
  const { prefix, region } = installation;
  const artifactBucket = artifactBucketName(installation);
  const configBucket = configBucketName(installation);
  const trips = renderTable(
    ['STAGE', 'ROUND TRIP', 'TIME'],
    summary.roundTrips.map((trip) => [trip.stage, trip.ok ? 'ok' : `FAILED: ${trip.problem}`, `${trip.durationMs} ms`]),
  );
  const failures = failedReleases(summary).map(
    (release) => `FAILED: ${release.service} in ${release.stage} ${release.entry?.outcome}: ${release.entry?.reason ?? 'no reason given'} (see: npx keystage history ${release.service} --stage ${release.stage})`,
  );
  const env = `AWS_ENDPOINT_URL=${url} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=${region}`;
  const next = [
    'Try next, in another terminal in this folder (keystage commands find this local cloud by themselves):',
    `  npx keystage status`,
    `  npx keystage invoke encryption --stage dev --event events/encryption.json | npx keystage invoke decryption --stage dev --event -`,
    `  npx keystage deploy encryption --stage dev --description "my first change"`,
    `  npx keystage history encryption --stage dev`,
    `  npx keystage config get --stage dev    # s3://${configBucket}/dev/config.json`,
    `  npx keystage promote encryption --from dev --to staging`,
    'With the AWS CLI:',
    `  export ${env}`,
    `  aws lambda invoke --function-name ${prefix}-encryption --qualifier dev --payload fileb://events/encryption.json out.json && cat out.json`,
    `  aws s3 cp dist/encryption.zip s3://${artifactBucket}/dev/${prefix}-encryption.zip --metadata description="uploaded with the AWS CLI"`,
  ].join('\n');
  const failureLines = failures.length > 0 ? `\n${failures.join('\n')}\n` : '';
  return `\n${renderStatus(summary.status)}${failureLines}\n${trips}\n${next}\n`;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new UsageError(`Invalid port "${value}"; give a whole number from 0 to 65535 (0 picks a free port).`);
  return port;
}

export function parsePositiveSeconds(value: string, option: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds <= 0) throw new UsageError(`Invalid ${option} "${value}"; give a whole number of seconds above 0.`);
  return seconds;
}
