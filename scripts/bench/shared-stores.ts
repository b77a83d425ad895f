/**
 * PostgreSQL + Redis for the server section, when `DATABASE_URL` (postgres://…) and `REDIS_URL`
 * are set: a fresh database created on that server for this run and dropped after it, and a Redis
 * key prefix of this run whose keys are deleted after it. Nothing else on either server is touched.
 *
 * @module scripts/bench/shared-stores
 */
import pg from 'pg';
import { Redis } from 'ioredis';

export interface SharedStores {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** Keys left under the prefix (before they are deleted): proves the server used the prefix. */
  cleanUp(): Promise<{ redisKeys: number }>;
}

/** The configured URLs when both are present and the database is PostgreSQL, else null. */
export function configuredSharedStores(env = process.env): { databaseUrl: string; redisUrl: string } | null {
  const databaseUrl = env.DATABASE_URL;
  const redisUrl = env.REDIS_URL;
  if (!databaseUrl || !redisUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) return null;
  return { databaseUrl, redisUrl };
}

export async function provisionSharedStores(config: { databaseUrl: string; redisUrl: string }): Promise<SharedStores> {
  const name = `saasignal_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: config.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(config.databaseUrl);
  url.pathname = `/${name}`;
  const redisPrefix = `bench:${process.pid}:${Date.now()}:`;
  return {
    databaseUrl: url.toString(),
    redisUrl: config.redisUrl,
    redisPrefix,
    async cleanUp() {
      const dropper = new pg.Client({ connectionString: config.databaseUrl });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
      const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      let redisKeys = 0;
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) {
            redisKeys += keys.length;
            await redis.del(...keys);
          }
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
      return { redisKeys };
    },
  };
}
