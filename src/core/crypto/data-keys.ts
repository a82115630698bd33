/**
 * Data keys of the envelope format, straight from KMS: `GenerateDataKey` with the stage's key for
 * new messages, `Decrypt` of a message's encrypted data keys for reading, both behind the data key
 * cache of `data-key-cache.ts`. This does what the Encryption SDK's KMS keyring and caching
 * materials manager do for the suite without signature, without loading the SDK.
 *
 * - Encrypted data keys are written as the SDK's KMS keyring writes them: provider id `aws-kms`,
 *   provider info the key ARN that KMS returned, so any Encryption SDK reads the messages.
 * - Decryption is a discovery keyring: it tries each encrypted data key of provider `aws-kms`
 *   whose key ARN is in the discovery filter's account and partition, naming that ARN as `KeyId`.
 * - Messages the message codec cannot read (the signing suite, version 1) go through the SDK.
 *   `loadMaterialsManager` imports it on first use, so a service that never meets such a message
 *   never loads it.
 *
 * A changed `keyId` or cache setting gets a new provider, so a key rotation through the config
 * takes effect on the next request. Re-pointing an alias that the config names takes effect when
 * the cached data keys expire (`dataKeyCache.maxAgeSeconds`).
 */
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { NodeMaterialsManager } from '@aws-crypto/material-management-node';

import type { StageConfig } from '../config/schema.js';
import { CiphertextInvalidError } from '../errors.js';
import type { EncryptionContext } from './context.js';
import { contextCacheKey, DataKeyCache } from './data-key-cache.js';
import type { DataKeyLimits } from './data-key-cache.js';
import type { HeaderDataKey } from './message/header.js';

/** Entries of the in-memory data key cache shared by all providers of an execution environment. */
export const DATA_KEY_CACHE_CAPACITY = 100;

/** Provider id of encrypted data keys made by KMS, as the Encryption SDK's KMS keyring writes it. */
export const KMS_PROVIDER_ID = 'aws-kms';

/** Data key length of the committing suites (AES-256). */
const DATA_KEY_BYTES = 32;

/** Providers kept at once. A few are enough for one stage's key plus a rotation. */
const MAX_PROVIDERS = 16;

export type DataKeyCacheSettings = StageConfig['dataKeyCache'];

/** Filter of discovery decryption: only KMS keys of these accounts in this partition are used. */
export interface DiscoveryFilter {
  accountIDs: string[];
  partition: string;
}

/** A data key for a new message with its encrypted copies. */
export interface EncryptionDataKey {
  dataKey: Uint8Array;
  encryptedDataKeys: HeaderDataKey[];
  /** ARN of the KMS key that encrypted the data key. */
  keyId: string;
}

/** The plaintext data key of a message and the KMS key that decrypted it. */
export interface DecryptionDataKey {
  dataKey: Uint8Array;
  keyId: string;
}

/** Source of envelope data keys. `DataKeys` creates the KMS one, and tests supply others. */
export interface DataKeyProvider {
  /** Returns a data key for a message of `plaintextBytes` under `context`. */
  generateDataKey(context: EncryptionContext, plaintextBytes: number): Promise<EncryptionDataKey>;
  /** Returns the data key of a message from its encrypted data keys. */
  decryptDataKey(context: Readonly<EncryptionContext>, encryptedDataKeys: readonly HeaderDataKey[]): Promise<DecryptionDataKey>;
  /** Loads the Encryption SDK and returns a materials manager with the same keys and limits. */
  loadMaterialsManager(): Promise<NodeMaterialsManager>;
}

/** Creates and keeps the data key providers of one execution environment. */
export class DataKeys {
  readonly #kms: KMSClient;
  readonly #encryptionCache = new DataKeyCache<EncryptionDataKey>(DATA_KEY_CACHE_CAPACITY);
  readonly #decryptionCache = new DataKeyCache<DecryptionDataKey>(DATA_KEY_CACHE_CAPACITY);
  readonly #providers = new Map<string, DataKeyProvider>();

