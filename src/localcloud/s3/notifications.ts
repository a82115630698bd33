import { randomBytes } from 'node:crypto';

import type { EventInvoker } from '../contracts.js';
import type { S3Backend } from './backend.js';
import { requireBucket } from './buckets.js';
import { InvalidArgument, NotImplemented } from './errors.js';

/**
 * PutBucketNotificationConfiguration and GetBucketNotificationConfiguration with Lambda
 * targets. A configuration is validated as AWS validates it: known event types, at most one
 * prefix and one suffix rule, no overlapping configurations, and targets that exist.
 *
 * NOTE: the local cloud has no SNS, SQS or EventBridge, so topic and queue destinations
 * fail validation like a missing destination does in AWS, and an EventBridge
 * configuration is rejected as not implemented.
 */

/** A prefix or suffix filter rule, with the name written as S3 returns it. */
export interface FilterRule {
  name: 'Prefix' | 'Suffix';
  value: string;
}

export interface LambdaFunctionConfiguration {
  id: string;
  lambdaFunctionArn: string;
  /** Event types with the `s3:` prefix, as configured (`s3:ObjectCreated:*`). */
  events: string[];
  filterRules: FilterRule[];
}

export interface NotificationConfiguration {
  lambdaFunctionConfigurations: LambdaFunctionConfiguration[];
}

/** A configuration as the client sent it, before validation. */
export interface NotificationConfigurationInput {
  lambdaFunctionConfigurations: { id?: string; lambdaFunctionArn: string; events: string[]; filterRules: { name: string; value: string }[] }[];
  topicArns: string[];
  queueArns: string[];
  eventBridge: boolean;
}

/** Event types that PutBucketNotificationConfiguration accepts, from the S3 API's `Event` enumeration. */
export const SUPPORTED_EVENT_TYPES: ReadonlySet<string> = new Set([
  's3:ReducedRedundancyLostObject',
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationNotTracked',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectAcl:Put',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
]);

const LAMBDA_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;

/**
 * Replaces the bucket's notification configuration. An empty configuration removes it.
 * Unless `skipDestinationValidation`, every Lambda target must exist.
 */
export function PutBucketNotificationConfiguration(
  backend: S3Backend,
  events: EventInvoker,
  bucket: string,
  input: NotificationConfigurationInput,
  skipDestinationValidation = false,
): void {
  requireBucket(backend, bucket);
  if (input.eventBridge) throw new NotImplemented('EventBridge notifications are not available in the local cloud.');

  const configuration = normalizeConfiguration(input);
  rejectOverlaps(configuration.lambdaFunctionConfigurations);
  const unreachable = [
    ...input.topicArns.map((arn) => ({ arn, reason: 'The local cloud has no SNS topics, so the destination cannot be validated.' })),
    ...input.queueArns.map((arn) => ({ arn, reason: 'The local cloud has no SQS queues, so the destination cannot be validated.' })),
  ];
  if (!skipDestinationValidation) {
    for (const target of configuration.lambdaFunctionConfigurations) {
      if (!events.functionExists(target.lambdaFunctionArn)) {
        unreachable.push({ arn: target.lambdaFunctionArn, reason: `Not authorized to invoke function [${target.lambdaFunctionArn}]` });
      }
    }
  }
  if (unreachable.length > 0) throw destinationsInvalid(unreachable);

  const json = configuration.lambdaFunctionConfigurations.length > 0 ? JSON.stringify(configuration) : undefined;
  backend.store.transaction(() => {
    requireBucket(backend, bucket);
    backend.store.setNotificationJson(bucket, json);
  });
}

/** Returns the bucket's notification configuration, which is empty when it has none. */
export function GetBucketNotificationConfiguration(backend: S3Backend, bucket: string): NotificationConfiguration {
  return readNotificationConfiguration(requireBucket(backend, bucket).notificationJson);
}

export function readNotificationConfiguration(json: string | undefined): NotificationConfiguration {
  if (!json) return { lambdaFunctionConfigurations: [] };
  return JSON.parse(json) as NotificationConfiguration;
}

/** True when an event name (`ObjectCreated:Put`) is selected by a configured type (`s3:ObjectCreated:*`). */
export function eventTypeMatches(configured: string, eventName: string): boolean {
  const full = `s3:${eventName}`;
  if (configured === full) return true;
  return configured.endsWith(':*') && full.startsWith(configured.slice(0, -1));
}

