import { randomBytes } from 'node:crypto';

import type { S3Backend } from './backend.js';
import { deleteBucketConfiguration, readBucketConfiguration, writeBucketConfiguration } from './bucket-configuration.js';
import type { Tag } from './bucket-tagging.js';
import { validateTagSet } from './bucket-tagging.js';
import { InvalidArgument, InvalidRequest, MalformedXML, NoSuchLifecycleConfiguration } from './errors.js';

/**
 * PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration and
 * DeleteBucketLifecycle. A configuration is validated with S3's rules and returned as
 * stored, with a generated ID for a rule sent without one.
 *
 * NOTE: the rules are stored and reported but never applied: the local cloud does not
 * expire objects, noncurrent versions or incomplete multipart uploads, and does not
 * transition storage classes.
 */

/** S3's maximum number of rules in one lifecycle configuration. */
export const MAX_LIFECYCLE_RULES = 1000;
const MAX_RULE_ID_CHARACTERS = 255;
const MAX_NEWER_NONCURRENT_VERSIONS = 100;
const MAX_FILTER_TAGS = 50;

/** The `x-amz-transition-default-minimum-object-size` that S3 reports when a request sets none. */
export const DEFAULT_TRANSITION_MINIMUM_OBJECT_SIZE = 'all_storage_classes_128K';

const TRANSITION_STORAGE_CLASSES: ReadonlySet<string> = new Set([
  'GLACIER',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
]);

export interface LifecycleFilterConditions {
  prefix?: string;
  tags: Tag[];
  objectSizeGreaterThan?: number;
  objectSizeLessThan?: number;
}

/** A rule's Filter: one condition, or several under `and`. An empty filter selects every object. */
export interface LifecycleFilter extends LifecycleFilterConditions {
  and?: LifecycleFilterConditions;
}

export interface LifecycleExpiration {
  days?: number;
  /** ISO 8601 date at midnight UTC. */
  date?: string;
  expiredObjectDeleteMarker?: boolean;
}

export interface LifecycleTransition {
  days?: number;
  date?: string;
  storageClass: string;
}

export interface NoncurrentVersionTransition {
  noncurrentDays?: number;
  newerNoncurrentVersions?: number;
  storageClass: string;
}

export interface NoncurrentVersionExpiration {
  noncurrentDays?: number;
  newerNoncurrentVersions?: number;
}