  constructor(kms: KMSClient) {
    this.#kms = kms;
  }

  /** Returns the provider that generates data keys with `keyId` under the given cache settings. */
  forEncryption(keyId: string, settings: DataKeyCacheSettings): DataKeyProvider {
    const id = `encrypt|${keyId}|${settingsKey(settings)}`;
    return this.#remember(id, () => new KmsDataKeyProvider({ kms: this.#kms, id, keyId, filter: undefined, settings }, this.#encryptionCache, this.#decryptionCache));
  }

  /** Returns the provider that decrypts data keys of any KMS key the discovery filter admits. */
  forDecryption(filter: DiscoveryFilter | undefined, settings: DataKeyCacheSettings): DataKeyProvider {
    const id = `decrypt|${filter ? `${filter.partition}:${filter.accountIDs.join(',')}` : 'any'}|${settingsKey(settings)}`;
    return this.#remember(id, () => new KmsDataKeyProvider({ kms: this.#kms, id, keyId: undefined, filter, settings }, this.#encryptionCache, this.#decryptionCache));
  }

  #remember(id: string, create: () => DataKeyProvider): DataKeyProvider {
    const existing = this.#providers.get(id);
    if (existing) return existing;

    if (this.#providers.size >= MAX_PROVIDERS) {
      const oldest = this.#providers.keys().next().value;
      if (oldest !== undefined) this.#providers.delete(oldest);
    }
    const provider = create();
    this.#providers.set(id, provider);
    return provider;
  }
}

interface ProviderOptions {
  kms: KMSClient;
  /** Partition of the shared caches that this provider's entries live in. */
  id: string;
  keyId: string | undefined;
  filter: DiscoveryFilter | undefined;
  settings: DataKeyCacheSettings;
}

class KmsDataKeyProvider implements DataKeyProvider {
  readonly #options: ProviderOptions;
  readonly #limits: DataKeyLimits;
  readonly #encryptionCache: DataKeyCache<EncryptionDataKey>;
  readonly #decryptionCache: DataKeyCache<DecryptionDataKey>;
  #materialsManager: Promise<NodeMaterialsManager> | undefined;

  constructor(options: ProviderOptions, encryptionCache: DataKeyCache<EncryptionDataKey>, decryptionCache: DataKeyCache<DecryptionDataKey>) {
    this.#options = options;
    this.#limits = { maxAgeMs: options.settings.maxAgeSeconds * 1000, maxMessages: options.settings.maxMessages, maxBytes: options.settings.maxBytes };
    this.#encryptionCache = encryptionCache;
    this.#decryptionCache = decryptionCache;
  }

