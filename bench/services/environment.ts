/**
 * Shared parts of the service benchmarks: an in-process local cloud with the dev key and config,
 * handlers aimed at it, timing helpers and the report table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { createKmsClient, createS3Client } from '../../src/core/aws/clients.js';
import type { OperationListener } from '../../src/core/aws/clients.js';
import { ConfigCache } from '../../src/core/config/cache.js';
import { silentTelemetry } from '../../src/core/observability.js';
import type { Telemetry } from '../../src/core/observability.js';
import { createDecryptionHandler } from '../../src/services/decryption/handler.js';
import { createEncryptionHandler } from '../../src/services/encryption/handler.js';
import { startLocalCloud } from '../../src/localcloud/index.js';

export const CONFIG_BUCKET = 'keystage-config-000000000000-us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIAKEYSTAGEBENCH001', secretAccessKey: 'bench-secret' };

/** A local cloud on a free port holding the dev key (`alias/keystage-dev`) and its config. */
export interface BenchCloud {
  clientConfig: { endpoint: string; region: string; credentials: typeof CREDENTIALS; forcePathStyle: boolean };
  keyArn: string;
  putConfig(config: unknown): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchCloud(): Promise<BenchCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-bench-'));
  const cloud = await startLocalCloud({ dataDir, port: 0, logLevel: 'error' });
  const clientConfig = { endpoint: cloud.url, region: 'us-east-1', credentials: CREDENTIALS, forcePathStyle: true };
  const kms = new KMSClient(clientConfig);
  const s3 = new S3Client(clientConfig);

  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'keystage bench' }));
  if (!KeyMetadata?.KeyId || !KeyMetadata.Arn) throw new Error('CreateKey returned no key.');
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/keystage-dev', TargetKeyId: KeyMetadata.KeyId }));
  await s3.send(new CreateBucketCommand({ Bucket: CONFIG_BUCKET }));

  const putConfig = async (config: unknown) => {
    await s3.send(new PutObjectCommand({ Bucket: CONFIG_BUCKET, Key: 'dev/config.json', Body: JSON.stringify(config) }));
  };
  await putConfig({ keyId: 'alias/keystage-dev' });

  return {
    clientConfig,
    keyArn: KeyMetadata.Arn,
    putConfig,
    close: async () => {
      await cloud.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Counts SDK operations by name. */
export function operationCounter() {
  const counts = new Map<string, number>();
  const listener: OperationListener = (operation) => counts.set(operation, (counts.get(operation) ?? 0) + 1);
  return { listener, count: (operation: string) => counts.get(operation) ?? 0, reset: () => counts.clear() };
}

export interface BenchHandlerOptions {
  telemetry?: Telemetry;
  now?: () => number;
  onS3Operation?: OperationListener;
  onKmsOperation?: OperationListener;
}

/** Encryption and decryption handlers on the bench cloud, invoked through the dev alias. */
export function benchHandlers(cloud: BenchCloud, options: BenchHandlerOptions = {}) {
  const telemetry = options.telemetry ?? silentTelemetry;
  const s3 = createS3Client(cloud.clientConfig, options.onS3Operation);
  const kms = createKmsClient(cloud.clientConfig, options.onKmsOperation);
  const configs = new ConfigCache({ s3, bucket: CONFIG_BUCKET, telemetry, now: options.now });
  const overrides = { s3, kms, configs, telemetry, configBucket: CONFIG_BUCKET };
  const context = { awsRequestId: 'bench', functionName: 'keystage-encryption', functionVersion: '1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:keystage-encryption:dev' };

  const encryption = createEncryptionHandler(overrides);
  const decryption = createDecryptionHandler(overrides);
  return {
    kms,
    encrypt: (event: unknown) => encryption(event, context),
    decrypt: (event: unknown) => decryption(event, context),
  };
}

/** Milliseconds per call of `operation`, after `warmup` untimed calls. */
export async function timeEach(iterations: number, warmup: number, operation: () => Promise<unknown> | unknown): Promise<number[]> {
  for (let index = 0; index < warmup; index += 1) await operation();

  const samples: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const started = performance.now();
    await operation();
    samples.push(performance.now() - started);
  }
  return samples;
}

/** Returns the `fraction` quantile (0 to 1) of `samples`, by nearest rank. */
export function quantile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** One line of the report: a measured figure beside its reference and target. */
export interface ReportRow {
  figure: string;
  measured: string;
  reference: string;
  ratio?: string;
  target: string;
  met: boolean;
}

/** Prints rows as a Markdown table, so a run can be pasted into bench/RESULTS.md. */
export function printReport(rows: ReportRow[]): void {
  const header = '| figure | measured | reference | ratio | target | met |';
  const lines = rows.map((row) => `| ${row.figure} | ${row.measured} | ${row.reference} | ${row.ratio ?? '-'} | ${row.target} | ${row.met ? 'yes' : 'no'} |`);
  console.log([header, '| --- | --- | --- | --- | --- | --- |', ...lines].join('\n'));
}

/** Formats a number with at most `digits` decimals. */
export function fixed(value: number, digits = 2): string {
  return Number(value.toFixed(digits)).toString();
}
