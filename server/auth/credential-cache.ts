/**
 * Verified credentials, kept in the process so that authentication reads no database on most
 * requests. Keys are digests (never a secret); entries are stamped with the revocation epoch read
 * before they were looked up (./revocation-epoch.ts), and a newer epoch empties the cache.
 *
 * Bounded twice: at most {@link MAX_ENTRIES} entries (the oldest go first), and each for at most
 * {@link MAX_AGE_MS}, after which the credential is looked up again (so a session's sliding expiry
 * is still renewed by better-auth, and `last_used_at` is written about once a minute).
 *
 * @module server/auth/credential-cache
 */

export const MAX_ENTRIES = 10_000;
export const MAX_AGE_MS = 60_000;

interface Entry<T> {
  value: T;
  at: number;
}

export class CredentialCache<T> {
  #entries = new Map<string, Entry<T>>();
  #epoch = -1;

  constructor(
    readonly maxEntries = MAX_ENTRIES,
    readonly maxAgeMs = MAX_AGE_MS,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The value kept under `key`, if it was verified at `epoch` (the current one) within the age bound. */
  get(key: string, epoch: number, now: number): T | undefined {
    if (epoch !== this.#epoch) {
      // A request that read the epoch before a newer one was seen: look it up afresh.
      if (epoch < this.#epoch) return undefined;
      // Something may have been revoked: everything kept was verified before it.
      this.#entries.clear();
      this.#epoch = epoch;
      return undefined;
    }
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (now - entry.at >= this.maxAgeMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Keeps `value`, verified after reading `epoch`. Dropped when the cache has seen a newer epoch
   * meanwhile: the lookup may predate a revocation.
   */
  set(key: string, value: T, epoch: number, now: number): void {
    if (epoch !== this.#epoch) return;
    if (this.#entries.size >= this.maxEntries && !this.#entries.has(key)) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, at: now });
  }
}
