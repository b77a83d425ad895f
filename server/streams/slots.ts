/**
 * Counting open streams per token, project and organization. In process memory for one
 * instance; in Redis for several, where each stream holds a lease in a sorted set per scope
 * (score: when the lease runs out). An instance renews its streams' leases while they are open,
 * so the streams of an instance that died stop counting once their leases run out.
 *
 * @module server/streams/slots
 */
import type { Redis } from 'ioredis';
import { Script } from '../infra/kv-redis-scripts.ts';

export interface Slot {
  /** What is counted, e.g. `token:tok_…`. */
  key: string;
  limit: number;
}

export interface StreamSlots {
  /** Counts the stream in every slot, or in none: returns the first slot at its limit, or null. */
  acquire(id: string, slots: Slot[]): Promise<Slot | null>;
  release(id: string, slots: Slot[]): Promise<void>;
  /** Renews the leases of open streams (Redis); nothing to do in memory. */
  renew(open: { id: string; slots: Slot[] }[]): Promise<void>;
}

export function memorySlots(): StreamSlots {
  const counted = new Map<string, Set<string>>();
  return {
    async acquire(id, slots) {
      const full = slots.find((s) => (counted.get(s.key)?.size ?? 0) >= s.limit);
      if (full) return full;
      for (const s of slots) {
        let set = counted.get(s.key);
        if (!set) counted.set(s.key, (set = new Set()));
        set.add(id);
      }
      return null;
    },
    async release(id, slots) {
      for (const s of slots) {
        const set = counted.get(s.key);
        set?.delete(id);
        if (set?.size === 0) counted.delete(s.key);
      }
    },
    async renew() {},
  };
}

/** A stream's lease: renewed every third of it. */
export const LEASE_MS = 30_000;

/** KEYS: one sorted set per slot. ARGV: now, lease end, member, lease ms, then each slot's limit. Returns the 1-based index of a full slot, or 0. */
const ACQUIRE = new Script(`
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  if redis.call('ZCARD', key) >= tonumber(ARGV[4 + i]) then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[3])
  redis.call('PEXPIRE', key, ARGV[4])
end
return 0
`);

export function redisSlots(redis: Redis, keyPrefix = 'ss:'): StreamSlots {
  const keyOf = (slot: Slot) => `${keyPrefix}streams:${slot.key}`;
  return {
    async acquire(id, slots) {
      const now = Date.now();
      const full = (await ACQUIRE.run(
        redis,
        slots.map(keyOf),
        [now, now + LEASE_MS, id, LEASE_MS, ...slots.map((s) => s.limit)],
      )) as number;
      return full > 0 ? slots[full - 1] : null;
    },
    async release(id, slots) {
      const multi = redis.multi();
      for (const s of slots) multi.zrem(keyOf(s), id);
      await multi.exec();
    },
    async renew(open) {
      if (open.length === 0) return;
      const until = Date.now() + LEASE_MS;
      const multi = redis.multi();
      for (const { id, slots } of open) {
        // XX: a lease already released (the stream just closed) is not brought back.
        for (const s of slots) multi.zadd(keyOf(s), 'XX', until, id).pexpire(keyOf(s), LEASE_MS);
      }
      await multi.exec();
    },
  };
}
