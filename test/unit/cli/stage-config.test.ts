import { describe, expect, it } from 'vitest';

import { initialStageConfig } from '../../../src/cli/bootstrap/buckets.js';
import { parseStageConfig } from '../../../src/core/config/schema.js';

const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/11111111-1111-1111-1111-111111111111';

describe('initialStageConfig', () => {
  it('names only the key by default', () => {
    expect(initialStageConfig(KEY_ARN)).toEqual({ keyId: KEY_ARN });
  });

  it('sets the cache max age when given', () => {
    const config = initialStageConfig(KEY_ARN, 5);

    expect(config).toEqual({ keyId: KEY_ARN, cache: { maxAgeSeconds: 5 } });
  });

  it('passes the stage config schema', () => {
    const parsed = parseStageConfig(initialStageConfig(KEY_ARN, 5));

    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.config.cache.maxAgeSeconds).toBe(5);
  });
});
