/**
 * Runs a suite against both stores a server can run on: embedded SQLite (in memory), and
 * PostgreSQL + Redis (a schema and a Redis key prefix of its own per app, dropped afterwards).
 * Each app is the real one with response validation on (test/server/support/platform.ts).
 *
 * @example
 * describe.each(STORES)('$name', (store) => {
 *   let t: TestApp;
 *   beforeAll(async () => { t = await store.open({ includedMicrotokens: 1e9 }); });
 *   afterAll(() => store.closeAll());
 * });
 */
import { Redis } from 'ioredis';
import type { AppOptions } from '../../../server/app.ts';
import { openApp, type TestApp } from '../../server/support/platform.ts';
import { createPgSchema, type PgSchema } from '../../support/pg-schema.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Store {
  name: 'sqlite' | 'postgres+redis' | 'postgres';
  /** A new app on this store (its own database); closed by {@link Store.closeAll}. */
  open(options?: AppOptions): Promise<TestApp>;
  closeAll(): Promise<void>;
}

function sqlite(): Store {
  const opened: TestApp[] = [];
  return {
    name: 'sqlite',
    async open(options = {}) {
      const t = await openApp({ dbUrl: ':memory:', ...options });
      opened.push(t);
      return t;
    },
    async closeAll() {
      for (const t of opened.splice(0)) await t.close();
    },
  };
}

/** PostgreSQL, with Redis (KV, channels and counters there) or without (KV in PostgreSQL). */
function postgresRedis(withRedis = true): Store {
  const opened: { t: TestApp; schema: PgSchema; prefix: string }[] = [];
  return {
    name: withRedis ? 'postgres+redis' : 'postgres',
    async open(options = {}) {
      const schema = await createPgSchema('adv');
      const prefix = `adv:${schema.name}:`;
      const dbUrl = schema.url;
      const t = await openApp(
        withRedis
          ? {
              ...options,
              dbUrl,
              redisUrl: REDIS_URL,
              rateLimit: { ...options.rateLimit, redisPrefix: `${prefix}rl:` },
              infra: { ...options.infra, redisKeyPrefix: `${prefix}kv:` },
            }
          : { ...options, dbUrl },
      );
      opened.push({ t, schema, prefix });
      return t;
    },
    async closeAll() {
      const redis = new Redis(REDIS_URL);
      try {
        for (const { t, schema, prefix } of opened.splice(0)) {
          await t.close();
          await schema.drop();
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length > 0) await redis.del(...keys);
        }
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Both stores, for `describe.each(STORES)`. */
export const STORES: Store[] = [sqlite(), postgresRedis()];

/** PostgreSQL alone: the KV store in SQL, for what differs there (locks across connections). */
export const POSTGRES_ONLY: Store = postgresRedis(false);
