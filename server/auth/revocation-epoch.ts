/**
 * The revocation epoch: a number that every write able to revoke a credential increments once it
 * has committed (server/db/write-watch.ts finds those writes). Verified credentials are cached
 * per process (./credential-cache.ts) stamped with the epoch read before they were looked up; a
 * request that sees a newer epoch drops the whole cache. So a revocation takes effect on the next
 * request, on every instance, without a database read per request.
 *
 * Where the epoch lives decides who sees a bump:
 * - `process`: embedded SQLite, one server per database (server/startup/data-lock.ts): a counter.
 * - `redis`: several instances share PostgreSQL and Redis: `INCR <prefix>auth:epoch` after the
 *   commit, and a `GET` per request. Requests that arrive while a `GET` is in flight share the
 *   next one (sent after they arrived, so it reflects every bump acknowledged before them): under
 *   load that is two round trips per round-trip time, not one per request.
 * - `off`: PostgreSQL without Redis: instances share no fast channel, so nothing is cached.
 *
 * Pub/sub would only tell an instance earlier: the per-request check has to happen anyway, because
 * a message can arrive after the client's next request, on any instance.
 *
 * @module server/auth/revocation-epoch
 */
import type { Redis } from 'ioredis';

export type EpochMode = 'process' | 'redis' | 'off';

export class RevocationEpoch {
  #mode: EpochMode;
  #local = 0;
  #redis?: Redis;
  #key = '';
  #inflight: Promise<number> | null = null;
  #queued: Promise<number> | null = null;

  constructor(mode: Exclude<EpochMode, 'redis'>) {
    this.#mode = mode;
  }

  get mode(): EpochMode {
    return this.#mode;
  }

  /** Shares the epoch through Redis (`<prefix>auth:epoch`): several instances, one database. */
  useRedis(redis: Redis, prefix: string): void {
    this.#mode = 'redis';
    this.#redis = redis;
    this.#key = `${prefix}auth:epoch`;
  }

  /**
   * The epoch as of now: every bump acknowledged before this call is included. A number when it
   * is known at once; `null` when nothing may be cached.
   */
  current(): number | null | Promise<number> {
    if (this.#mode === 'process') return this.#local;
    if (this.#mode === 'off') return null;
    if (!this.#inflight) return this.#read();
    // The read in flight may have been sent before this request arrived: wait for the next one.
    return (this.#queued ??= this.#inflight.then(
      () => this.#next(),
      () => this.#next(),
    ));
  }

  /** After a committed write that can revoke: every cached credential is stale from now on. */
  async bump(): Promise<void> {
    this.#local++;
    if (this.#mode === 'redis') await this.#redis!.incr(this.#key);
  }

  #next(): Promise<number> {
    this.#queued = null;
    // A read started since the queue formed was sent after its requests arrived.
    return this.#inflight ?? this.#read();
  }

  #read(): Promise<number> {
    const read = this.#redis!.get(this.#key).then((value) => Number(value ?? 0));
    this.#inflight = read;
    const clear = () => {
      if (this.#inflight === read) this.#inflight = null;
    };
    read.then(clear, clear);
    return read;
  }
}
