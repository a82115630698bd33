/**
 * A local cloud set up for the encryption and decryption services: one KMS key and alias per
 * stage, a versioned config bucket with a config per stage, and handlers whose SDK clients talk
 * to that cloud. The config cache runs on a manual clock so tests move time without sleeping.
 */
import { createServer } from 'node:net';

import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Client as S3ClientType } from '@aws-sdk/client-s3';

import { createKmsClient, createS3Client } from '../../src/core/aws/clients.js';
import { ConfigCache } from '../../src/core/config/cache.js';
import { silentTelemetry } from '../../src/core/observability.js';
import type { Telemetry } from '../../src/core/observability.js';
import { createDecryptionHandler } from '../../src/services/decryption/handler.js';
import { createEncryptionHandler } from '../../src/services/encryption/handler.js';
import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

export const ACCOUNT_ID = '000000000000';
export const REGION = 'us-east-1';
export const CONFIG_BUCKET = `keystage-config-${ACCOUNT_ID}-${REGION}`;
export const STAGES = ['dev', 'prod'] as const;

/** A Lambda context for the function invoked through `stage`'s alias. */
export function invokeContext(functionName: string, stage: string, requestId = 'integration-request') {
  return {
    awsRequestId: requestId,
    functionName,
    functionVersion: '3',
    memoryLimitInMB: '256',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}:${stage}`,
  };
}

export interface ServicesCloud {
  cloud: TestCloud;
  kms: KMSClient;
  s3: S3Client;
  /** Key ARNs by stage. */
  keyArns: Record<string, string>;
  createKey(alias?: string): Promise<string>;
  putConfig(stage: string, config: unknown): Promise<void>;
  deleteConfig(stage: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a local cloud with a key, an alias and a config for every stage in `STAGES`. */
export async function startServicesCloud(): Promise<ServicesCloud> {
  const cloud = await startTestCloud();
  const kms = new KMSClient(cloud.clientConfig);
  const s3 = new S3Client(cloud.clientConfig);

  const createKey = async (alias?: string): Promise<string> => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: alias ?? 'keystage test key' }));
    if (!KeyMetadata?.Arn || !KeyMetadata.KeyId) throw new Error('CreateKey returned no key metadata.');
    if (alias) await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata.KeyId }));
    return KeyMetadata.Arn;
  };
  const putConfig = async (stage: string, config: unknown): Promise<void> => {
    const body = typeof config === 'string' ? config : JSON.stringify(config);
    await s3.send(new PutObjectCommand({ Bucket: CONFIG_BUCKET, Key: `${stage}/config.json`, Body: body, ContentType: 'application/json' }));
  };

  await s3.send(new CreateBucketCommand({ Bucket: CONFIG_BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: CONFIG_BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));

  const keyArns: Record<string, string> = {};
  for (const stage of STAGES) {
    keyArns[stage] = await createKey(`alias/keystage-${stage}`);
    await putConfig(stage, { keyId: `alias/keystage-${stage}`, allowedContextKeys: ['tenant'] });
  }

  return {
    cloud,
    kms,
    s3,
    keyArns,
    createKey,
    putConfig,
    deleteConfig: async (stage) => {
      await s3.send(new DeleteObjectCommand({ Bucket: CONFIG_BUCKET, Key: `${stage}/config.json` }));
    },
    stop: () => cloud.stop(),
  };
}

/** Creates a clock for the config cache; `advanceSeconds` moves it forward. */
export function manualClock(startMs = Date.now()) {
  let nowMs = startMs;
  return { now: () => nowMs, advanceSeconds: (seconds: number) => void (nowMs += seconds * 1000) };
}

export interface HandlerOptions {
  telemetry?: Telemetry;
  now?: () => number;
  s3?: S3ClientType;
  kms?: KMSClient;
}

/** Encryption and decryption handlers aimed at the cloud, sharing one config cache. */
export function servicesHandlers(services: ServicesCloud, options: HandlerOptions = {}) {
  const telemetry = options.telemetry ?? silentTelemetry;
  const s3 = options.s3 ?? createS3Client(services.cloud.clientConfig);
  const kms = options.kms ?? createKmsClient(services.cloud.clientConfig);
  const configs = new ConfigCache({ s3, bucket: CONFIG_BUCKET, telemetry, now: options.now });
  const overrides = { s3, kms, configs, telemetry, configBucket: CONFIG_BUCKET };

  const encryption = createEncryptionHandler(overrides);
  const decryption = createDecryptionHandler(overrides);
  return {
    configs,
    encrypt: (event: unknown, stage = 'dev') => encryption(event, invokeContext('keystage-encryption', stage)),
    decrypt: (event: unknown, stage = 'dev') => decryption(event, invokeContext('keystage-decryption', stage)),
  };
}

/** Returns the typed error a direct invoke threw: its class name and parsed JSON body. */
export async function invokeFailure(promise: Promise<unknown>): Promise<{ name: string; status: number; error: string; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the invoke to fail');
    },
    (caught: Error) => caught,
  );
  return { name: error.name, ...(JSON.parse(error.message) as { status: number; error: string; message: string }) };
}

/** Finds a loopback port with nothing listening, for simulating an unreachable endpoint. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}
