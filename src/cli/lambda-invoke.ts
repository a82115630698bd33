import { InvokeCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';

import { isAwsError } from './aws-errors.js';
import type { AwsClients } from './clients.js';
import { NotBootstrappedError } from './errors.js';

/** The result of a synchronous Invoke: the parsed payload, and the error type when the function failed. */
export interface InvokeResult {
  payload: unknown;
  /** Raw response text, for output when the payload is not JSON. */
  text: string;
  /** `Unhandled` or `Handled` when the function failed; undefined on success. */
  functionError?: string;
  executedVersion?: string;
  /** The last 4 KB of the function's log, when `tail` was requested. */
  logTail?: string;
}

/** Invokes `functionName:qualifier` with a JSON event and waits for the result. */
export async function invokeJson(clients: AwsClients, functionName: string, qualifier: string | undefined, event: unknown, tail = false): Promise<InvokeResult> {
  try {
    const response = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        Qualifier: qualifier,
        Payload: Buffer.from(JSON.stringify(event)),
        LogType: tail ? 'Tail' : 'None',
      }),
    );
    const text = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
    return {
      payload: parseJson(text),
      text,
      functionError: response.FunctionError,
      executedVersion: response.ExecutedVersion,
      logTail: response.LogResult ? Buffer.from(response.LogResult, 'base64').toString('utf8') : undefined,
    };
  } catch (error) {
    if (isAwsError(error, [ResourceNotFoundException], 404)) {
      const target = qualifier ? `${functionName}:${qualifier}` : functionName;
      throw new NotBootstrappedError(`Function ${target} not found; run "keystage bootstrap" (or "keystage up" locally), or check --stage and --prefix.`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Describes a failed invocation in one line. The Node runtime reports a thrown error as
 * `{errorType, errorMessage}`; keystage services put a JSON `{status, error, message}` in `errorMessage`.
 */
export function describeFunctionError(result: InvokeResult): string {
  const payload = result.payload as { errorType?: string; errorMessage?: string } | undefined;
  if (!payload || typeof payload !== 'object' || !payload.errorMessage) return result.text;

  const inner = parseJson(payload.errorMessage) as { status?: number; error?: string; message?: string } | undefined;
  if (inner && typeof inner === 'object' && inner.message) return `${inner.error ?? payload.errorType} (${inner.status ?? '?'}): ${inner.message}`;
  return `${payload.errorType ?? 'Error'}: ${payload.errorMessage}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
