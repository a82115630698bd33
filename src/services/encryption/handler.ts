/**
 * Lambda entry point of the encryption service (`keystage-encryption`).
 *
 * Environment: `CONFIG_BUCKET` (required), `DEFAULT_STAGE` (default `dev`). The stage is the
 * alias the function was invoked through.
 */
import { Metric } from '../../core/observability.js';
import { createServiceHandler } from '../../core/service/runtime.js';
import type { ServiceHandler, ServiceOverrides } from '../../core/service/runtime.js';
import { encryptOperation } from './encrypt.js';
import type { EncryptionResponse } from './encrypt.js';

export type { EncryptionResponse } from './encrypt.js';

/** Creates an encryption handler; tests and benchmarks inject clients or a config bucket. */
export function createEncryptionHandler(overrides: ServiceOverrides = {}): ServiceHandler<EncryptionResponse> {
  return createServiceHandler({ serviceName: 'keystage-encryption', successMetric: Metric.encryptions, operation: encryptOperation }, overrides);
}

/** The handler Lambda calls, configured from the environment. */
export const handler = createEncryptionHandler();
