/**
 * Envelope encrypt and decrypt throughput for 1 MiB payloads, as a ratio to raw AES-256-GCM
 * (node:crypto, one cipher over the whole buffer). The data key is cached, so no KMS call is
 * timed. The Encryption SDK's own encrypt and decrypt, with 4 KiB and 1 MiB frames, are
 * measured alongside for reference.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { CommitmentPolicy } from '@aws-crypto/material-management-node';

import { createKmsClient } from '../../src/core/aws/clients.js';
import { buildEncryptionContext } from '../../src/core/crypto/context.js';
import { decryptEnvelope, encryptEnvelope } from '../../src/core/crypto/envelope.js';
import { DataKeys } from '../../src/core/crypto/data-keys.js';
import { materialsManagersFor } from '../../src/core/crypto/materials.js';
import type { MaterialsManagers } from '../../src/core/crypto/materials.js';
import { COMMITTING_SUITE_ID } from '../../src/core/crypto/suites.js';
import { fixed, quantile, timeEach } from './environment.js';
import type { BenchCloud, ReportRow } from './environment.js';

const PAYLOAD_BYTES = 1024 * 1024;
const ITERATIONS = 120;
const SDK_ITERATIONS = 36;
const BLOCKS = 12;
const SETTINGS = { enabled: true, maxAgeSeconds: 300, maxMessages: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER };

export async function measureThroughput(cloud: BenchCloud): Promise<ReportRow[]> {
  const payload = randomBytes(PAYLOAD_BYTES);
  const context = buildEncryptionContext('dev', {});
  const kms = createKmsClient(cloud.clientConfig);
  const dataKeys = new DataKeys(kms);
  const encryptKeys = dataKeys.forEncryption('alias/keystage-dev', SETTINGS);
  const decryptKeys = dataKeys.forDecryption({ accountIDs: ['000000000000'], partition: 'aws' }, SETTINGS);
  const materials = materialsManagersFor(kms);
  const encryptManager = materials.forEncryption('alias/keystage-dev', SETTINGS);
  const decryptManager = materials.forDecryption({ accountIDs: ['000000000000'], partition: 'aws' }, SETTINGS);

  const { ciphertext } = await encryptEnvelope({ keys: encryptKeys, plaintext: payload, context, suiteId: COMMITTING_SUITE_ID, keyId: 'alias/keystage-dev' });
  const rawGcm = rawGcmOperations(payload);
  const encryption = await timeAlternating(rawGcm.encrypt, () =>
    encryptEnvelope({ keys: encryptKeys, plaintext: payload, context, suiteId: COMMITTING_SUITE_ID, keyId: 'alias/keystage-dev' }),
  );
  const decryption = await timeAlternating(rawGcm.decrypt, () =>
    decryptEnvelope({ keys: decryptKeys, ciphertext, maxPlaintextBytes: 2 * PAYLOAD_BYTES, checkContext: () => undefined }),
  );
  const raw = { encryptMs: encryption.referenceMs, decryptMs: decryption.referenceMs };
  const encryptMs = encryption.measuredMs;
  const decryptMs = decryption.measuredMs;
  const sdk4KiB = await sdkRatios(rawGcm, encryptManager, decryptManager, payload, context, 4096);
  const sdk1MiB = await sdkRatios(rawGcm, encryptManager, decryptManager, payload, context, PAYLOAD_BYTES);
  return [
    {
      figure: 'envelope encrypt, 1 MiB (MiB/s)',
      measured: `${fixed(mibPerSecond(encryptMs), 0)} MiB/s`,
      reference: `raw AES-GCM ${fixed(mibPerSecond(raw.encryptMs), 0)} MiB/s; SDK ${fixed(sdk4KiB.encrypt, 3)} (4 KiB frames), ${fixed(sdk1MiB.encrypt, 3)} (1 MiB frames)`,
      ratio: fixed(raw.encryptMs / encryptMs, 3),
      target: '>= 0.3 of raw',
      met: raw.encryptMs / encryptMs >= 0.3,
    },
    {
      figure: 'envelope decrypt, 1 MiB (MiB/s)',
      measured: `${fixed(mibPerSecond(decryptMs), 0)} MiB/s`,
      reference: `raw AES-GCM ${fixed(mibPerSecond(raw.decryptMs), 0)} MiB/s; SDK ${fixed(sdk4KiB.decrypt, 3)} (4 KiB frames), ${fixed(sdk1MiB.decrypt, 3)} (1 MiB frames)`,
      ratio: fixed(raw.decryptMs / decryptMs, 3),
      target: '>= 0.3 of raw',
      met: raw.decryptMs / decryptMs >= 0.3,
    },
  ];
}

/** Raw AES-256-GCM over the whole payload with one key and IV, as node:crypto does it. */
function rawGcmOperations(payload: Buffer): { encrypt: () => unknown; decrypt: () => unknown } {
  const key = randomBytes(32);
  const iv = randomBytes(12);

  // GCM's final() returns no bytes, so the update() output is the whole result: no copy is
  // timed on the raw side.
  const encrypt = () => {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ciphertext = cipher.update(payload);
    cipher.final();
    return { ciphertext, tag: cipher.getAuthTag() };
  };
  const sealed = encrypt();
  const decrypt = () => {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(sealed.tag);
    const plaintext = decipher.update(sealed.ciphertext);
    decipher.final();
    return plaintext;
  };
  return { encrypt, decrypt };
}

/**
 * Median times of a reference and a measured operation, run in alternating blocks so both see
 * the same load from other processes on the machine.
 */
async function timeAlternating(reference: () => unknown, measured: () => Promise<unknown>, iterations = ITERATIONS): Promise<{ referenceMs: number; measuredMs: number }> {
  const referenceSamples: number[] = [];
  const measuredSamples: number[] = [];
  for (let block = 0; block < BLOCKS; block += 1) {
    referenceSamples.push(...(await timeEach(iterations / BLOCKS, 2, reference)));
    measuredSamples.push(...(await timeEach(iterations / BLOCKS, 2, measured)));
  }
  return { referenceMs: median(referenceSamples), measuredMs: median(measuredSamples) };
}

/** Throughput of the Encryption SDK's own encrypt and decrypt as a ratio to raw AES-GCM. */
async function sdkRatios(
  rawGcm: { encrypt: () => unknown; decrypt: () => unknown },
  encryptManager: ReturnType<MaterialsManagers['forEncryption']>,
  decryptManager: ReturnType<MaterialsManagers['forDecryption']>,
  payload: Buffer,
  context: Record<string, string>,
  frameLength: number,
): Promise<{ encrypt: number; decrypt: number }> {
  const { encrypt } = buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const { decrypt } = buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const options = { encryptionContext: context, suiteId: COMMITTING_SUITE_ID, frameLength };
  const { result } = await encrypt(encryptManager, payload, options);

  const encryption = await timeAlternating(rawGcm.encrypt, () => encrypt(encryptManager, payload, options), SDK_ITERATIONS);
  const decryption = await timeAlternating(rawGcm.decrypt, () => decrypt(decryptManager, result), SDK_ITERATIONS);
  return { encrypt: encryption.referenceMs / encryption.measuredMs, decrypt: decryption.referenceMs / decryption.measuredMs };
}

function median(samples: number[]): number {
  return quantile(samples, 0.5);
}

function mibPerSecond(ms: number): number {
  return PAYLOAD_BYTES / (1024 * 1024) / (ms / 1000);
}
