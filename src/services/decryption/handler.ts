/**
 * Lambda entry point of the decryption service (`keystage-decryption`).
 *
 * Environment: `CONFIG_BUCKET` (required), `DEFAULT_STAGE` (default `dev`). The stage is the
 * alias the function was invoked through; a ciphertext of another stage is rejected.
 */
import { Metric } from '../../core/observability.js';
import { createServiceHandler } from '../../core/service/runtime.js';
import type { ServiceHandler, ServiceOverrides } from '../../core/service/runtime.js';
import { decryptOperation } from './decrypt.js';
import type { DecryptionResponse } from './decrypt.js';

export type { DecryptionResponse } from './decrypt.js';

/** Creates a decryption handler; tests and benchmarks inject clients or a config bucket. */
export function createDecryptionHandler(overrides: ServiceOverrides = {}): ServiceHandler<DecryptionResponse> {
  return createServiceHandler({ serviceName: 'keystage-decryption', successMetric: Metric.decryptions, operation: decryptOperation }, overrides);
}

/** The handler Lambda calls, configured from the environment. */
export const handler = createDecryptionHandler();
