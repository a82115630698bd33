/**
 * Verification of a version by invoking it with the function's smoke event, stored in the
 * artifact bucket at `.keystage/smoke/<function>.json`. A verification fails when Invoke
 * reports a function error (including a handler that throws while loading) or the call fails.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';

import { STAGE_CLIENT_CONTEXT_KEY } from '../stage.js';
import { InvalidReleaseMetadataError } from './errors.js';
import { smokeEventKey } from './keys.js';
import { getDocument } from './s3-documents.js';

/** Maximum length of a function's error message copied into a ledger reason. */
const MAX_REASON_CHARS = 300;

/** Result of one smoke invocation. */
export type SmokeResult = { ok: true } | { ok: false; reason: string };

/** Reads the smoke event of `functionName` as an Invoke payload; undefined when the function has none. */
export async function readSmokeEvent(s3: S3Client, bucket: string, functionName: string): Promise<string | undefined> {
  const key = smokeEventKey(functionName);
  try {
    const stored = await getDocument<unknown>(s3, bucket, key);
    return stored === undefined ? undefined : JSON.stringify(stored.value);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new InvalidReleaseMetadataError(`The smoke event s3://${bucket}/${key} is not valid JSON: ${error.message}. Fix or delete it.`, { cause: error });
    }
    throw error;
  }
}

/** Invokes `functionName:qualifier` synchronously with `payload` and reports whether it succeeded. */
export async function invokeSmoke(lambda: LambdaClient, functionName: string, qualifier: string, payload: string, stage: string): Promise<SmokeResult> {
  const target = `${functionName}:${qualifier}`;
  try {
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, Payload: Buffer.from(payload), ClientContext: stageClientContext(stage) }),
    );
    if (response.FunctionError) {
      const body = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
      return { ok: false, reason: `The smoke invocation of ${target} failed (${response.FunctionError}): ${describeErrorPayload(body)}` };
    }
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, reason: `The smoke invocation of ${target} could not be made: ${truncate(message)}` };
  }
}

/**
 * Returns the base64 client context that names the stage a smoke invocation verifies. A version
 * invoked by its number has no alias in its ARN, so without it the function would run with the
 * default stage's config and key.
 */
export function stageClientContext(stage: string): string {
  return Buffer.from(JSON.stringify({ custom: { [STAGE_CLIENT_CONTEXT_KEY]: stage } })).toString('base64');
}

function describeErrorPayload(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errorType?: string; errorMessage?: string };
    return truncate(`${parsed.errorType ?? 'Error'}: ${parsed.errorMessage ?? ''}`);
  } catch {
    return truncate(body);
  }
}

function truncate(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}
