/**
 * Warm in-process time of the encryption handler for a 100-byte message with a cached data key
 * (p50 and p99), as a ratio to a plain `@aws-crypto/client-node` encrypt through a caching
 * materials manager whose data key is cached too.
 *
 * The handler runs with its real Powertools logger and metrics, which format one log line and
 * one EMF document per request. Their writes to stdout are dropped while timing, so the figure
 * does not depend on the terminal.
 */
import { randomBytes } from 'node:crypto';

import { buildClient, CommitmentPolicy, getLocalCryptographicMaterialsCache, KmsKeyringNode, NodeCachingMaterialsManager } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';

import { buildEncryptionContext } from '../../src/core/crypto/context.js';
import { COMMITTING_SUITE_ID } from '../../src/core/crypto/suites.js';
import { createServiceTelemetry } from '../../src/core/observability.js';
import { benchHandlers, fixed, quantile } from './environment.js';
import type { BenchCloud, ReportRow } from './environment.js';

const ITERATIONS = 3000;
const WARMUP = 300;
const BLOCK = 250;
const MESSAGE = randomBytes(50).toString('hex');

export async function measureHandlerLatency(cloud: BenchCloud): Promise<ReportRow[]> {
  const handlers = benchHandlers(cloud, { telemetry: createServiceTelemetry('keystage-encryption') });
  const quietHandlers = benchHandlers(cloud);
  const event = { data: MESSAGE };

  const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new KmsKeyringNode({ generatorKeyId: 'alias/keystage-dev', clientProvider: () => new KMS(cloud.clientConfig) });
  const manager = new NodeCachingMaterialsManager({ backingMaterials: keyring, cache: getLocalCryptographicMaterialsCache(100), maxAge: 300_000, maxMessagesEncrypted: 1_000_000 });
  const plaintext = Buffer.from(MESSAGE);
  const options = { encryptionContext: buildEncryptionContext('dev', {}), suiteId: COMMITTING_SUITE_ID };

  const { handlerSamples, sdkSamples } = await withStdoutDropped(() =>
    timeInterleaved(
      () => handlers.encrypt(event),
      () => encrypt(manager, plaintext, options),
    ),
  );

  const quiet = await timeInterleaved(
    () => quietHandlers.encrypt(event),
    () => encrypt(manager, plaintext, options),
  );

  const rows: ReportRow[] = [];
  const quietMs = quantile(quiet.handlerSamples, 0.5);
  const quietSdkMs = quantile(quiet.sdkSamples, 0.5);
  for (const [label, fraction] of [['p50', 0.5], ['p99', 0.99]] as const) {
    const handlerMs = quantile(handlerSamples, fraction);
    const sdkMs = quantile(sdkSamples, fraction);
    rows.push({
      figure: `encrypt handler, 100 bytes, cached data key, ${label}`,
      measured: `${fixed(handlerMs, 3)} ms`,
      reference: `${fixed(sdkMs, 3)} ms (client-node encrypt)`,
      ratio: fixed(handlerMs / sdkMs, 3),
      target: '<= 0.5',
      met: handlerMs / sdkMs <= 0.5,
    });
  }
  rows.push({
    figure: 'the same handler without log and metric output, p50',
    measured: `${fixed(quietMs, 3)} ms`,
    reference: `${fixed(quietSdkMs, 3)} ms (client-node encrypt)`,
    ratio: fixed(quietMs / quietSdkMs, 3),
    target: 'for comparison',
    met: quietMs / quietSdkMs <= 0.5,
  });
  return rows;
}

/**
 * Times the two operations in alternating blocks of `BLOCK` calls, so both see the same load from
 * other processes on the machine while each block keeps its own code and data warm.
 */
async function timeInterleaved(handler: () => Promise<unknown>, sdk: () => Promise<unknown>) {
  for (let index = 0; index < WARMUP; index += 1) {
    await handler();
    await sdk();
  }

  const handlerSamples: number[] = [];
  const sdkSamples: number[] = [];
  for (let block = 0; block < ITERATIONS / BLOCK; block += 1) {
    handlerSamples.push(...(await timeBlock(handler)));
    sdkSamples.push(...(await timeBlock(sdk)));
  }
  return { handlerSamples, sdkSamples };
}

async function timeBlock(operation: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < BLOCK; index += 1) {
    const started = performance.now();
    await operation();
    samples.push(performance.now() - started);
  }
  return samples;
}

async function withStdoutDropped<T>(operation: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await operation();
  } finally {
    process.stdout.write = write;
  }
}
