/**
 * A second process on the same KV data, for the conformance suite's cross-process checks: it
 * runs `WORKER_COUNT` increments of `WORKER_KEY` (several in flight at once) and one
 * `if_not_exists` set of `WORKER_KEY:nx`, then prints `{ ok, conflicts, nx }` as JSON.
 */
import { Redis } from 'ioredis';
import { openDb } from '../../../server/db/index.ts';
import { createRedisKvStore } from '../../../server/infra/kv-redis-store.ts';
import { createSqlKvStore } from '../../../server/infra/kv-sql-store.ts';
import type { KvStore } from '../../../server/infra/kv-store.ts';

const env = process.env;
const ns = { projectId: env.WORKER_PROJECT!, mode: 'live' as const };
const key = env.WORKER_KEY!;
const count = Number(env.WORKER_COUNT);

let store: KvStore;
let close: () => Promise<void>;
if (env.WORKER_STORE === 'redis') {
  const redis = new Redis(env.WORKER_REDIS_URL!);
  store = createRedisKvStore(redis, { keyPrefix: env.WORKER_PREFIX });
  close = async () => void (await redis.quit());
} else {
  const db = await openDb({ url: env.WORKER_DB_URL! });
  store = createSqlKvStore(db);
  close = () => db.close();
}

// Wait for the parent's go signal so both processes run at the same time.
await new Promise((resolve) => process.stdin.once('data', resolve));
let ok = 0;
let inFlight: Promise<void>[] = [];
for (let i = 0; i < count; i++) {
  inFlight.push(store.increment(ns, key, 1).then((r) => void (r.status === 'ok' && ok++)));
  if (inFlight.length === 20) {
    await Promise.all(inFlight);
    inFlight = [];
  }
}
await Promise.all(inFlight);
const nx = await store.set(ns, `${key}:nx`, `from ${process.pid}`, { ifNotExists: true });
process.stdout.write(JSON.stringify({ ok, nx: nx.status }));
await close();
