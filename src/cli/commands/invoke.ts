import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { Option } from 'commander';
import type { Command } from 'commander';

import { DEFAULT_SERVICES_DIR } from '../build.js';
import type { ServiceName } from '../build.js';
import { CliError, UsageError } from '../errors.js';
import { functionEnvironment } from '../bootstrap/functions.js';
import { TIMEOUT_SECONDS } from '../bootstrap/functions.js';
import { describeFunctionError, invokeJson } from '../lambda-invoke.js';
import { DEFAULT_STAGES, functionArn, functionName, parseServiceName, parseStageName } from '../names.js';
import { formatJson } from '../output.js';
import type { Io } from '../output.js';
import { withCommonOptions } from '../session.js';
import type { CommonOptions, Session } from '../session.js';
import { withSession } from './action.js';

/** Sample Lambda context of `--local` runs. */
export const DEFAULT_CONTEXT_FILE = resolve(import.meta.dirname, '..', '..', '..', 'events', 'context.json');

interface InvokeOptions extends CommonOptions {
  stage: string;
  event?: string;
  payload?: string;
  local?: boolean;
  context: string;
  logs?: boolean;
}

/** `keystage invoke <service> --stage S --event FILE`: one synchronous invocation through the stage alias, or in-process with `--local`. */
export function registerInvoke(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('invoke')
      .description(
        'Invoke a service through its stage alias and print the result payload; a function error prints on stderr and exits with 1. ' +
          'With --local the handler runs in this process from the sources, with the environment the function would have; its S3 and KMS calls still go to --endpoint.',
      )
      .argument('<service>', 'encryption, decryption or deploy')
      .requiredOption('-s, --stage <stage>', 'stage alias to invoke, such as dev')
      .option('-e, --event <file>', 'JSON event file, such as events/encryption.json, or - for standard input (default: {})')
      .option('-p, --payload <json>', 'the event as inline JSON, instead of --event')
      .option('--local', 'run the handler in this process instead of invoking Lambda')
      .addOption(new Option('--context <file>', 'Lambda context for --local runs').default(DEFAULT_CONTEXT_FILE, 'events/context.json in the keystage repository'))
      .option('--logs', 'also print the last 4 KB of the function log (remote invokes)'),
  ).action(async (service: string, options: InvokeOptions) =>
    withSession<InvokeOptions>(io, setExitCode, async (session, opts) => {
      const name = parseServiceName(service);
      const stage = parseStageName(opts.stage);
      const event = readEvent(opts);

      if (opts.local) return invokeLocally(session, io, name, stage, event, readJsonFile(opts.context, 'context') as Record<string, unknown>);
      return invokeRemotely(session, io, name, stage, event, opts.logs === true);
    })(options),
  );
}

async function invokeRemotely(session: Session, io: Io, service: ServiceName, stage: string, event: unknown, logs: boolean): Promise<number> {
  const result = await invokeJson(session.clients, functionName(session.prefix, service), stage, event, logs);
  if (result.logTail) io.stderr(result.logTail.endsWith('\n') ? result.logTail : `${result.logTail}\n`);
  if (result.executedVersion) io.stderr(`executed version ${result.executedVersion}\n`);

  if (result.functionError) {
    io.stderr(`keystage: ${functionName(session.prefix, service)}:${stage} failed: ${describeFunctionError(result)}\n`);
    return 1;
  }
  io.stdout(formatJson(result.payload));
  return 0;
}

/**
 * Runs the handler from `src/services/<service>/handler.ts` in this process. The environment is
 * set before the module loads, because services create their SDK clients at load time, and
 * restored afterwards.
 */
async function invokeLocally(session: Session, io: Io, service: ServiceName, stage: string, event: unknown, contextTemplate: Record<string, unknown>): Promise<number> {
  const installation = await session.installation();
  const name = functionName(installation.prefix, service);
  const settings = session.clients.settings;
  const environment: Record<string, string | undefined> = {
    ...functionEnvironment({ installation, options: { ...installation, stages: DEFAULT_STAGES, zips: {} } }, service),
    AWS_REGION: installation.region,
    AWS_DEFAULT_REGION: installation.region,
    AWS_ENDPOINT_URL: settings.endpoint,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    ...(settings.credentials ? { AWS_ACCESS_KEY_ID: settings.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: settings.credentials.secretAccessKey } : {}),
    ...(settings.profile ? { AWS_PROFILE: settings.profile } : {}),
  };

  const deadline = Date.now() + TIMEOUT_SECONDS[service] * 1000;
  const context = {
    ...contextTemplate,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn(installation, service, stage),
    logGroupName: `/aws/lambda/${name}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };

  const saved = { ...process.env };
  Object.assign(process.env, environment);
  const restoreStdout = sendStdoutToStderr();
  try {
    const module = (await import(pathToFileURL(resolve(DEFAULT_SERVICES_DIR, service, 'handler.ts')).href)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    const payload = await module.handler(event, context);
    restoreStdout();
    io.stdout(formatJson(payload ?? null));
    return 0;
  } catch (error) {
    restoreStdout();
    io.stderr(`keystage: ${name}:${stage} (local) failed: ${(error as Error).name}: ${(error as Error).message}\n`);
    return 1;
  } finally {
    restoreStdout();
    for (const key of Object.keys(environment)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

/**
 * Sends what the handler writes to stdout (its log lines, as Lambda would collect them) to
 * stderr, so stdout carries only the result payload. Returns the function that undoes it.
 */
function sendStdoutToStderr(): () => void {
  const original = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  return () => {
    process.stdout.write = original;
  };
}

function readEvent(options: InvokeOptions): unknown {
  if (options.event !== undefined && options.payload !== undefined) throw new UsageError('Give either --event <file> or --payload <json>, not both.');
  if (options.event !== undefined) return readJsonFile(options.event, 'event');
  if (options.payload === undefined) return {};

  try {
    return JSON.parse(options.payload);
  } catch (error) {
    throw new UsageError(`Invalid --payload: ${(error as Error).message}; give a JSON value such as '{"data":"hello"}'.`, { cause: error });
  }
}

/** Reads and parses a JSON file, with an error naming the file and the problem. */
export function readJsonFile(path: string, kind: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the ${kind} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; check the path.`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`The ${kind} file ${path} is not valid JSON: ${(error as Error).message}.`, { cause: error });
  }
}
