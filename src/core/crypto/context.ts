/**
 * The encryption context of keystage ciphertexts: always `stage` and `service: "keystage"`, plus
 * the caller's entries whose keys the stage config allows. KMS and the Encryption SDK bind it to
 * the ciphertext, so a ciphertext decrypts only with the same context, and never in another stage.
 */
import { InvalidInputError, CiphertextInvalidError } from '../errors.js';
import { RESERVED_CONTEXT_KEYS } from '../config/schema.js';

/** Value of the `service` entry of every keystage encryption context. */
export const SERVICE_CONTEXT_VALUE = 'keystage';

/** Prefix of the context keys the Encryption SDK adds itself (the signing public key). */
const ENCRYPTION_SDK_KEY_PREFIX = 'aws-crypto-';

/** Limit on caller context entries; KMS caps the whole context at 8,192 bytes. */
export const MAX_CALLER_CONTEXT_ENTRIES = 16;
const MAX_CONTEXT_TEXT_BYTES = 1024;

export type EncryptionContext = Record<string, string>;

/**
 * Validates a request's `context` field: an object of string values whose keys are in
 * `allowedKeys` (pass `undefined` to allow any key that is not reserved).
 */
export function parseCallerContext(value: unknown, allowedKeys: readonly string[] | undefined): EncryptionContext {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError('"context" must be an object of string values, for example {"tenant": "acme"}.');
  }

  const entries = Object.entries(value);
  if (entries.length > MAX_CALLER_CONTEXT_ENTRIES) {
    throw new InvalidInputError(`"context" has ${entries.length} entries; at most ${MAX_CALLER_CONTEXT_ENTRIES} are accepted.`);
  }

  const context: EncryptionContext = {};
  for (const [key, entryValue] of entries) {
    checkContextKey(key, allowedKeys);
    checkContextValue(key, entryValue);
    context[key] = entryValue as string;
  }
  return context;
}

/** Builds the full context of a stage: the caller's entries plus `stage` and `service`. */
export function buildEncryptionContext(stage: string, callerContext: EncryptionContext): EncryptionContext {
  return { ...callerContext, stage, service: SERVICE_CONTEXT_VALUE };
}

/**
 * Checks that a decrypted message's context is exactly the expected one. Entries the Encryption
 * SDK adds itself (`aws-crypto-*`) are ignored. Throws `CiphertextInvalidError` naming the
 * mismatching keys, never their values.
 */
export function verifyEncryptionContext(actual: Readonly<EncryptionContext>, expected: EncryptionContext): void {
  const actualKeys = Object.keys(actual).filter((key) => !key.startsWith(ENCRYPTION_SDK_KEY_PREFIX));

  if (actual.stage !== expected.stage) {
    throw new CiphertextInvalidError(`The ciphertext belongs to another stage, not "${expected.stage}"; decrypt it with that stage's function alias.`);
  }
  if (actual.service !== expected.service) {
    throw new CiphertextInvalidError('The ciphertext was not made by keystage.');
  }

  const missing = Object.keys(expected).filter((key) => actual[key] === undefined);
  const extra = actualKeys.filter((key) => expected[key] === undefined);
  const different = Object.keys(expected).filter((key) => actual[key] !== undefined && actual[key] !== expected[key]);

  if (missing.length > 0 || extra.length > 0 || different.length > 0) {
    const problems = [
      extra.length > 0 ? `missing from the request: ${extra.join(', ')}` : '',
      missing.length > 0 ? `not in the ciphertext: ${missing.join(', ')}` : '',
      different.length > 0 ? `different value: ${different.join(', ')}` : '',
    ].filter(Boolean);
    throw new CiphertextInvalidError(`The encryption context does not match the ciphertext (${problems.join('; ')}). Send the context used to encrypt.`);
  }
}

function checkContextKey(key: string, allowedKeys: readonly string[] | undefined): void {
  if ((RESERVED_CONTEXT_KEYS as readonly string[]).includes(key)) {
    throw new InvalidInputError(`Context key "${key}" is set by the service and cannot be sent.`);
  }
  if (key.startsWith(ENCRYPTION_SDK_KEY_PREFIX)) {
    throw new InvalidInputError(`Context key "${key}" uses the prefix "${ENCRYPTION_SDK_KEY_PREFIX}", which the Encryption SDK reserves.`);
  }
  if (key.length === 0 || Buffer.byteLength(key) > MAX_CONTEXT_TEXT_BYTES) {
    throw new InvalidInputError(`Context keys must be 1 to ${MAX_CONTEXT_TEXT_BYTES} bytes long.`);
  }
  if (allowedKeys !== undefined && !allowedKeys.includes(key)) {
    const allowed = allowedKeys.length > 0 ? allowedKeys.join(', ') : 'none';
    throw new InvalidInputError(`Context key "${key}" is not allowed in this stage (allowed: ${allowed}); add it to allowedContextKeys in the stage config.`);
  }
}

function checkContextValue(key: string, value: unknown): void {
  if (typeof value !== 'string') {
    throw new InvalidInputError(`Context value of "${key}" must be a string, not ${value === null ? 'null' : typeof value}.`);
  }
  if (Buffer.byteLength(value) > MAX_CONTEXT_TEXT_BYTES) {
    throw new InvalidInputError(`Context value of "${key}" is longer than ${MAX_CONTEXT_TEXT_BYTES} bytes.`);
  }
}
