/**
 * The KV backends the conformance suite runs against, chosen by `STORE` (set per vitest
 * project): `sqlite` -> the SQL store on a temporary SQLite file; `postgres` -> the Redis store
 * (REDIS_URL) and the SQL store on PostgreSQL (DATABASE_URL, in a database of its own). Each run
 * uses a unique Redis key prefix / PostgreSQL database and removes it afterwards. A service that
 * is unreachable fails the suite: nothing is skipped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type Db, openDb } from '../../../server/db/index.ts';
import { createRedisKvStore } from '../../../server/infra/kv-redis-store.ts';
import { createSqlKvStore } from '../../../server/infra/kv-sql-store.ts';
import type { KvStore, Namespace } from '../../../server/infra/kv-store.ts';

export interface Backend {
  name: string;
  store: KvStore;
  /** A second, independent connection to the same data (another server instance). */
  openPeer(): Promise<KvStore>;
  /** Rows / index entries physically held for a namespace, expired or not (to see reclaiming). */
  physicalKeys(ns: Namespace): Promise<string[]>;
  /** How to reach this backend from another process (see increment-worker.ts). */
  workerEnv: Record<string, string>;
  dispose(): Promise<void>;
}

export const runId = randomBytes(4).toString('hex');

export function storeKind(): 'sqlite' | 'postgres' {
  const kind = process.env.STORE;
  if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`STORE must be sqlite or postgres (got ${kind}); run through a store:* vitest project`);
  return kind;
}

export async function openBackends(): Promise<Backend[]> {
  return storeKind() === 'sqlite' ? [await sqliteBackend()] : [await redisBackend(), await postgresBackend()];
}

async function sqlBackend(name: string, url: string, cleanup: () => Promise<void>): Promise<Backend> {
  const dbs: Db[] = [await openDb({ url })];
  return {
    name,
    store: createSqlKvStore(dbs[0]),
    async openPeer() {
      const db = await openDb({ url });
      dbs.push(db);
      return createSqlKvStore(db);
    },
    async physicalKeys(ns) {
      const rows = await dbs[0].kysely
        .selectFrom('kv_entries')
        .select('key')
        .where('project_id', '=', ns.projectId)
        .where('mode', '=', ns.mode)
        .execute();
      return rows.map((r) => r.key as string);
    },
    workerEnv: { WORKER_STORE: 'sql', WORKER_DB_URL: url },
    async dispose() {
      await Promise.all(dbs.map((db) => db.close()));
      await cleanup();
    },
  };
}

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'kv-conformance-'));
  return sqlBackend('sql on sqlite', join(dir, 'kv.db'), async () => rmSync(dir, { recursive: true, force: true }));
}

async function postgresBackend(): Promise<Backend> {
  const { url, drop } = await createTestDatabase('kv_conformance');
  return sqlBackend('sql on postgres', url, drop);
}

/**
 * A PostgreSQL database of its own for one suite (dropped by `drop`). A database rather than a
 * schema: Kysely's migrator looks for its `kysely_migration` table in every schema, so a schema
 * migrated next to another suite's would be taken as already migrated.
 */
export async function createTestDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set');
  const database = `${name}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const url = new URL(base);
  url.pathname = `/${database}`;
  return {
    url: url.href,
    async drop() {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    },
  };
}

async function redisBackend(): Promise<Backend> {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set');
  const keyPrefix = `test:kv-conformance:${runId}:`;
  const clients: Redis[] = [];
  const connect = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    clients.push(client);
    return client;
  };
  const main = await connect();
  return {
    name: 'redis',
    store: createRedisKvStore(main, { keyPrefix }),
    async openPeer() {
      return createRedisKvStore(await connect(), { keyPrefix });
    },
    async physicalKeys(ns) {
      const base = `${keyPrefix}kv:${ns.projectId}:${ns.mode}:`;
      const [indexed, data] = await Promise.all([main.zrange(`${base}idx`, '0', '-1'), scanAll(main, `${base}v:*`)]);
      return [...new Set([...indexed, ...data.map((k) => k.slice(`${base}v:`.length))])];
    },
    workerEnv: { WORKER_STORE: 'redis', WORKER_REDIS_URL: url, WORKER_PREFIX: keyPrefix },
    async dispose() {
      for (const key of await scanAll(main, `${keyPrefix}*`)) await main.del(key);
      await Promise.all(clients.map((c) => c.quit()));
    },
  };
}

async function scanAll(redis: Redis, match: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

let counter = 0;
/** A namespace no other test (or run) uses. */
export function freshNamespace(mode: 'live' | 'test' = 'live'): Namespace {
  return { projectId: `proj_${runId}${(counter++).toString(36).padStart(4, '0')}`, mode };
}
