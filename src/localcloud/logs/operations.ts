import type { LogEvent } from '../contracts.js';
import { InvalidParameterException, ResourceAlreadyExistsException, logGroupNotFound, logStreamNotFound } from './errors.js';
import type { LogGroupRecord, LogStreamRecord, LogsStore, StoredLogEvent } from './store.js';

/** CloudWatch Logs' default and largest `limit` for describe and event operations. */
export const MAX_DESCRIBE_LIMIT = 50;
export const MAX_EVENTS_LIMIT = 10_000;

/** A position in a group's event order: (timestamp, id). */
interface Position {
  timestamp: number;
  id: number;
}

/** The operations of the CloudWatch Logs subset, over one store and one account. */
export class LogsOperations {
  constructor(
    private readonly store: LogsStore,
    private readonly accountId: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Appends events, creating the group and stream when missing, for Lambda's output. */
  putLogEventsCreating(region: string, groupName: string, streamName: string, events: LogEvent[]): void {
    const nowMs = this.nowMs();
    this.store.createGroup(region, groupName, nowMs);
    this.store.createStream(region, groupName, streamName, nowMs);
    this.store.appendEvents(region, groupName, streamName, events, nowMs);
  }

  CreateLogGroup(region: string, groupName: string): void {
    if (!this.store.createGroup(region, groupName, this.nowMs())) {
      throw new ResourceAlreadyExistsException('The specified log group already exists');
    }
  }

  CreateLogStream(region: string, groupName: string, streamName: string): void {
    this.requireGroup(region, groupName);
    if (!this.store.createStream(region, groupName, streamName, this.nowMs())) {
      throw new ResourceAlreadyExistsException('The specified log stream already exists');
    }
  }

  DeleteLogGroup(region: string, groupName: string): void {
    if (!this.store.deleteGroup(region, groupName)) throw logGroupNotFound();
  }

  PutLogEvents(region: string, groupName: string, streamName: string, events: LogEvent[]): void {
    this.requireGroup(region, groupName);
    if (!this.store.hasStream(region, groupName, streamName)) throw logStreamNotFound();
    this.store.appendEvents(region, groupName, streamName, events, this.nowMs());
  }

  DescribeLogGroups(region: string, input: { prefix?: string; limit?: number; nextToken?: string }): { logGroups: object[]; nextToken?: string } {
    const limit = checkLimit(input.limit, MAX_DESCRIBE_LIMIT);
    const afterName = input.nextToken ? decodeToken(input.nextToken) : '';
    const groups = this.store.listGroups(region, input.prefix ?? '', afterName, limit + 1);
    const page = groups.slice(0, limit);
    const more = groups.length > limit;
    return {
      logGroups: page.map((group) => this.groupShape(group)),
      ...(more ? { nextToken: encodeToken(page.at(-1)!.name) } : {}),
    };
  }

  DescribeLogStreams(
    region: string,
    input: { groupName: string; prefix?: string; orderBy?: string; descending?: boolean; limit?: number; nextToken?: string },
  ): { logStreams: object[]; nextToken?: string } {
    this.requireGroup(region, input.groupName);
    const limit = checkLimit(input.limit, MAX_DESCRIBE_LIMIT);
    if (input.orderBy === 'LastEventTime' && input.prefix) {
      throw new InvalidParameterException('Cannot order by LastEventTime with a logStreamNamePrefix.');
    }

    let streams = this.store.listStreams(region, input.groupName).filter((stream) => stream.name.startsWith(input.prefix ?? ''));
    if (input.orderBy === 'LastEventTime') streams.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0));
    if (input.descending) streams = streams.reverse();

