import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { CliError, UsageError } from './errors.js';

/** Endpoint, region and identity the CLI uses, after options and environment are merged. */
export interface ConnectionSettings {
  /** Custom endpoint for every service (the local cloud), or undefined for AWS itself. */
  endpoint?: string;
  /**
   * Region from `--region` or the environment. Undefined with `--profile` and nothing else, so
   * the SDK reads the profile's region (see `resolveRegion`).
   */
  region?: string;
  profile?: string;
  /** Static credentials; undefined to use the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** One SDK v3 client per service the CLI uses, all aimed at the same endpoint and region. */
export interface AwsClients {
  s3: S3Client;
  kms: KMSClient;
  lambda: LambdaClient;
  iam: IAMClient;
  sts: STSClient;
  logs: CloudWatchLogsClient;
  settings: ConnectionSettings;
}

/** Credentials the CLI signs with when it talks to a loopback endpoint and none are configured. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIAKEYSTAGELOCAL000', secretAccessKey: 'keystage-local' };

export const DEFAULT_REGION = 'us-east-1';

/** Options every command accepts, as commander hands them over. */
export interface ConnectionOptions {
  endpoint?: string;
  region?: string;
  profile?: string;
}

/**
 * Merges command-line options with the environment. The endpoint is `--endpoint`, else
 * `AWS_ENDPOINT_URL`, else AWS itself; `openSession` fills in `--endpoint` for a running
 * `keystage up` before this runs. A loopback endpoint with no credentials in the environment
 * and no profile gets static dummy credentials, because the local cloud accepts any and the
 * SDK would otherwise search for real ones.
 */
export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv): ConnectionSettings {
  const endpoint = options.endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpoint !== undefined) checkEndpoint(endpoint);

  const profile = options.profile ?? nonEmpty(env.AWS_PROFILE);
  const explicitRegion = options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  const region = explicitRegion ?? (profile === undefined ? DEFAULT_REGION : undefined);
  if (region !== undefined) checkRegion(region);

  return { endpoint, region, profile, credentials: chooseCredentials(env, endpoint, options.profile) };
}

/**
 * Credentials from `env` when it has a key pair (passed explicitly, because `env` may not be
 * `process.env`, where the SDK would look). With `--profile`, none, so the SDK reads the profile.
 */
function chooseCredentials(env: NodeJS.ProcessEnv, endpoint: string | undefined, profileOption: string | undefined): ConnectionSettings['credentials'] {
  if (profileOption !== undefined) return undefined;

  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey, sessionToken: nonEmpty(env.AWS_SESSION_TOKEN) };

  if (endpoint !== undefined && isLoopback(endpoint) && nonEmpty(env.AWS_PROFILE) === undefined) return LOCAL_CREDENTIALS;
  return undefined;
}

/**
 * Returns the region the clients use: the one given, else the profile's as the SDK reads it.
 * Throws `UsageError` when neither names one.
 */
export async function resolveRegion(clients: AwsClients): Promise<string> {
  if (clients.settings.region) return clients.settings.region;
  try {
    return checkRegion(await clients.sts.config.region());
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`No region is set for profile ${clients.settings.profile}; pass --region, set AWS_REGION, or add region to the profile.`, { cause: error });
  }
}

/** Creates the SDK clients for one set of connection settings. */
export function createClients(settings: ConnectionSettings): AwsClients {
  const common = {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };

  return {
    s3: new S3Client({ ...common, forcePathStyle: settings.endpoint !== undefined }),
    kms: new KMSClient(common),
    lambda: new LambdaClient(common),
    iam: new IAMClient(common),
    sts: new STSClient(common),
    logs: new CloudWatchLogsClient(common),
    settings,
  };
}

/** Closes the sockets of every client so the process can exit. */
export function destroyClients(clients: AwsClients): void {
  for (const client of [clients.s3, clients.kms, clients.lambda, clients.iam, clients.sts, clients.logs]) client.destroy();
}

/** Looks up the account the credentials belong to with STS GetCallerIdentity. */
export async function getAccountId(clients: AwsClients): Promise<string> {
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new CliError('STS GetCallerIdentity returned no account id.');
    return identity.Account;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Cannot reach AWS to identify the account (${describeConnection(clients.settings)}): ${errorMessage(error)}. Check --endpoint, --region and your credentials.`, {
      cause: error,
    });
  }
}

/**
 * Describes an installation's account and region with the endpoint, for confirmations:
 * "account 000000000000, region us-east-1 (endpoint http://127.0.0.1:4566)".
 */
export function describeTarget(accountId: string, region: string, settings: ConnectionSettings): string {
  const profile = settings.profile ? `, profile ${settings.profile}` : '';
  return `account ${accountId}, region ${region} (endpoint ${settings.endpoint ?? 'AWS'}${profile})`;
}

/** "endpoint http://127.0.0.1:4566, region us-east-1", for error messages. */
export function describeConnection(settings: ConnectionSettings): string {
  const region = settings.region ? `, region ${settings.region}` : '';
  return `endpoint ${settings.endpoint ?? 'AWS'}${region}${settings.profile ? `, profile ${settings.profile}` : ''}`;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`Invalid endpoint "${endpoint}"; give a URL such as http://127.0.0.1:4566.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`Invalid endpoint "${endpoint}"; the URL must start with http:// or https://.`);
  }
}

/** Checks the form of a region name such as `us-east-1`; throws `UsageError` naming the value. */
export function checkRegion(region: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new UsageError(`Invalid region "${region}"; give an AWS region name such as us-east-1.`);
  }
  return region;
}

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || host.startsWith('127.');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
