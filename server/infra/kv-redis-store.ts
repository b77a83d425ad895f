/**
 * The KV store on Redis, for several stateless server instances: every operation is one Lua
 * script (see kv-redis-scripts.ts) or one read command, so concurrent instances never
 * interleave a read and a write. Values expire natively (PEXPIREAT); a periodic
 * {@link KvStore.sweep} removes expired keys from the per-namespace scan index.
 *
 * @module server/infra/kv-redis-store
 */
import type { Redis } from 'ioredis';
import { DELETE, DELETE_NAMESPACE, GET_WITHIN, INCREMENT, SCAN, SET, SWEEP } from './kv-redis-scripts.ts';
import {
  encodeValue,
  entrySize,
  expiryFor,
  type IncrementResult,
  type KvStore,
  type Namespace,
  NUMBER_BYTES,
  normalizeNumber,
  prefixEnd,
  type SandboxBound,
  type SetResult,
} from './kv-store.ts';

export interface RedisKvOptions {
  /** Prefix of every Redis key this store writes (default `ss:`); tests use a unique one. */
  keyPrefix?: string;
  now?: () => number;
  /** Bounds each project's test-mode keys (unbounded when absent); checked inside the scripts. */
  sandbox?: SandboxBound;
}

const MODES = ['live', 'test'] as const;

export function createRedisKvStore(redis: Redis, options: RedisKvOptions = {}): KvStore {
  const now = options.now ?? Date.now;
  const root = `${options.keyPrefix ?? 'ss:'}kv:`;
  const sweepKey = `${root}sweep`;
  const nsName = (ns: Namespace) => `${ns.projectId}:${ns.mode}`;
  const keysOf = (ns: Namespace) => {
    const base = `${root}${nsName(ns)}:`;
    return { base, data: `${base}v:`, idx: `${base}idx`, exp: `${base}exp`, sz: `${base}sz`, use: `${base}use` };
  };
  /** The scripts' bound arguments for a write of `size` bytes: size, maxKeys, maxBytes, data prefix; empty when unbounded. */
  const boundArgs = (ns: Namespace, size: number, data: string): (string | number)[] =>
    options.sandbox && ns.mode === 'test' ? [size, options.sandbox.maxKeys, options.sandbox.maxBytes, data] : ['', '', '', ''];
  const expiry = (e: string | null | undefined) => (e ? Number(e) : null);

  return {
    async get(ns, key) {
      const { data } = keysOf(ns);
      const [v, e] = await redis.hmget(data + key, 'v', 'e');
      if (v === null || (e !== null && Number(e) <= now())) return null;
      return { value: normalizeJson(v), expiresAt: expiry(e) };
    },

    async read(ns, key, maxBytes = Number.POSITIVE_INFINITY) {
      const { data } = keysOf(ns);
      // A value over maxBytes stays in Redis: only its size comes back.
      const limit = Number.isFinite(maxBytes) ? maxBytes : -1;
      const reply = (await GET_WITHIN.run(redis, [data + key], [now(), limit])) as [string | null, string, number] | null;
      if (!reply) return null;
      const [v, e, bytes] = reply;
      return v === null || v === undefined
        ? { value: null, expiresAt: expiry(e), bytes, omitted: true }
        : { value: normalizeJson(v), expiresAt: expiry(e), bytes, omitted: false };
    },

    async set(ns, key, value, opts = {}): Promise<SetResult> {
      const t = now();
      const { data, idx, exp, sz, use } = keysOf(ns);
      const { json } = encodeValue(value);
      const expiresAt = expiryFor(opts.ttl, t);
      const done = await SET.run(
        redis,
        [data + key, idx, exp, sweepKey, sz, use],
        [key, json, expiresAt ?? '', opts.ifNotExists ? '1' : '0', t, nsName(ns), ...boundArgs(ns, entrySize(key, json), data)],
      );
      if (done === -1) return { status: 'full' };
      return done === 1 ? { status: 'ok', record: { value: normalizeJson(json), expiresAt } } : { status: 'conflict' };
    },

    async delete(ns, key) {
      const { data, idx, exp, sz, use } = keysOf(ns);
      return (await DELETE.run(redis, [data + key, idx, exp, sz, use], [key, now()])) === 1;
    },

    async increment(ns, key, delta, ttl): Promise<IncrementResult> {
      const t = now();
      const { data, idx, exp, sz, use } = keysOf(ns);
      const reply = (await INCREMENT.run(
        redis,
        [data + key, idx, exp, sweepKey, sz, use],
        [key, String(delta), JSON.stringify(delta), expiryFor(ttl, t) ?? '', t, nsName(ns), ...boundArgs(ns, Buffer.byteLength(key) + NUMBER_BYTES, data)],
      )) as [string, string?, string?];
      if (reply[0] === 'nan') return { status: 'not_a_number' };
      if (reply[0] === 'full') return { status: 'full' };
      if (reply[0] === 'overflow') return { status: 'overflow' };
      return { status: 'ok', value: normalizeNumber(Number(reply[1])), expiresAt: expiry(reply[2]) };
    },

    async scan(ns, { prefix, after, limit }) {
      const { data, idx, exp, sz, use } = keysOf(ns);
      // Start after the cursor when it lies inside the prefix range, else at the prefix.
      const min = after !== null && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0 ? `(${after}` : prefix === '' ? '-' : `[${prefix}`;
      const end = prefixEnd(prefix);
      const keys = (await SCAN.run(redis, [idx, exp, sz, use], [data, min, end === null ? '+' : `(${end}`, limit, now()])) as string[];
      return { keys: keys.slice(0, limit), last: keys.length > limit ? keys[limit - 1] : null };
    },

    async deleteProject(projectId) {
      for (const mode of MODES) {
        const ns = { projectId, mode };
        const { data, idx, exp, sz, use } = keysOf(ns);
        while ((await DELETE_NAMESPACE.run(redis, [idx, exp, sweepKey, sz, use], [data, nsName(ns), 500])) !== 0);
      }
    },

    async sweep() {
      let total = 0;
      for (;;) {
        // A namespace stays due while it has expired keys left: loop until none is due.
        const [removed, due] = (await SWEEP.run(redis, [sweepKey], [root, now(), 100, 1000])) as [number, number];
        total += removed;
        if (due === 0) return total;
      }
    },

    async close() {},
  };
}

/** Values are stored as JSON text; numbers come back as the same double (and `-0` as `0`). */
function normalizeJson(json: string): unknown {
  const value: unknown = JSON.parse(json);
  return typeof value === 'number' ? normalizeNumber(value) : value;
}
