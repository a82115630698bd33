import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { renderConfigJsonSchema } from '../../../../src/core/config/json-schema.js';

const SCHEMA_PATH = join(import.meta.dirname, '..', '..', '..', '..', 'schemas', 'config.schema.json');

describe('schemas/config.schema.json', () => {
  it('matches the zod schema', () => {
    const expected = renderConfigJsonSchema();
    if (process.env.UPDATE_CONFIG_SCHEMA === '1') writeFileSync(SCHEMA_PATH, expected);

    const committed = readFileSync(SCHEMA_PATH, 'utf8');

    expect(committed, 'stale: rerun this test with UPDATE_CONFIG_SCHEMA=1 to regenerate').toBe(expected);
  });
});
