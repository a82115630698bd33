/**
 * A materials manager that lets only one request at a time miss the data key cache for a given
 * algorithm suite and encryption context.
 *
 * The Encryption SDK's caching materials manager does not coalesce concurrent misses: 16 parallel
 * first requests make 16 `GenerateDataKey` calls. Here the first request of a key goes through
 * and the others wait for it, then ask the caching manager themselves, which now hits its cache.
 * Each request still goes through the caching manager, so its message and byte limits count
 * every message.
 */
import type { NodeMaterialsManager } from '@aws-crypto/material-management-node';

type EncryptionRequest = Parameters<NodeMaterialsManager['getEncryptionMaterials']>[0];
type EncryptionMaterials = Awaited<ReturnType<NodeMaterialsManager['getEncryptionMaterials']>>;
type DecryptionRequest = Parameters<NodeMaterialsManager['decryptMaterials']>[0];
type DecryptionMaterials = Awaited<ReturnType<NodeMaterialsManager['decryptMaterials']>>;

/** Wraps a (caching) materials manager so concurrent requests for one cache entry share the first miss. */
export class SingleFlightMaterialsManager implements NodeMaterialsManager {
  readonly #backing: NodeMaterialsManager;
  readonly #encryptLeaders = new Map<string, Promise<unknown>>();
  readonly #decryptLeaders = new Map<string, Promise<unknown>>();

  constructor(backing: NodeMaterialsManager) {
    this.#backing = backing;
  }

  async getEncryptionMaterials(request: EncryptionRequest): Promise<EncryptionMaterials> {
    const key = `${request.suite?.id ?? 'default'}|${contextKey(request.encryptionContext)}`;
    return singleFlight(this.#encryptLeaders, key, () => this.#backing.getEncryptionMaterials(request));
  }

  async decryptMaterials(request: DecryptionRequest): Promise<DecryptionMaterials> {
    const dataKeys = request.encryptedDataKeys.map((edk) => `${edk.providerId}/${edk.providerInfo}/${Buffer.from(edk.encryptedDataKey).toString('base64')}`);
    const key = `${request.suite.id}|${contextKey(request.encryptionContext)}|${dataKeys.join(',')}`;
    return singleFlight(this.#decryptLeaders, key, () => this.#backing.decryptMaterials(request));
  }
}

async function singleFlight<T>(leaders: Map<string, Promise<unknown>>, key: string, call: () => Promise<T>): Promise<T> {
  const leader = leaders.get(key);
  if (leader) {
    await leader.catch(() => undefined);
    return call();
  }

  const attempt = call();
  leaders.set(key, attempt);
  try {
    return await attempt;
  } finally {
    if (leaders.get(key) === attempt) leaders.delete(key);
  }
}

function contextKey(context: Readonly<Record<string, string>>): string {
  const entries = Object.entries(context).sort(([a], [b]) => compareStrings(a, b));
  return JSON.stringify(entries);
}

function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
