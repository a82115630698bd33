/**
 * SDK clients of the services. They use the default credential, region and endpoint chain
 * (`AWS_REGION`, `AWS_ENDPOINT_URL`), so the same code talks to AWS and to the local cloud.
 *
 * Retries are set deliberately rather than left to defaults:
 * - KMS: standard mode, 4 attempts (3 retries with exponential backoff and full jitter). A KMS
 *   throttle during a burst usually clears within a second; more attempts would eat into the
 *   Lambda timeout while the caller waits.
 * - S3 (config only): standard mode, 3 attempts and short timeouts, because a failed config
 *   fetch is covered by the last good config for `maxStaleSeconds`. Waiting longer for S3 would
 *   only delay requests that can be served from memory.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import type { KMSClientConfig } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

export const KMS_MAX_ATTEMPTS = 4;
export const S3_MAX_ATTEMPTS = 3;

/** Time to open a connection before the attempt fails and is retried. */
export const CONNECTION_TIMEOUT_MS = 2_000;
/** Time a KMS response may take; a healthy KMS responds within tens of milliseconds. */
export const KMS_REQUEST_TIMEOUT_MS = 5_000;
/** Time an S3 config response may take; the object is at most a few kilobytes. */
export const S3_REQUEST_TIMEOUT_MS = 3_000;

/** Called once per SDK operation (not per retry attempt), for metrics and call counting. */
export type OperationListener = (operation: string) => void;

/**
 * Creates the KMS client. The Encryption SDK keyrings call methods (`generateDataKey`,
 * `decrypt`); `crypto/kms-errors.ts` adapts this client to that interface.
 */
export function createKmsClient(overrides: KMSClientConfig = {}, onOperation?: OperationListener): KMSClient {
  const client = new KMSClient({
    maxAttempts: KMS_MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: KMS_REQUEST_TIMEOUT_MS },
    ...overrides,
  });
  if (onOperation) addOperationListener(client, onOperation);
  return client;
}

/** Creates the S3 client that reads stage configs. */
export function createS3Client(overrides: S3ClientConfig = {}, onOperation?: OperationListener): S3Client {
  const client = new S3Client({
    maxAttempts: S3_MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: S3_REQUEST_TIMEOUT_MS },
    ...overrides,
  });
  if (onOperation) addOperationListener(client, onOperation);
  return client;
}

function addOperationListener(client: KMSClient | S3Client, onOperation: OperationListener): void {
  const stack = client.middlewareStack as unknown as {
    add(middleware: OperationMiddleware, options: { step: 'initialize'; name: string }): void;
  };
  stack.add(
    (next, context) => async (args) => {
      onOperation((context.commandName ?? 'Unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'keystageOperationListener' },
  );
}

type OperationMiddleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;
