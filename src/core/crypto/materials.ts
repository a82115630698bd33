/**
 * Encryption SDK materials managers of the envelope format, one per KMS key and data key cache
 * settings. Only messages that the message codec does not read or write use them: the signing
 * suite and version 1 messages. `data-keys.ts` imports this module on first use, so the bundler
 * puts it in a chunk of its own that a service loads only then.
 *
 * - Encryption uses a KMS keyring with the stage's key as generator. With data key caching on,
 *   a caching materials manager (bounded by the config's `dataKeyCache` age, message and byte
 *   limits) sits behind a single-flight gate, so KMS calls stay bounded under parallel requests.
 * - Decryption uses a discovery KMS keyring filtered to the function's account and partition, so
 *   messages made with a key the config no longer names still decrypt, and caches decrypted data
 *   keys for the same maximum age.
 *
 * A changed `keyId` or cache setting gets a new manager, so a key rotation through the config
 * takes effect on the next request. Re-pointing an alias that the config names takes effect
 * when the cached data keys expire (`dataKeyCache.maxAgeSeconds`).
 */
import { getLocalCryptographicMaterialsCache, NodeCachingMaterialsManager } from '@aws-crypto/caching-materials-manager-node';
import { KmsKeyringClass } from '@aws-crypto/kms-keyring';
import { immutableClass, KeyringNode, NodeDefaultCryptographicMaterialsManager } from '@aws-crypto/material-management-node';
import type { KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import type { NodeMaterialsManager } from '@aws-crypto/material-management-node';
import type { KMSClient } from '@aws-sdk/client-kms';

import { DATA_KEY_CACHE_CAPACITY } from './data-keys.js';
import type { DataKeyCacheSettings, DiscoveryFilter } from './data-keys.js';
import { recordingClientSupplier } from './kms-errors.js';
import { SingleFlightMaterialsManager } from './single-flight.js';

/** Managers kept at once; a few are enough for one stage's key plus a rotation. */
const MAX_MANAGERS = 16;

/**
 * The KMS keyring of `@aws-crypto/kms-keyring-node`, built from the same base class without that
 * package's default client supplier. That supplier imports the aggregated `KMS` client with every
 * command's schema, and because esbuild keeps a module in one chunk, those schemas would land in
 * the chunk a cold start loads. It is typed as `KmsKeyringNode`, whose constructor it shares but
 * for that default, so every keyring here gets `recordingClientSupplier`.
 */
class KmsKeyring extends (KmsKeyringClass(KeyringNode as never) as unknown as typeof KmsKeyringNode) {}
immutableClass(KmsKeyring);

const managersByClient = new WeakMap<KMSClient, MaterialsManagers>();

/** Returns the materials managers of a KMS client, created on the first call. */
export function materialsManagersFor(kms: KMSClient): MaterialsManagers {
  let managers = managersByClient.get(kms);
  if (!managers) {
    managers = new MaterialsManagers(kms);
    managersByClient.set(kms, managers);
  }
  return managers;
}

/** Creates and keeps the materials managers of one execution environment. */
export class MaterialsManagers {
  readonly #kms: KMSClient;
  readonly #cache = getLocalCryptographicMaterialsCache(DATA_KEY_CACHE_CAPACITY);
  readonly #managers = new Map<string, NodeMaterialsManager>();

  constructor(kms: KMSClient) {
    this.#kms = kms;
  }

  /** Returns the manager that encrypts with `keyId` under the given data key cache settings. */
  forEncryption(keyId: string, settings: DataKeyCacheSettings): NodeMaterialsManager {
    const id = `encrypt|${keyId}|${settingsKey(settings)}`;
    return this.#remember(id, () => {
      const keyring = new KmsKeyring({ generatorKeyId: keyId, clientProvider: recordingClientSupplier(this.#kms) });
      return this.#withCache(id, keyring, settings);
    });
  }

  /** Returns the manager that decrypts with any key the discovery filter admits. */
  forDecryption(filter: DiscoveryFilter | undefined, settings: DataKeyCacheSettings): NodeMaterialsManager {
    const id = `decrypt|${filter ? `${filter.partition}:${filter.accountIDs.join(',')}` : 'any'}|${settingsKey(settings)}`;
    return this.#remember(id, () => {
      const keyring = new KmsKeyring({
        discovery: true,
        ...(filter ? { discoveryFilter: filter } : {}),
        clientProvider: recordingClientSupplier(this.#kms),
      });
      return this.#withCache(id, keyring, settings);
    });
  }

  #withCache(partition: string, keyring: KmsKeyring, settings: DataKeyCacheSettings): NodeMaterialsManager {
    if (!settings.enabled) return new NodeDefaultCryptographicMaterialsManager(keyring);

    const caching = new NodeCachingMaterialsManager({
      backingMaterials: keyring,
      cache: this.#cache,
      partition,
      maxAge: settings.maxAgeSeconds * 1000,
      maxMessagesEncrypted: settings.maxMessages,
      maxBytesEncrypted: settings.maxBytes,
    });
    return new SingleFlightMaterialsManager(caching);
  }

  #remember(id: string, create: () => NodeMaterialsManager): NodeMaterialsManager {
    const existing = this.#managers.get(id);
    if (existing) return existing;

    if (this.#managers.size >= MAX_MANAGERS) {
      const oldest = this.#managers.keys().next().value;
      if (oldest !== undefined) this.#managers.delete(oldest);
    }
    const manager = create();
    this.#managers.set(id, manager);
    return manager;
  }
}

function settingsKey(settings: DataKeyCacheSettings): string {
  return `${settings.enabled}/${settings.maxAgeSeconds}/${settings.maxMessages}/${settings.maxBytes}`;
}
