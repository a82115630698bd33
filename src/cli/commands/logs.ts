import { FilterLogEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { Command } from 'commander';

import { isAwsError } from '../aws-errors.js';
import { NotBootstrappedError, UsageError } from '../errors.js';
import { functionName, parseServiceName, parseStageName } from '../names.js';
import type { Io } from '../output.js';
import { withCommonOptions } from '../session.js';
import type { CommonOptions, Session } from '../session.js';
import { withSession } from './action.js';

interface LogsOptions extends CommonOptions {
  stage?: string;
  follow?: boolean;
  since: string;
  filter?: string;
}

const FOLLOW_INTERVAL_MS = 1000;

/** `keystage logs <service>`: a function's log events from CloudWatch Logs, optionally followed. */
export function registerLogs(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('logs')
      .description(
        'Print log events of a service from its log group /aws/lambda/<prefix>-<service> (FilterLogEvents). ' +
          'With --stage, only structured log lines whose "stage" field is that stage are shown.',
      )
      .argument('<service>', 'encryption, decryption or deploy')
      .option('-s, --stage <stage>', 'show only log lines of this stage')
      .option('--since <duration>', 'how far back to start: 30s, 10m, 2h, 1d, or an ISO 8601 time', '10m')
      .option('-f, --follow', 'keep printing new events until Ctrl-C')
      .option('--filter <pattern>', 'CloudWatch Logs filter pattern applied by the service'),
  ).action(async (service: string, options: LogsOptions) =>
    withSession<LogsOptions>(io, setExitCode, async (session, opts) => {
      const name = functionName(session.prefix, parseServiceName(service));
      const stage = opts.stage === undefined ? undefined : parseStageName(opts.stage);
      const startTime = parseSince(opts.since, Date.now());

      await printLogs(session, io, { logGroupName: `/aws/lambda/${name}`, functionName: name, stage, startTime, filter: opts.filter, follow: opts.follow === true });
    })(options),
  );
}

interface LogQuery {
  logGroupName: string;
  functionName: string;
  stage?: string;
  startTime: number;
  filter?: string;
  follow: boolean;
}

async function printLogs(session: Session, io: Io, query: LogQuery): Promise<void> {
  const seen = new Set<string>();
  let startTime = query.startTime;
  const stop = query.follow ? io.interrupted() : undefined;
  let stopped = false;
  void stop?.then(() => {
    stopped = true;
  });

  do {
    for (const event of await fetchEvents(session, query, startTime)) {
      if (event.eventId && seen.has(event.eventId)) continue;
      if (event.eventId) seen.add(event.eventId);
      startTime = Math.max(startTime, event.timestamp ?? startTime);
      if (query.stage !== undefined && stageOf(event.message) !== query.stage) continue;

      io.stdout(formatEvent(event));
    }
    if (query.follow && !stopped) await Promise.race([new Promise((resolve) => setTimeout(resolve, FOLLOW_INTERVAL_MS)), stop]);
  } while (query.follow && !stopped);
}

async function fetchEvents(session: Session, query: LogQuery, startTime: number): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await session.clients.logs.send(
        new FilterLogEventsCommand({ logGroupName: query.logGroupName, startTime, filterPattern: query.filter, nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if (isAwsError(error, [ResourceNotFoundException], 404)) {
      throw new NotBootstrappedError(`No logs for ${query.functionName} yet: log group ${query.logGroupName} does not exist. Invoke the function first, or check --prefix.`, {
        cause: error,
      });
    }
    throw error;
  }
  return events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

/** Reads the `stage` field of a structured (JSON) log line; undefined for plain text lines. */
function stageOf(message: string | undefined): string | undefined {
  const start = message?.indexOf('{') ?? -1;
  if (!message || start < 0) return undefined;
  try {
    const parsed = JSON.parse(message.slice(start)) as { stage?: unknown };
    return typeof parsed.stage === 'string' ? parsed.stage : undefined;
  } catch {
    return undefined;
  }
}

function formatEvent(event: FilteredLogEvent): string {
  const time = new Date(event.timestamp ?? 0).toISOString();
  const message = (event.message ?? '').replace(/\n$/, '');
  return `${time} ${event.logStreamName ?? ''} ${message}\n`;
}

/**
 * Parses `--since`: a duration back from `nowMs` (`30s`, `10m`, `2h`, `1d`) or an ISO 8601
 * time. Returns epoch milliseconds.
 */
export function parseSince(value: string, nowMs: number): number {
  const duration = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (duration) {
    const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 's' | 'm' | 'h' | 'd'];
    return nowMs - Number(duration[1]) * unitMs;
  }

  const time = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(time)) return time;
  throw new UsageError(`Invalid --since "${value}"; give a duration such as 30s, 10m, 2h or 1d, or an ISO 8601 time such as 2026-01-31T12:00:00Z.`);
}
