/**
 * KMS calls per 1,000 envelope encryptions with data key caching on, sequential and 16 in
 * parallel, from a cold data key cache. References: caching off (one call per message) and the
 * Encryption SDK's caching materials manager alone, whose concurrent first misses each call KMS.
 */
import { getLocalCryptographicMaterialsCache, NodeCachingMaterialsManager } from '@aws-crypto/caching-materials-manager-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import { CommitmentPolicy } from '@aws-crypto/material-management-node';
import { KMS } from '@aws-sdk/client-kms';

import { buildEncryptionContext } from '../../src/core/crypto/context.js';
import { COMMITTING_SUITE_ID } from '../../src/core/crypto/suites.js';
import { benchHandlers, operationCounter } from './environment.js';
import type { BenchCloud, ReportRow } from './environment.js';

const ENCRYPTIONS = 1000;
const PARALLELISM = 16;

export async function measureKmsCalls(cloud: BenchCloud): Promise<ReportRow[]> {
  const sequential = await kmsCallsFor(cloud, { keyId: 'alias/keystage-dev' }, 1);
  const parallel = await kmsCallsFor(cloud, { keyId: 'alias/keystage-dev' }, PARALLELISM);
  const uncached = await kmsCallsFor(cloud, { keyId: 'alias/keystage-dev', dataKeyCache: { enabled: false } }, PARALLELISM);
  const sdkAlone = await sdkCachingFirstBatch(cloud);

  return [
    {
      figure: 'KMS calls per 1,000 envelope encryptions, sequential',
      measured: String(sequential),
      reference: `${uncached} (caching off)`,
      ratio: (sequential / uncached).toFixed(4),
      target: '<= 1 per cache window',
      met: sequential <= 1,
    },
    {
      figure: `KMS calls per 1,000 envelope encryptions, ${PARALLELISM} in parallel`,
      measured: String(parallel),
      reference: `${uncached} (caching off); ${sdkAlone} for the first ${PARALLELISM} with the SDK cache alone`,
      ratio: (parallel / uncached).toFixed(4),
      target: '<= 1 per cache window',
      met: parallel <= 1,
    },
  ];
}

/** KMS calls for 1,000 encryptions in batches of `parallelism`, on a fresh handler. */
async function kmsCallsFor(cloud: BenchCloud, config: unknown, parallelism: number): Promise<number> {
  await cloud.putConfig(config);
  const kmsCalls = operationCounter();
  const handlers = benchHandlers(cloud, { onKmsOperation: kmsCalls.listener });

  for (let sent = 0; sent < ENCRYPTIONS; sent += parallelism) {
    const batch = Array.from({ length: Math.min(parallelism, ENCRYPTIONS - sent) }, (_, index) => handlers.encrypt({ data: `message ${sent + index}` }));
    await Promise.all(batch);
  }

  await cloud.putConfig({ keyId: 'alias/keystage-dev' });
  return kmsCalls.count('GenerateDataKey');
}

/** GenerateDataKey calls of 16 parallel first encryptions through the SDK's caching manager alone. */
async function sdkCachingFirstBatch(cloud: BenchCloud): Promise<number> {
  const kmsCalls = operationCounter();
  const kms = new KMS(cloud.clientConfig);
  kms.middlewareStack.add((next, context) => async (args) => {
    kmsCalls.listener(String(context.commandName).replace(/Command$/, ''));
    return next(args);
  }, { step: 'initialize' });

  const keyring = new KmsKeyringNode({ generatorKeyId: 'alias/keystage-dev', clientProvider: () => kms });
  const manager = new NodeCachingMaterialsManager({ backingMaterials: keyring, cache: getLocalCryptographicMaterialsCache(100), maxAge: 300_000, maxMessagesEncrypted: 1000 });
  const { encrypt } = buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const encryptionContext = buildEncryptionContext('dev', {});

  await Promise.all(Array.from({ length: PARALLELISM }, () => encrypt(manager, Buffer.from('x'), { encryptionContext, suiteId: COMMITTING_SUITE_ID })));
  return kmsCalls.count('GenerateDataKey');
}
