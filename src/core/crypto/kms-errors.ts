/**
 * Keeps the KMS errors of one request so they can be translated after the Encryption SDK fails.
 *
 * The SDK's KMS keyring folds KMS failures during decryption into one generic `Error` with a
 * text message, which loses the exception class (throttling, disabled key, access denied). The
 * keyring therefore gets a KMS client whose calls record their errors in the request's
 * async context before rethrowing them. Only decryption runs inside that context: enabling it
 * adds async hooks to every promise of the process (Node.js 20), and encryption errors reach
 * the caller unchanged anyway.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import type { DecryptCommandInput, EncryptCommandInput, GenerateDataKeyCommandInput, KMSClient } from '@aws-sdk/client-kms';
import type { KmsNodeClientSupplier } from '@aws-crypto/kms-keyring-node';

const recordedErrors = new AsyncLocalStorage<unknown[]>();

/** Runs `operation`, returning its result or throwing its error together with the KMS errors it met. */
export async function withKmsErrorCapture<T>(operation: () => Promise<T>): Promise<T> {
  const errors: unknown[] = [];
  try {
    return await recordedErrors.run(errors, operation);
  } catch (error) {
    throw new KmsCapturedFailure(error, errors);
  }
}

/** An operation's failure and the KMS errors recorded while it ran (possibly none). */
export class KmsCapturedFailure extends Error {
  constructor(
    readonly failure: unknown,
    readonly kmsErrors: readonly unknown[],
  ) {
    super(failure instanceof Error ? failure.message : String(failure), { cause: failure });
    this.name = 'KmsCapturedFailure';
  }
}

/**
 * Creates a client supplier for KMS keyrings. It sends the three methods the keyrings call through
 * `kms`, and each records its error for the current request before rethrowing it.
 */
export function recordingClientSupplier(kms: KMSClient): KmsNodeClientSupplier {
  const recording = {
    generateDataKey: (input: GenerateDataKeyCommandInput) => record(kms.send(new GenerateDataKeyCommand(input))),
    encrypt: (input: EncryptCommandInput) => record(kms.send(new EncryptCommand(input))),
    decrypt: (input: DecryptCommandInput) => record(kms.send(new DecryptCommand(input))),
  };
  return () => recording as never;
}

async function record<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    recordedErrors.getStore()?.push(error);
    throw error;
  }
}
