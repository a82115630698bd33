/**
 * The JSON Schema of the stage config, derived from the zod schema so the two never disagree.
 * `schemas/config.schema.json` is the committed copy for editors and other tools. A unit test
 * fails when it is stale, and rewrites it when run with `UPDATE_CONFIG_SCHEMA=1`.
 */
import * as z from 'zod/mini';

import { stageConfigDocumentSchema } from './schema.js';

/** Stable identifier of the schema document. */
export const CONFIG_SCHEMA_ID = 'https://keystage.dev/schemas/config.schema.json';

/** Builds the JSON Schema (draft 2020-12) of what a config object may contain. */
export function buildConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(stageConfigDocumentSchema, { io: 'input', target: 'draft-2020-12' });
  return { ...schema, $id: CONFIG_SCHEMA_ID };
}

/** Renders the schema as the committed file stores it: two-space JSON with a trailing newline. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`;
}
