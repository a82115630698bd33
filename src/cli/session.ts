import { Option } from 'commander';
import type { Command } from 'commander';

import { DEFAULT_OUT_DIR } from './build.js';
import { createClients, destroyClients, getAccountId, resolveConnection, resolveRegion } from './clients.js';
import type { AwsClients, ConnectionOptions, ConnectionSettings } from './clients.js';
import { UsageError } from './errors.js';
import { DEFAULT_PREFIX } from './names.js';
import { findRunningCloud } from './running-cloud.js';
import type { Installation } from './names.js';
import type { Io } from './output.js';

/** Options every command accepts. */
export interface CommonOptions extends ConnectionOptions {
  prefix: string;
}

/** Help text shared by every command; states how the endpoint is chosen. */
export const ENDPOINT_HELP =
  'endpoint URL for every AWS service, such as the local cloud at http://127.0.0.1:4566 ' +
  '(default: $AWS_ENDPOINT_URL, else the local cloud that `keystage up` serves from this folder, else AWS itself)';

/** Adds `--endpoint`, `--region`, `--profile` and `--prefix` to a command. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--region <region>', 'AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, the region of --profile, else us-east-1)')
    .option('--profile <name>', 'named profile from ~/.aws/config for credentials (default: $AWS_PROFILE)')
    .option('--prefix <prefix>', 'prefix of every resource name: functions, roles, buckets, key aliases', DEFAULT_PREFIX);
}

/** An open connection for one command: SDK clients and the installation they address. */
export interface Session {
  io: Io;
  clients: AwsClients;
  prefix: string;
  /** Account, region and prefix; the account comes from STS on first use. */
  installation(): Promise<Installation>;
  close(): void;
}

/** Checks a prefix: it starts bucket names, so lower-case letters, digits and `-`, at most 20. */
export function parsePrefix(value: string): string {
  if (/^[a-z][a-z0-9-]{0,19}$/.test(value) && !value.endsWith('-')) return value;
  throw new UsageError(
    `Invalid prefix "${value}"; it starts S3 bucket names, so use 1 to 20 lower-case letters, digits or "-", starting with a letter (default: ${DEFAULT_PREFIX}).`,
  );
}

/** Opens a session from a command's options, or from settings a caller already resolved (such as `up`). */
export function openSession(options: CommonOptions, io: Io, settings?: ConnectionSettings): Session {
  const prefix = parsePrefix(options.prefix);
  const clients = createClients(settings ?? resolveConnection(withRunningCloud(options, io), io.env));

  let account: Promise<string> | undefined;
  return {
    io,
    clients,
    prefix,
    installation: async () => {
      const region = await resolveRegion(clients);
      account ??= getAccountId(clients);
      return { prefix, accountId: await account, region };
    },
    close: () => destroyClients(clients),
  };
}

/**
 * Aims a command at the local cloud that `keystage up` serves from the current folder, when
 * neither `--endpoint` nor `AWS_ENDPOINT_URL` names an endpoint, and prints a note on stderr.
 */
function withRunningCloud(options: CommonOptions, io: Io): CommonOptions {
  if (options.endpoint !== undefined || (io.env.AWS_ENDPOINT_URL ?? '') !== '') return options;

  const running = findRunningCloud(process.cwd());
  if (!running) return options;

  io.stderr(`Using the local cloud at ${running.url} that \`keystage up\` serves from this folder; pass --endpoint to choose another endpoint.\n`);
  return { ...options, endpoint: running.url, region: options.region ?? running.region };
}

/** Creates the `--out-dir` option, with the repository's `dist/` as its default. */
export function outDirOption(description: string): Option {
  return new Option('--out-dir <dir>', description).default(DEFAULT_OUT_DIR, 'dist/ in the keystage repository');
}
