/**
 * Names of the AWS resources keystage creates, derived from a prefix, account and region so
 * that every command finds the same resources without a state file.
 */

import { SERVICE_NAMES } from './build.js';
import type { ServiceName } from './build.js';
import { UsageError } from './errors.js';
import { isStageName } from '../core/stage.js';

export const DEFAULT_PREFIX = 'keystage';
export const DEFAULT_STAGES = ['dev', 'staging', 'prod'] as const;

/** Prefix, account and region of one keystage installation. */
export interface Installation {
  prefix: string;
  accountId: string;
  region: string;
}

export function functionName(prefix: string, service: string): string {
  return `${prefix}-${service}`;
}

/** The execution role of one function; same name as the function. */
export function roleName(prefix: string, service: string): string {
  return `${prefix}-${service}`;
}

export function configBucketName(installation: Installation): string {
  return `${installation.prefix}-config-${installation.accountId}-${installation.region}`;
}

export function artifactBucketName(installation: Installation): string {
  return `${installation.prefix}-artifacts-${installation.accountId}-${installation.region}`;
}

export function keyAliasName(prefix: string, stage: string): string {
  return `alias/${prefix}-${stage}`;
}

export function configKey(stage: string): string {
  return `${stage}/config.json`;
}

/** Object key whose upload deploys `service` to `stage`. */
export function artifactKey(prefix: string, stage: string, service: string): string {
  return `${stage}/${functionName(prefix, service)}.zip`;
}

export function functionArn(installation: Installation, service: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${installation.region}:${installation.accountId}:function:${functionName(installation.prefix, service)}`;
  return qualifier ? `${base}:${qualifier}` : base;
}

/** Checks a service name given on the command line against the services keystage ships. */
export function parseServiceName(value: string): ServiceName {
  if ((SERVICE_NAMES as readonly string[]).includes(value)) return value as ServiceName;
  throw new UsageError(`Unknown service "${value}"; use one of: ${SERVICE_NAMES.join(', ')}.`);
}

/** Checks a stage name given on the command line: it becomes an alias name, so it follows alias rules. */
export function parseStageName(value: string): string {
  if (isStageName(value)) return value;
  throw new UsageError(
    `Invalid stage "${value}"; a stage starts with a letter and has only letters, digits, "-" or "_" (for example: ${DEFAULT_STAGES.join(', ')}).`,
  );
}

/** Parses a comma-separated stage list such as `dev,staging,prod`. */
export function parseStageList(value: string): string[] {
  const stages = value
    .split(',')
    .map((stage) => stage.trim())
    .filter((stage) => stage !== '');
  if (stages.length === 0) throw new UsageError(`Invalid stage list "${value}"; give at least one stage, for example: dev,staging,prod.`);
  return [...new Set(stages.map(parseStageName))];
}
