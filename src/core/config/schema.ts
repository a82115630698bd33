/**
 * The stage config object stored at `s3://<config bucket>/<stage>/config.json`.
 *
 * Every field but the KMS key is optional and has a default. The older shape `{ "key": "..." }`
 * is still accepted and read as `keyId`. Unknown fields are rejected so that a misspelt setting
 * fails loudly instead of silently falling back to its default.
 */
import * as z from 'zod/mini';
import englishMessages from 'zod/v4/locales/en.js';

/** Default freshness of a cached config before it is revalidated with `If-None-Match`. */
export const DEFAULT_CONFIG_MAX_AGE_SECONDS = 60;
/** Default time past `maxAgeSeconds` during which the last good config is served while S3 fails. */
export const DEFAULT_CONFIG_MAX_STALE_SECONDS = 900;
export const DEFAULT_DATA_KEY_MAX_AGE_SECONDS = 300;
export const DEFAULT_DATA_KEY_MAX_MESSAGES = 1000;
export const DEFAULT_DATA_KEY_MAX_BYTES = 100 * 1024 * 1024;

/** Encryption context keys the service sets itself; callers may not override them. */
export const RESERVED_CONTEXT_KEYS = ['stage', 'service'] as const;

/** The Encryption SDK reserves context keys with this prefix (for example its signing public key). */
const ENCRYPTION_SDK_CONTEXT_PREFIX = 'aws-crypto-';

/** Largest message count one data key may encrypt with the committing suites (2^32). */
const MAX_MESSAGES_PER_DATA_KEY = 2 ** 32;

const KEY_ID_BARE = '(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})';
const ALIAS_NAME = 'alias/[a-zA-Z0-9/_-]{1,250}';
const ARN_PREFIX = 'arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:';

/** A KMS key id, key ARN, alias name or alias ARN: the four forms KMS accepts as `KeyId`. */
export const KEY_ID_PATTERN = new RegExp(`^(?:${KEY_ID_BARE}|${ALIAS_NAME}|${ARN_PREFIX}key/${KEY_ID_BARE}|${ARN_PREFIX}${ALIAS_NAME})$`);

// The schema uses zod/mini, the tree-shakable form of zod 4, because it is bundled into every
// Lambda zip: the chained API would add about 70 KiB of minified code to each function.

const keyIdSchema = z.string().check(
  z.regex(KEY_ID_PATTERN, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a KMS key id; use a key id, key ARN, alias name (alias/...) or alias ARN`,
  }),
  z.describe('KMS key of the stage: key id, key ARN, alias name or alias ARN'),
);

const formatSchema = z.enum(['envelope', 'kms']);

function boundedInt(min: number, max: number, defaultValue: number, description: string) {
  return z._default(z.int().check(z.minimum(min), z.maximum(max)), defaultValue).check(z.describe(description));
}

const cacheSchema = z
  .strictObject({
    maxAgeSeconds: boundedInt(0, 86_400, DEFAULT_CONFIG_MAX_AGE_SECONDS, 'Seconds a fetched config is served from memory before it is revalidated'),
    maxStaleSeconds: boundedInt(
      0,
      604_800,
      DEFAULT_CONFIG_MAX_STALE_SECONDS,
      'Seconds past maxAgeSeconds that the last good config is served while S3 fails or holds an invalid config',
    ),
  })
  .check(z.describe('Caching of this config object in each execution environment'));

const dataKeyCacheSchema = z
  .strictObject({
    enabled: z._default(z.boolean(), true),
    maxAgeSeconds: z
      ._default(z.number().check(z.gt(0), z.maximum(86_400)), DEFAULT_DATA_KEY_MAX_AGE_SECONDS)
      .check(z.describe('Seconds a data key is reused')),
    maxMessages: boundedInt(1, MAX_MESSAGES_PER_DATA_KEY, DEFAULT_DATA_KEY_MAX_MESSAGES, 'Messages one data key encrypts before a new one is generated'),
    maxBytes: boundedInt(1, Number.MAX_SAFE_INTEGER, DEFAULT_DATA_KEY_MAX_BYTES, 'Plaintext bytes one data key encrypts before a new one is generated'),
  })
  .check(z.describe('Reuse of envelope data keys to bound KMS calls'));

const contextKeySchema = z.string().check(
  z.minLength(1),
  z.maxLength(256),
  z.refine((key) => !(RESERVED_CONTEXT_KEYS as readonly string[]).includes(key), {
    error: (issue) => `${JSON.stringify(issue.input)} is set by the service itself and cannot be allowed for callers`,
  }),
  z.refine((key) => !key.startsWith(ENCRYPTION_SDK_CONTEXT_PREFIX), {
    error: (issue) => `${JSON.stringify(issue.input)} uses the prefix "${ENCRYPTION_SDK_CONTEXT_PREFIX}", which the Encryption SDK reserves`,
  }),
);

/** The settings every config shape shares; all optional with defaults. */
const sharedFields = {
  defaultFormat: z._default(formatSchema, 'envelope').check(z.describe('Format used when a request names none')),
  cache: z.prefault(cacheSchema, {}),
  dataKeyCache: z.prefault(dataKeyCacheSchema, {}),
  allowedContextKeys: z
    ._default(
      z.array(contextKeySchema).check(z.refine((keys) => new Set(keys).size === keys.length, { error: 'allowedContextKeys lists a key more than once' })),
      [],
    )
    .check(z.describe('Encryption context keys callers may send; any other key is rejected')),
  signing: z._default(z.boolean(), false).check(z.describe('Use the committing suite with ECDSA P-384 signatures for envelope messages')),
};

/** The current shape, which names the key `keyId`. */
const currentShape = z.strictObject({ keyId: keyIdSchema, ...sharedFields });

/** The older shape, which named the key `key`. */
const legacyShape = z.strictObject({ key: keyIdSchema, ...sharedFields }).check(z.describe('Older shape: "key" is read as "keyId"'));

const ENGLISH_MESSAGES = englishMessages().localeError;

/** Both accepted shapes, for documentation (the JSON Schema export). */
export const stageConfigDocumentSchema = z
  .union([currentShape, legacyShape])
  .check(z.meta({ title: 'keystage stage config', description: 'Config object of one stage, stored at <stage>/config.json in the config bucket' }));

/** Parses either shape into the current one; a lone `key` becomes `keyId`. */
export const stageConfigSchema = z.pipe(z.transform(renameLegacyKey), currentShape);

/** A validated stage config with every default filled in. */
export type StageConfig = z.output<typeof currentShape>;

/** Contents of a config object before defaults are applied. */
export type StageConfigInput = z.input<typeof currentShape>;

/** Returned by `parseStageConfig`: the config, or every problem found, one per line. */
export type StageConfigParseResult = { ok: true; config: StageConfig } | { ok: false; problems: string[] };

/** Validates a parsed JSON value as a stage config and fills in the defaults. */
export function parseStageConfig(value: unknown): StageConfigParseResult {
  // zod/mini ships without messages ("Invalid input"); the English locale names the expected
  // type, the bound or the unknown key, so each problem names what to fix.
  const result = stageConfigSchema.safeParse(value, { error: ENGLISH_MESSAGES });
  if (result.success) return { ok: true, config: result.data };

  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  return { ok: false, problems };
}

function renameLegacyKey(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  if (!('key' in value) || 'keyId' in value) return value;

  const { key, ...rest } = value as Record<string, unknown>;
  return { keyId: key, ...rest };
}