  generateDataKey(context: EncryptionContext, plaintextBytes: number): Promise<EncryptionDataKey> {
    if (!this.#options.settings.enabled) return this.#generate(context);

    const key = `${this.#options.id}|${contextCacheKey(context)}`;
    return this.#encryptionCache.use(key, this.#limits, plaintextBytes, () => this.#generate(context));
  }

  decryptDataKey(context: Readonly<EncryptionContext>, encryptedDataKeys: readonly HeaderDataKey[]): Promise<DecryptionDataKey> {
    if (!this.#options.settings.enabled) return this.#decrypt(context, encryptedDataKeys);

    const dataKeys = encryptedDataKeys.map((dataKey) => `${dataKey.providerId}/${dataKey.providerInfo}/${Buffer.from(dataKey.encryptedDataKey).toString('base64')}`);
    const key = `${this.#options.id}|${contextCacheKey(context)}|${dataKeys.join(',')}`;
    const limits = { ...this.#limits, maxMessages: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };
    return this.#decryptionCache.use(key, limits, 0, () => this.#decrypt(context, encryptedDataKeys));
  }

  loadMaterialsManager(): Promise<NodeMaterialsManager> {
    this.#materialsManager ??= this.#createMaterialsManager();
    return this.#materialsManager;
  }

  async #createMaterialsManager(): Promise<NodeMaterialsManager> {
    const { materialsManagersFor } = await import('./materials.js');
    const managers = materialsManagersFor(this.#options.kms);
    const { keyId, filter, settings } = this.#options;
    return keyId === undefined ? managers.forDecryption(filter, settings) : managers.forEncryption(keyId, settings);
  }

  async #generate(context: EncryptionContext): Promise<EncryptionDataKey> {
    const keyId = this.#options.keyId;
    if (keyId === undefined) throw new Error('This data key provider decrypts only; create one with DataKeys.forEncryption.');

    const response = await this.#options.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: DATA_KEY_BYTES, EncryptionContext: context }));
    const { Plaintext: dataKey, CiphertextBlob: encryptedDataKey, KeyId: keyArn } = response;
    if (!(dataKey instanceof Uint8Array) || dataKey.byteLength !== DATA_KEY_BYTES || !(encryptedDataKey instanceof Uint8Array) || !keyArn) {
      throw new Error('KMS GenerateDataKey returned a response without a 32-byte data key, its ciphertext and the key ARN.');
    }
    return { dataKey, encryptedDataKeys: [{ providerId: KMS_PROVIDER_ID, providerInfo: keyArn, encryptedDataKey }], keyId: keyArn };
  }

  async #decrypt(context: Readonly<EncryptionContext>, encryptedDataKeys: readonly HeaderDataKey[]): Promise<DecryptionDataKey> {
    const candidates = encryptedDataKeys.filter((dataKey) => dataKey.providerId === KMS_PROVIDER_ID && admits(this.#options.filter, dataKey.providerInfo));
    if (candidates.length === 0) {
      throw new CiphertextInvalidError(`The ciphertext is not a valid message for this stage: none of its data keys was encrypted by a KMS key ${describeFilter(this.#options.filter)}.`);
    }

    const errors: unknown[] = [];
    for (const candidate of candidates) {
      try {
        return await this.#decryptOne(context, candidate);
      } catch (error) {
        errors.push(error);
      }
    }
    throw errors[0];
  }

  async #decryptOne(context: Readonly<EncryptionContext>, candidate: HeaderDataKey): Promise<DecryptionDataKey> {
    const response = await this.#options.kms.send(
      new DecryptCommand({ KeyId: candidate.providerInfo, CiphertextBlob: candidate.encryptedDataKey, EncryptionContext: { ...context } }),
    );
    if (response.KeyId !== candidate.providerInfo) {
      throw new CiphertextInvalidError(`KMS decrypted the data key with ${response.KeyId ?? 'an unnamed key'}, not the key the message names.`);
    }
    if (!(response.Plaintext instanceof Uint8Array) || response.Plaintext.byteLength !== DATA_KEY_BYTES) {
      throw new CiphertextInvalidError('The ciphertext is not a valid message: its data key is not 32 bytes long.');
    }
    return { dataKey: response.Plaintext, keyId: candidate.providerInfo };
  }
}

/** Checks a key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`) against a discovery filter. */
function admits(filter: DiscoveryFilter | undefined, keyArn: string): boolean {
  const parts = keyArn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'kms' || !parts[5]?.startsWith('key/')) return false;
  if (!filter) return true;
  return parts[1] === filter.partition && filter.accountIDs.includes(parts[4] ?? '');
}

function describeFilter(filter: DiscoveryFilter | undefined): string {
  return filter ? `of account ${filter.accountIDs.join(', ')} in partition ${filter.partition}` : '(by key ARN)';
}

function settingsKey(settings: DataKeyCacheSettings): string {
  return `${settings.enabled}/${settings.maxAgeSeconds}/${settings.maxMessages}/${settings.maxBytes}`;
}