export interface LifecycleRule {
  id: string;
  status: 'Enabled' | 'Disabled';
  /** The deprecated rule-level prefix, kept when a client sends it instead of a Filter. */
  prefix?: string;
  filter?: LifecycleFilter;
  expiration?: LifecycleExpiration;
  transitions: LifecycleTransition[];
  noncurrentVersionTransitions: NoncurrentVersionTransition[];
  noncurrentVersionExpiration?: NoncurrentVersionExpiration;
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

/** A rule as parsed from the request: the ID may be missing and Status is not yet checked. */
export type LifecycleRuleInput = Omit<LifecycleRule, 'id' | 'status'> & { id?: string; status?: string };

export interface LifecycleConfiguration {
  rules: LifecycleRule[];
  transitionDefaultMinimumObjectSize: string;
}

export function PutBucketLifecycleConfiguration(
  backend: S3Backend,
  bucket: string,
  input: { rules: LifecycleRuleInput[]; transitionDefaultMinimumObjectSize?: string },
): LifecycleConfiguration {
  const configuration: LifecycleConfiguration = {
    rules: validateRules(input.rules),
    transitionDefaultMinimumObjectSize: validateMinimumObjectSize(input.transitionDefaultMinimumObjectSize),
  };
  writeBucketConfiguration(backend, bucket, 'lifecycle', configuration);
  return configuration;
}

/** Returns the bucket's lifecycle configuration, or throws `NoSuchLifecycleConfiguration`. */
export function GetBucketLifecycleConfiguration(backend: S3Backend, bucket: string): LifecycleConfiguration {
  const configuration = readBucketConfiguration<LifecycleConfiguration>(backend, bucket, 'lifecycle');
  if (!configuration) throw new NoSuchLifecycleConfiguration(bucket);
  return configuration;
}

export function DeleteBucketLifecycle(backend: S3Backend, bucket: string): void {
  deleteBucketConfiguration(backend, bucket, 'lifecycle');
}

function validateMinimumObjectSize(value: string | undefined): string {
  if (value === undefined) return DEFAULT_TRANSITION_MINIMUM_OBJECT_SIZE;
  if (value === 'all_storage_classes_128K' || value === 'varies_by_storage_class') return value;
  throw new InvalidArgument(
    'x-amz-transition-default-minimum-object-size must be all_storage_classes_128K or varies_by_storage_class.',
    'x-amz-transition-default-minimum-object-size',
    value,
  );
}

function validateRules(inputs: LifecycleRuleInput[]): LifecycleRule[] {
  if (inputs.length === 0) throw new MalformedXML('a LifecycleConfiguration needs at least one <Rule>.');
  if (inputs.length > MAX_LIFECYCLE_RULES) {
    throw new InvalidRequest(`A lifecycle configuration can have at most ${MAX_LIFECYCLE_RULES} rules; this one has ${inputs.length}.`);
  }

  const ids = new Set<string>();
  return inputs.map((input) => {
    const rule = validateRule(input);
    if (ids.has(rule.id)) throw new InvalidArgument('Rule ID must be unique. Found same ID for more than one rule', 'ID', rule.id);
    ids.add(rule.id);
    return rule;
  });
}

function validateRule(input: LifecycleRuleInput): LifecycleRule {
  const id = input.id ?? generatedRuleId();
  if ([...id].length > MAX_RULE_ID_CHARACTERS) {
    throw new InvalidArgument(`ID length should not exceed allowed limit of ${MAX_RULE_ID_CHARACTERS}`, 'ID', id);
  }
  if (input.status !== 'Enabled' && input.status !== 'Disabled') {
    throw new MalformedXML(`rule "${id}" needs <Status> Enabled or Disabled, not "${input.status ?? ''}".`);
  }
  if (input.prefix !== undefined && input.filter !== undefined) throw new MalformedXML(`rule "${id}" has both <Prefix> and <Filter>; use only <Filter>.`);
  if (input.prefix === undefined && input.filter === undefined) throw new MalformedXML(`rule "${id}" needs a <Filter> (an empty one selects every object).`);

  const hasAction =
    input.expiration !== undefined ||
    input.transitions.length > 0 ||
    input.noncurrentVersionTransitions.length > 0 ||
    input.noncurrentVersionExpiration !== undefined ||
    input.abortIncompleteMultipartUpload !== undefined;
  if (!hasAction) throw new InvalidRequest(`At least one action needs to be specified in a rule: rule "${id}" has none.`);

  if (input.filter) validateFilter(input.filter, id);
  if (input.expiration) validateExpiration(input.expiration, id, filterHasTags(input.filter));
  for (const transition of input.transitions) validateTransition(transition, id);
  for (const transition of input.noncurrentVersionTransitions) validateNoncurrent(transition, id, transition.storageClass);
  if (input.noncurrentVersionExpiration) validateNoncurrent(input.noncurrentVersionExpiration, id);
  if (input.abortIncompleteMultipartUpload) {
    requirePositive(input.abortIncompleteMultipartUpload.daysAfterInitiation, 'DaysAfterInitiation', id);
    if (filterHasTags(input.filter)) throw new InvalidRequest(`AbortIncompleteMultipartUpload cannot be specified with Tags (rule "${id}").`);
  }

  return { ...input, id, status: input.status };
}

function validateFilter(filter: LifecycleFilter, id: string): void {
  const conditions = [filter.prefix !== undefined, filter.tags.length > 0, filter.objectSizeGreaterThan !== undefined, filter.objectSizeLessThan !== undefined, filter.and !== undefined];
  if (conditions.filter(Boolean).length > 1) throw new MalformedXML(`the <Filter> of rule "${id}" has more than one condition; combine them with <And>.`);

  validateTagSet(filter.tags, 1);
  const sized = filter.and ?? filter;
  if (filter.and) validateTagSet(filter.and.tags, MAX_FILTER_TAGS);
  for (const size of [sized.objectSizeGreaterThan, sized.objectSizeLessThan]) {
    if (size !== undefined && size < 0) throw new InvalidArgument(`Object size filters of rule "${id}" must not be negative.`, 'ObjectSize', String(size));
  }
  if (sized.objectSizeGreaterThan !== undefined && sized.objectSizeLessThan !== undefined && sized.objectSizeGreaterThan >= sized.objectSizeLessThan) {
    throw new InvalidArgument(
      `ObjectSizeGreaterThan must be less than ObjectSizeLessThan in rule "${id}".`,
      'ObjectSizeGreaterThan',
      String(sized.objectSizeGreaterThan),
    );
  }
}

function validateExpiration(expiration: LifecycleExpiration, id: string, tagged: boolean): void {
  const choices = [expiration.days !== undefined, expiration.date !== undefined, expiration.expiredObjectDeleteMarker !== undefined];
  if (choices.filter(Boolean).length !== 1) {
    throw new MalformedXML(`the <Expiration> of rule "${id}" must contain exactly one of <Days>, <Date>, <ExpiredObjectDeleteMarker>.`);
  }
  if (expiration.days !== undefined) requirePositive(expiration.days, 'Days', id);
  if (expiration.date !== undefined) requireMidnightUtc(expiration.date, id);
  if (expiration.expiredObjectDeleteMarker !== undefined && tagged) {
    throw new InvalidRequest(`ExpiredObjectDeleteMarker cannot be specified with object tags (rule "${id}").`);
  }
}

function validateTransition(transition: LifecycleTransition, id: string): void {
  if ((transition.days === undefined) === (transition.date === undefined)) {
    throw new MalformedXML(`each <Transition> of rule "${id}" must contain exactly one of <Days> and <Date>.`);
  }
  validateStorageClass(transition.storageClass, id);
  if (transition.days !== undefined && transition.days < 0) requirePositive(transition.days, 'Days', id);
  if (transition.date !== undefined) requireMidnightUtc(transition.date, id);
}

function validateNoncurrent(action: NoncurrentVersionExpiration, id: string, storageClass?: string): void {
  if (storageClass !== undefined) validateStorageClass(storageClass, id);
  if (action.noncurrentDays === undefined) throw new MalformedXML(`a noncurrent version action of rule "${id}" needs <NoncurrentDays>.`);
  requirePositive(action.noncurrentDays, 'NoncurrentDays', id);

  const newer = action.newerNoncurrentVersions;
  if (newer !== undefined && (newer < 1 || newer > MAX_NEWER_NONCURRENT_VERSIONS)) {
    throw new InvalidArgument(
      `NewerNoncurrentVersions of rule "${id}" must be from 1 to ${MAX_NEWER_NONCURRENT_VERSIONS}.`,
      'NewerNoncurrentVersions',
      String(newer),
    );
  }
}

function validateStorageClass(storageClass: string, id: string): void {
  if (!TRANSITION_STORAGE_CLASSES.has(storageClass)) {
    throw new MalformedXML(`the storage class "${storageClass}" of rule "${id}" is not one of ${[...TRANSITION_STORAGE_CLASSES].join(', ')}.`);
  }
}

function requirePositive(value: number, name: string, id: string): void {
  if (value < 1) throw new InvalidArgument(`'${name}' in rule "${id}" must be a positive integer.`, name, String(value));
}

function requireMidnightUtc(date: string, id: string): void {
  const parsed = new Date(date);
  const midnight = !Number.isNaN(parsed.getTime()) && parsed.getTime() % 86_400_000 === 0;
  if (!midnight) throw new InvalidArgument(`'Date' of rule "${id}" must be at midnight GMT, such as 2030-01-01T00:00:00.000Z.`, 'Date', date);
}

function filterHasTags(filter: LifecycleFilter | undefined): boolean {
  return filter !== undefined && (filter.tags.length > 0 || (filter.and?.tags.length ?? 0) > 0);
}

/** S3 names a rule sent without an ID with a random one of 48 characters. */
function generatedRuleId(): string {
  return randomBytes(48).toString('base64').replace(/[+/=]/g, '').slice(0, 48);
}
