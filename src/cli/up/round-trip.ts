import type { AwsClients } from '../clients.js';
import { describeFunctionError, invokeJson } from '../lambda-invoke.js';
import { functionName } from '../names.js';

/** Result of encrypting and decrypting one message through a stage's aliases. */
export interface RoundTrip {
  stage: string;
  ok: boolean;
  /** Reason the round trip failed; undefined when it succeeded. */
  problem?: string;
  /** Invoke time of both calls together. */
  durationMs: number;
}

export const ROUND_TRIP_MESSAGE = 'keystage round trip';

/**
 * Encrypts a message through `<prefix>-encryption:<stage>` and decrypts the result through
 * `<prefix>-decryption:<stage>`, checking that the same text comes back.
 */
export async function roundTrip(clients: AwsClients, prefix: string, stage: string): Promise<RoundTrip> {
  const started = performance.now();
  const finish = (problem?: string): RoundTrip => ({ stage, ok: problem === undefined, problem, durationMs: Math.round(performance.now() - started) });

  const encrypted = await invokeJson(clients, functionName(prefix, 'encryption'), stage, { data: ROUND_TRIP_MESSAGE });
  if (encrypted.functionError) return finish(`encryption failed: ${describeFunctionError(encrypted)}`);

  const ciphertext = (encrypted.payload as { data?: unknown } | undefined)?.data;
  if (typeof ciphertext !== 'string') return finish(`encryption returned ${JSON.stringify(encrypted.payload).slice(0, 200)} without a "data" ciphertext`);

  const decrypted = await invokeJson(clients, functionName(prefix, 'decryption'), stage, { data: ciphertext });
  if (decrypted.functionError) return finish(`decryption failed: ${describeFunctionError(decrypted)}`);

  const plaintext = (decrypted.payload as { data?: unknown } | undefined)?.data;
  if (plaintext !== ROUND_TRIP_MESSAGE) return finish(`decryption returned ${JSON.stringify(decrypted.payload).slice(0, 200)} instead of the message`);
  return finish();
}