/** True when a key passes a configuration's prefix and suffix rules (case-sensitive, like S3). */
export function keyMatchesFilter(rules: readonly FilterRule[], key: string): boolean {
  return rules.every((rule) => (rule.name === 'Prefix' ? key.startsWith(rule.value) : key.endsWith(rule.value)));
}

function normalizeConfiguration(input: NotificationConfigurationInput): NotificationConfiguration {
  const ids = new Set<string>();
  const lambdaFunctionConfigurations = input.lambdaFunctionConfigurations.map((raw) => {
    if (!LAMBDA_ARN_PATTERN.test(raw.lambdaFunctionArn)) {
      throw new InvalidArgument(`The Lambda function ARN "${raw.lambdaFunctionArn}" is not valid.`, 'CloudFunction', raw.lambdaFunctionArn);
    }
    if (raw.events.length === 0) throw new InvalidArgument('A notification configuration needs at least one event.', 'Event', '');
    for (const event of raw.events) {
      if (!SUPPORTED_EVENT_TYPES.has(event)) throw new InvalidArgument('The event is not supported for notifications', 'Event', event);
    }

    const id = raw.id ?? generatedId();
    if (ids.has(id)) throw new InvalidArgument('Duplicate notification configuration id', 'Id', id);
    ids.add(id);
    return { id, lambdaFunctionArn: raw.lambdaFunctionArn, events: [...new Set(raw.events)], filterRules: normalizeRules(raw.filterRules) };
  });
  return { lambdaFunctionConfigurations };
}

function normalizeRules(rules: { name: string; value: string }[]): FilterRule[] {
  const normalized: FilterRule[] = [];
  for (const rule of rules) {
    const lower = rule.name.toLowerCase();
    if (lower !== 'prefix' && lower !== 'suffix') {
      throw new InvalidArgument('filter rule name must be either prefix or suffix', 'FilterRule', rule.name);
    }
    const name = lower === 'prefix' ? 'Prefix' : 'Suffix';
    if (normalized.some((existing) => existing.name === name)) {
      throw new InvalidArgument(`Cannot specify more than one ${lower} rule in a filter.`, 'FilterRule', rule.name);
    }
    normalized.push({ name, value: rule.value });
  }
  return normalized;
}

/** AWS rejects two configurations that share an event type and could both match one key. */
function rejectOverlaps(configurations: LambdaFunctionConfiguration[]): void {
  for (let i = 0; i < configurations.length; i++) {
    for (let j = i + 1; j < configurations.length; j++) {
      const first = configurations[i]!;
      const second = configurations[j]!;
      if (eventsOverlap(first.events, second.events) && filtersOverlap(first.filterRules, second.filterRules)) {
        throw new InvalidArgument(
          'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
          'Event',
          `${first.id}, ${second.id}`,
        );
      }
    }
  }
}

function eventsOverlap(first: string[], second: string[]): boolean {
  return first.some((a) => second.some((b) => a === b || wildcardCovers(a, b) || wildcardCovers(b, a)));
}

function wildcardCovers(wildcard: string, event: string): boolean {
  return wildcard.endsWith(':*') && event.startsWith(wildcard.slice(0, -1));
}

function filtersOverlap(first: FilterRule[], second: FilterRule[]): boolean {
  const prefixA = first.find((rule) => rule.name === 'Prefix')?.value ?? '';
  const prefixB = second.find((rule) => rule.name === 'Prefix')?.value ?? '';
  const suffixA = first.find((rule) => rule.name === 'Suffix')?.value ?? '';
  const suffixB = second.find((rule) => rule.name === 'Suffix')?.value ?? '';
  const prefixesOverlap = prefixA.startsWith(prefixB) || prefixB.startsWith(prefixA);
  const suffixesOverlap = suffixA.endsWith(suffixB) || suffixB.endsWith(suffixA);
  return prefixesOverlap && suffixesOverlap;
}

function destinationsInvalid(unreachable: { arn: string; reason: string }[]): InvalidArgument {
  const extra: Record<string, string> = {};
  unreachable.forEach((target, index) => {
    extra[`ArgumentName${index + 1}`] = target.arn;
    extra[`ArgumentValue${index + 1}`] = target.reason;
  });
  return new InvalidArgument('Unable to validate the following destination configurations', undefined, undefined, extra);
}

/** S3 names an unnamed configuration with a random id. */
function generatedId(): string {
  return randomBytes(36).toString('base64').replace(/[+/=]/g, '').slice(0, 48);
}
