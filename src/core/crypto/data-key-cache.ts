/**
 * The in-memory cache of envelope data keys, with the limits of the stage config's `dataKeyCache`
 * and single-flight misses.
 *
 * - An encryption key is reused while it is younger than `maxAgeSeconds`, has encrypted fewer
 *   than `maxMessages` messages, and the next message keeps its plaintext total within `maxBytes`.
 *   A message larger than `maxBytes` gets a key of its own that is not cached.
 * - A decryption key (the plaintext of a message's encrypted data keys) is reused while it is
 *   younger than `maxAgeSeconds`. Messages and bytes do not bound decryption.
 * - Concurrent misses of one entry share one load: the first request loads, the others wait for
 *   it and then look the entry up again, so 16 parallel first requests make one KMS call and every
 *   request still counts against the limits.
 *
 * Entries are evicted oldest first beyond `capacity`. Data keys stay in memory until their entry
 * is evicted or expires and the garbage collector reclaims them.
 */

/** Limits of one cached encryption key, from the stage config's `dataKeyCache`. */
export interface DataKeyLimits {
  maxAgeMs: number;
  maxMessages: number;
  maxBytes: number;
}

interface Entry<T> {
  value: T;
  createdMs: number;
  messages: number;
  bytes: number;
}

/** A cache of values that each serve a bounded number of messages and bytes for a bounded time. */
export class DataKeyCache<T> {
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<T>>();
  readonly #loading = new Map<string, Promise<unknown>>();

  constructor(capacity: number, now: () => number = () => Date.now()) {
    this.#capacity = capacity;
    this.#now = now;
  }

  /**
   * Returns the cached value of `key` and counts one message of `plaintextBytes` against it, or
   * loads a new value with `load` when there is none within `limits`.
   */
  async use(key: string, limits: DataKeyLimits, plaintextBytes: number, load: () => Promise<T>): Promise<T> {
    if (plaintextBytes > limits.maxBytes) return load();

    for (;;) {
      const cached = this.#take(key, limits, plaintextBytes);
      if (cached !== undefined) return cached.value;

      const pending = this.#loading.get(key);
      if (!pending) return this.#loadAndStore(key, plaintextBytes, load);

      await pending.catch(() => undefined);
    }
  }

  #take(key: string, limits: DataKeyLimits, plaintextBytes: number): Entry<T> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;

    const expired = this.#now() - entry.createdMs >= limits.maxAgeMs;
    const exhausted = entry.messages >= limits.maxMessages || entry.bytes + plaintextBytes > limits.maxBytes;
    if (expired || exhausted) {
      this.#entries.delete(key);
      return undefined;
    }

    entry.messages += 1;
    entry.bytes += plaintextBytes;
    return entry;
  }

  async #loadAndStore(key: string, plaintextBytes: number, load: () => Promise<T>): Promise<T> {
    const loading = load();
    this.#loading.set(key, loading);
    try {
      const value = await loading;
      this.#store(key, { value, createdMs: this.#now(), messages: 1, bytes: plaintextBytes });
      return value;
    } finally {
      this.#loading.delete(key);
    }
  }

  #store(key: string, entry: Entry<T>): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, entry);
  }
}

/** Returns a cache key part for an encryption context that does not depend on its entry order. */
export function contextCacheKey(context: Readonly<Record<string, string>>): string {
  const keys = Object.keys(context).sort();
  let text = '';
  for (const key of keys) text += `${JSON.stringify(key)}:${JSON.stringify(context[key])},`;
  return text;
}