    const start = input.nextToken ? Number(decodeToken(input.nextToken)) : 0;
    const page = streams.slice(start, start + limit);
    const more = start + limit < streams.length;
    return {
      logStreams: page.map((stream) => this.streamShape(stream)),
      ...(more ? { nextToken: encodeToken(String(start + limit)) } : {}),
    };
  }

  /**
   * Reads one stream. Without a token it returns the newest events, or the oldest with
   * `startFromHead`. As in CloudWatch Logs, the forward token stays the same once the end of
   * the stream is reached, which is how callers know to stop.
   */
  GetLogEvents(
    region: string,
    input: { groupName: string; streamName: string; startTime?: number; endTime?: number; startFromHead?: boolean; limit?: number; nextToken?: string },
  ): { events: object[]; nextForwardToken: string; nextBackwardToken: string } {
    this.requireGroup(region, input.groupName);
    if (!this.store.hasStream(region, input.groupName, input.streamName)) throw logStreamNotFound();
    const limit = checkLimit(input.limit, MAX_EVENTS_LIMIT);
    const token = input.nextToken ? parseEventToken(input.nextToken) : undefined;
    const base = { region, groupName: input.groupName, streamNames: [input.streamName], startTime: input.startTime, endTime: input.endTime, limit };

    let events: StoredLogEvent[];
    if (token?.direction === 'f' || (!token && input.startFromHead)) {
      events = this.store.queryEvents({ ...base, after: token?.position });
    } else {
      events = this.store.queryEvents({ ...base, before: token?.position, descending: true }).reverse();
    }

    const first = events[0];
    const last = events.at(-1);
    const forward = last ? positionOf(last) : (token?.position ?? { timestamp: 0, id: 0 });
    const backward = first ? positionOf(first) : (token?.position ?? { timestamp: 0, id: 0 });
    return {
      events: events.map((event) => ({ timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime })),
      nextForwardToken: formatEventToken('f', forward),
      nextBackwardToken: formatEventToken('b', backward),
    };
  }

  /** Searches a group's events in time order, keeping those that match `filterPattern`. */
  FilterLogEvents(
    region: string,
    input: {
      groupName: string;
      streamNames?: string[];
      streamNamePrefix?: string;
      startTime?: number;
      endTime?: number;
      filterPattern?: string;
      limit?: number;
      nextToken?: string;
    },
  ): { events: object[]; searchedLogStreams: object[]; nextToken?: string } {
    this.requireGroup(region, input.groupName);
    if (input.streamNames && input.streamNamePrefix) {
      throw new InvalidParameterException('Cannot specify both logStreamNames and logStreamNamePrefix.');
    }
    const limit = checkLimit(input.limit, MAX_EVENTS_LIMIT);
    const matches = compileFilterPattern(input.filterPattern);

    const found: StoredLogEvent[] = [];
    let after = input.nextToken ? parsePosition(decodeToken(input.nextToken)) : undefined;
    let exhausted = false;
    while (found.length < limit && !exhausted) {
      const batch = this.store.queryEvents({
        region,
        groupName: input.groupName,
        streamNames: input.streamNames,
        streamNamePrefix: input.streamNamePrefix,
        startTime: input.startTime,
        endTime: input.endTime,
        after,
        limit: 1000,
      });
      let consumed = 0;
      for (const event of batch) {
        consumed += 1;
        after = positionOf(event);
        if (!matches(event.message)) continue;
        found.push(event);
        if (found.length === limit) break;
      }
      exhausted = batch.length < 1000 && consumed === batch.length;
    }

    const more = found.length === limit && !exhausted;
    return {
      events: found.map((event) => ({
        logStreamName: event.streamName,
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: event.ingestionTime,
        eventId: String(event.id),
      })),
      searchedLogStreams: [],
      ...(more && after ? { nextToken: encodeToken(`${after.timestamp}/${after.id}`) } : {}),
    };
  }

  private requireGroup(region: string, groupName: string): void {
    if (!this.store.hasGroup(region, groupName)) throw logGroupNotFound();
  }

  private groupShape(group: LogGroupRecord): object {
    const arn = `arn:aws:logs:${group.region}:${this.accountId}:log-group:${group.name}`;
    return {
      logGroupName: group.name,
      creationTime: group.creationTimeMs,
      metricFilterCount: 0,
      arn: `${arn}:*`,
      logGroupArn: arn,
      storedBytes: group.storedBytes,
      logGroupClass: 'STANDARD',
    };
  }

  private streamShape(stream: LogStreamRecord): object {
    const arn = `arn:aws:logs:${stream.region}:${this.accountId}:log-group:${stream.groupName}:log-stream:${stream.name}`;
    return {
      logStreamName: stream.name,
      creationTime: stream.creationTimeMs,
      ...(stream.firstEventTimestamp !== undefined ? { firstEventTimestamp: stream.firstEventTimestamp } : {}),
      ...(stream.lastEventTimestamp !== undefined ? { lastEventTimestamp: stream.lastEventTimestamp } : {}),
      ...(stream.lastIngestionTime !== undefined ? { lastIngestionTime: stream.lastIngestionTime } : {}),
      arn,
      storedBytes: stream.storedBytes,
    };
  }
}

/**
 * Compiles the plain-text form of a CloudWatch Logs filter pattern: every space-separated
 * term must occur in the message, a double-quoted term is matched as one phrase, and when
 * every term starts with `?` any one of them is enough. Matching is case-sensitive.
 */
export function compileFilterPattern(pattern: string | undefined): (message: string) => boolean {
  const text = pattern?.trim() ?? '';
  if (text === '') return () => true;
  if (text.startsWith('{') || text.startsWith('[')) {
    throw new InvalidParameterException(`The filter pattern ${text} is not supported here: the local cloud supports plain terms and quoted phrases only.`);
  }

  const terms = [...text.matchAll(/\??"([^"]*)"|\S+/g)].map((match) => match[1] ?? match[0]);
  const rawTerms = [...text.matchAll(/\??"[^"]*"|\S+/g)].map((match) => match[0]);
  const anyOf = rawTerms.every((term) => term.startsWith('?'));
  const needles = terms.map((term) => (term.startsWith('?') ? term.slice(1) : term)).filter((term) => term !== '');
  if (anyOf) return (message) => needles.some((needle) => message.includes(needle));
  return (message) => needles.every((needle) => message.includes(needle));
}

function checkLimit(limit: number | undefined, max: number): number {
  if (limit === undefined) return max;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new InvalidParameterException(`The limit ${limit} is out of range: use an integer from 1 to ${max}.`);
  }
  return limit;
}

function positionOf(event: StoredLogEvent): Position {
  return { timestamp: event.timestamp, id: event.id };
}

function formatEventToken(direction: 'f' | 'b', position: Position): string {
  return `${direction}/${String(position.timestamp).padStart(20, '0')}/${String(position.id).padStart(20, '0')}`;
}

function parseEventToken(token: string): { direction: 'f' | 'b'; position: Position } {
  const match = /^([fb])\/(\d+)\/(\d+)$/.exec(token);
  if (!match) throw new InvalidParameterException(`The nextToken ${token} is invalid: pass a token from a previous GetLogEvents response.`);
  return { direction: match[1] as 'f' | 'b', position: { timestamp: Number(match[2]), id: Number(match[3]) } };
}

function parsePosition(text: string): Position {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) throw new InvalidParameterException('The nextToken is invalid: pass the nextToken of the previous response.');
  return { timestamp: Number(match[1]), id: Number(match[2]) };
}

function encodeToken(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}
