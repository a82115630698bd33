/**
 * Test doubles shared by the core and service unit tests: an in-memory KMS behind
 * aws-sdk-client-mock (real data keys, context-bound blobs, ARNs in responses), a config object
 * in a mocked S3, and telemetry that records what was logged and counted.
 */
import { randomBytes } from 'node:crypto';

import {
  DecryptCommand,
  DisabledException,
  EncryptCommand,
  GenerateDataKeyCommand,
  InvalidCiphertextException,
  KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

import type { Telemetry } from '../../../src/core/observability.js';

export const ACCOUNT_ID = '000000000000';
export const REGION = 'us-east-1';
export const CONFIG_BUCKET = `keystage-config-${ACCOUNT_ID}-${REGION}`;
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:keystage-encryption`;

/** Builds a Lambda context invoked through `stage`'s alias. */
export function contextFor(stage: string | undefined, requestId = 'request-1') {
  return { awsRequestId: requestId, functionName: 'keystage-encryption', functionVersion: '1', invokedFunctionArn: stage ? `${FUNCTION_ARN}:${stage}` : FUNCTION_ARN };
}

/** Returns the ARN of a fake key id. */
export function keyArn(keyId: string): string {
  return `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${keyId}`;
}

interface FakeBlob {
  arn: string;
  context: Record<string, string>;
  plaintext: string;
}

/**
 * Mocks KMS with keys known by id and alias. Blobs start with `0x01 0x02` like real KMS blobs and
 * carry the plaintext and context in the clear, which is enough to test the services.
 */
export function mockKms(keys: Record<string, string> = { 'alias/keystage-dev': '11111111-1111-1111-1111-111111111111' }) {
  const kmsMock = mockClient(KMSClient);
  const disabled = new Set<string>();

  const resolve = (keyId: string | undefined): string => {
    const bareId = keyId === undefined ? undefined : (keys[keyId] ?? keyId.replace(/^arn:.*:key\//, ''));
    if (!bareId || !Object.values(keys).includes(bareId)) {
      throw new NotFoundException({ $metadata: { httpStatusCode: 400 }, message: `Key '${keyId}' does not exist` });
    }
    if (disabled.has(bareId)) throw new DisabledException({ $metadata: { httpStatusCode: 400 }, message: `${keyArn(bareId)} is disabled.` });
    return keyArn(bareId);
  };
  const seal = (blob: FakeBlob): Uint8Array => Buffer.concat([Buffer.from([0x01, 0x02]), Buffer.from(JSON.stringify(blob))]);
  const open = (bytes: Uint8Array | undefined): FakeBlob => {
    try {
      return JSON.parse(Buffer.from(bytes ?? []).subarray(2).toString('utf8')) as FakeBlob;
    } catch {
      throw new InvalidCiphertextException({ $metadata: { httpStatusCode: 400 }, message: '' });
    }
  };

  const generateDataKey = (input: { KeyId?: string; NumberOfBytes?: number; EncryptionContext?: Record<string, string> }) => {
    const arn = resolve(input.KeyId);
    const plaintext = randomBytes(input.NumberOfBytes ?? 32);
    return { KeyId: arn, Plaintext: plaintext, CiphertextBlob: seal({ arn, context: input.EncryptionContext ?? {}, plaintext: plaintext.toString('base64') }) };
  };
  kmsMock.on(GenerateDataKeyCommand).callsFake(generateDataKey);
  kmsMock.on(EncryptCommand).callsFake((input) => {
    const arn = resolve(input.KeyId);
    const plaintext = Buffer.from(input.Plaintext ?? []).toString('base64');
    return { KeyId: arn, CiphertextBlob: seal({ arn, context: input.EncryptionContext ?? {}, plaintext }) };
  });
  kmsMock.on(DecryptCommand).callsFake((input) => {
    const blob = open(input.CiphertextBlob);
    resolve(blob.arn);
    if (input.KeyId !== undefined && resolve(input.KeyId) !== blob.arn) {
      throw Object.assign(new Error('The key ID in the request does not identify the key that encrypted the ciphertext.'), { name: 'IncorrectKeyException', $metadata: {} });
    }
    if (JSON.stringify(sorted(blob.context)) !== JSON.stringify(sorted(input.EncryptionContext ?? {}))) {
      throw new InvalidCiphertextException({ $metadata: { httpStatusCode: 400 }, message: '' });
    }
    return { KeyId: blob.arn, Plaintext: Buffer.from(blob.plaintext, 'base64') };
  });

  return { kmsMock, generateDataKey, disable: (keyId: string) => disabled.add(keyId) };
}

function sorted(context: Record<string, string>): [string, string][] {
  return Object.entries(context).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Mocks S3 so `<stage>/config.json` returns `configs[stage]`. */
export function mockConfigs(configs: Record<string, unknown>) {
  const s3Mock = mockClient(S3Client);
  s3Mock.on(GetObjectCommand).callsFake((input) => {
    const stage = String(input.Key).split('/')[0] ?? '';
    const config = configs[stage];
    if (config === undefined) {
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    }
    const body = JSON.stringify(config);
    return { Body: { transformToString: async () => body }, ETag: `"${Buffer.from(body).toString('base64').slice(0, 16)}"`, VersionId: 'v1' } as never;
  });
  return s3Mock;
}

/** Telemetry that keeps every log line and metric in memory. */
export function recordingTelemetry() {
  const lines: { level: string; message: string; fields: unknown }[] = [];
  const counts: Record<string, number> = {};
  const errors: string[] = [];
  const log = (level: string) => (message: unknown, fields?: unknown) => void lines.push({ level, message: String(message), fields });

  const telemetry: Telemetry = {
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } as Telemetry['logger'],
    count: (metric, value = 1) => {
      counts[metric] = (counts[metric] ?? 0) + value;
    },
    countError: (name) => void errors.push(name),
    startRequest: () => undefined,
    finishRequest: (level, message, fields) => void lines.push({ level, message, fields }),
  };
  return { telemetry, lines, counts, errors };
}
