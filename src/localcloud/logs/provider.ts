import type { ProviderContext } from '../context.js';
import type { LogEvent, LogEventWriter } from '../contracts.js';
import {
  optionalBoolean,
  optionalInteger,
  optionalObjectList,
  optionalString,
  optionalStringList,
  requiredString,
  serveJson,
} from '../protocol/json.js';
import type { JsonObject } from '../protocol/json.js';
import type { LocalRequest, Provider } from '../request.js';
import { InvalidParameterException } from './errors.js';
import { LogsOperations } from './operations.js';
import { LogsStore } from './store.js';

/**
 * CloudWatch Logs, the subset that reading Lambda output needs: groups, streams, and the
 * GetLogEvents and FilterLogEvents reads, over the json 1.1 protocol
 * (`X-Amz-Target: Logs_20140328.<Operation>`).
 *
 * LIMITATIONS: no retention, metric filters, subscriptions or Logs Insights queries; filter
 * patterns are plain terms and quoted phrases only.
 */
export function createLogsProvider(context: ProviderContext): Provider & LogEventWriter {
  const operations = new LogsOperations(new LogsStore(context.db), context.accountId);
  const handlers: Record<string, (input: JsonObject, request: LocalRequest) => JsonObject | undefined> = {
    CreateLogGroup: (input, request) => {
      operations.CreateLogGroup(request.region, requiredString(input, 'logGroupName'));
      return {};
    },
    CreateLogStream: (input, request) => {
      operations.CreateLogStream(request.region, requiredString(input, 'logGroupName'), requiredString(input, 'logStreamName'));
      return {};
    },
    DeleteLogGroup: (input, request) => {
      operations.DeleteLogGroup(request.region, requiredString(input, 'logGroupName'));
      return {};
    },
    PutLogEvents: (input, request) => {
      operations.PutLogEvents(request.region, requiredString(input, 'logGroupName'), requiredString(input, 'logStreamName'), readEvents(input));
      return {};
    },
    DescribeLogGroups: (input, request) =>
      operations.DescribeLogGroups(request.region, {
        prefix: optionalString(input, 'logGroupNamePrefix'),
        limit: optionalInteger(input, 'limit'),
        nextToken: optionalString(input, 'nextToken'),
      }) as JsonObject,
    DescribeLogStreams: (input, request) =>
      operations.DescribeLogStreams(request.region, {
        groupName: groupName(input),
        prefix: optionalString(input, 'logStreamNamePrefix'),
        orderBy: optionalString(input, 'orderBy'),
        descending: optionalBoolean(input, 'descending'),
        limit: optionalInteger(input, 'limit'),
        nextToken: optionalString(input, 'nextToken'),
      }) as JsonObject,
    GetLogEvents: (input, request) =>
      operations.GetLogEvents(request.region, {
        groupName: groupName(input),
        streamName: requiredString(input, 'logStreamName'),
        startTime: optionalInteger(input, 'startTime'),
        endTime: optionalInteger(input, 'endTime'),
        startFromHead: optionalBoolean(input, 'startFromHead'),
        limit: optionalInteger(input, 'limit'),
        nextToken: optionalString(input, 'nextToken'),
      }) as unknown as JsonObject,
    FilterLogEvents: (input, request) =>
      operations.FilterLogEvents(request.region, {
        groupName: groupName(input),
        streamNames: optionalStringList(input, 'logStreamNames'),
        streamNamePrefix: optionalString(input, 'logStreamNamePrefix'),
        startTime: optionalInteger(input, 'startTime'),
        endTime: optionalInteger(input, 'endTime'),
        filterPattern: optionalString(input, 'filterPattern'),
        limit: optionalInteger(input, 'limit'),
        nextToken: optionalString(input, 'nextToken'),
      }) as JsonObject,
  };

  const authorized = Object.fromEntries(
    Object.entries(handlers).map(([operation, handler]) => [
      operation,
      (input: JsonObject, request: LocalRequest) => {
        request.authorize(`logs:${operation}`, logGroupArn(request.region, context.accountId, input));
        return handler(input, request);
      },
    ]),
  );

  return {
    service: 'logs',
    handle: (request) => serveJson({ targetPrefix: 'Logs_20140328', operations: authorized, logger: context.logger }, request),
    putLogEvents: (region, logGroupName, logStreamName, events) =>
      operations.putLogEventsCreating(region, logGroupName, logStreamName, events),
  };
}

/** Returns the ARN for an operation's IAM check: its log group, or `*` for DescribeLogGroups. */
function logGroupArn(region: string, accountId: string, input: JsonObject): string {
  const name = input.logGroupName ?? input.logGroupIdentifier;
  if (typeof name !== 'string') return '*';
  if (name.startsWith('arn:')) return name.replace(/:\*$/, '');
  return `arn:aws:logs:${region}:${accountId}:log-group:${name}`;
}

/** Reads the group from `logGroupName`, or from `logGroupIdentifier` given as a name or an ARN. */
function groupName(input: JsonObject): string {
  const name = optionalString(input, 'logGroupName');
  const identifier = optionalString(input, 'logGroupIdentifier');
  if (name && identifier) throw new InvalidParameterException('Specify logGroupName or logGroupIdentifier, not both.');

  const value = name ?? identifier;
  if (!value) throw new InvalidParameterException('The request is missing logGroupName: name the log group to read.');
  const arn = /^arn:aws[a-zA-Z-]*:logs:[^:]*:\d{12}:log-group:([^:]+)(:\*)?$/.exec(value);
  return arn ? arn[1]! : value;
}

function readEvents(input: JsonObject): LogEvent[] {
  const events = optionalObjectList(input, 'logEvents') ?? [];
  return events.map((event, index) => {
    const timestamp = optionalInteger(event, 'timestamp');
    const message = optionalString(event, 'message');
    if (timestamp === undefined || message === undefined) {
      throw new InvalidParameterException(`logEvents[${index}] needs a timestamp (epoch milliseconds) and a message.`);
    }
    return { timestamp, message };
  });
}
