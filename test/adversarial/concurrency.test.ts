/**
 * Real server processes on the same data, hammered at once through keep-alive connections
 * (64 requests in flight): one process on a SQLite file (a second server on the same file is
 * refused, server/startup/data-lock.ts), and two on PostgreSQL + Redis, requests alternating
 * between them (a database and a Redis key prefix of its own, removed afterwards).
 *
 * - 20,000 increments of one key (5,000 on PostgreSQL + Redis, `CONCURRENCY_PG_INCREMENTS` for
 *   more) lose nothing: the final value is exactly their number, and the values the increments
 *   returned are exactly 1..N, each once.
 * - 1,000 simultaneous `if_not_exists` sets of one key: exactly one 200, 999 × 409 KEY_EXISTS,
 *   and the key holds the winner's value.
 * - Metered calls of every price, until the balance runs out: the balance drops by exactly the sum
 *   of their `X-Microtokens-Used`, and every 402 says `0`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonRequest, keepAliveAgent, pool, type Reply } from '../support/load.ts';
import { type ServerProcess, startServer } from '../support/processes.ts';

/** Increments per backend: PostgreSQL + Redis serialises every charge on one row, so a quarter there keeps CI quick. */
const INCREMENTS = { sqlite: 20_000, postgres: Number(process.env.CONCURRENCY_PG_INCREMENTS ?? 5_000) };
const RACERS = 1_000;
const IN_FLIGHT = 64;
/** The monthly allowance of every organization here, in μt: the metered phase spends it all. */
const ALLOWANCE = 60_000;

const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

interface Storage {
  databaseUrl: string;
  redisUrl?: string;
  /** Environment the servers need for this storage (a Redis key prefix of this run's own). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

async function sqliteStorage(): Promise<Storage> {
  const dir = mkdtempSync(join(tmpdir(), 'concurrency-'));
  return { databaseUrl: join(dir, 'saasignal.db'), env: {}, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresStorage(): Promise<Storage> {
  const run = randomBytes(4).toString('hex');
  const database = `concurrency_${run}`;
  const prefix = `test:concurrency:${run}:`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  return {
    databaseUrl: url.href,
    redisUrl: REDIS_URL,
    env: { REDIS_KEY_PREFIX: prefix },
    async cleanup() {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
      // What the servers left in the shared Redis: everything under this run's prefix.
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

const backends: [string, () => Promise<Storage>, number][] = [
  ['sqlite', sqliteStorage, INCREMENTS.sqlite],
  ['postgres+redis', postgresStorage, INCREMENTS.postgres],
];

const agent = keepAliveAgent(IN_FLIGHT);
afterAll(() => agent.destroy());

let requests = 0;
afterAll(() => console.log(`concurrency: ${requests} requests`));

describe.each(backends)('server processes on %s', (_name, open, increments) => {
  let storage: Storage;
  const servers: ServerProcess[] = [];
  let token: string;
  let session: string;

  const send = (i: number, method: string, path: string, body?: unknown, credential: string | null = token): Promise<Reply> => {
    requests++;
    return jsonRequest(agent, servers[i % servers.length].url, method, path, credential, body);
  };

  /** A new organization of the account signed in as `owner` (a session), with a project and a `*` token for it. */
  async function tenant(label: string, owner: string): Promise<{ orgId: string; projectId: string; token: string }> {
    const org = await send(0, 'POST', '/core/organizations', { name: `${label} ${randomBytes(3).toString('hex')}` }, owner);
    const project = await send(1, 'POST', `/core/organizations/${org.body.id}/projects`, { name: label }, owner);
    const tok = await send(0, 'POST', `/core/organizations/${org.body.id}/tokens`, { name: label, scopes: ['*'], project_id: project.body.id }, owner);
    expect([org.status, project.status, tok.status]).toEqual([201, 201, 201]);
    return { orgId: org.body.id, projectId: project.body.id, token: tok.body.secret };
  }

  afterAll(async () => {
    for (const s of servers) await s.stop();
    await storage?.cleanup();
  });

  it('starts the servers on the same data (two on PostgreSQL + Redis, one on SQLite)', async () => {
    // Increments and sets cost 2 μt each and are paid from one organization's allowance.
    expect(2 * (increments + RACERS), 'the allowance cannot pay for that many increments').toBeLessThan(ALLOWANCE);
    storage = await open();
    const env = { ...storage.env, SAASIGNAL_RATE_LIMIT: '10000000', SAASIGNAL_INCLUDED_MICROTOKENS: String(ALLOWANCE) };
    // One after the other: the first migrates the new database.
    for (let i = 0; i < (storage.redisUrl ? 2 : 1); i++) servers.push(await startServer({ databaseUrl: storage.databaseUrl, redisUrl: storage.redisUrl, env }));
    const up = await send(0, 'POST', '/api/auth/sign-up/email', { email: `concurrency-${randomBytes(4).toString('hex')}@example.com`, password: 'a-long-secure-passphrase', name: 'C' }, null);
    expect(up.status).toBe(200);
    session = up.body.token;
    token = (await tenant('counters', session)).token;
  }, 120_000);

  it(`${increments} parallel increments lose nothing`, async () => {
    const replies = await pool(increments, IN_FLIGHT, (i) => send(i, 'POST', '/infra/kv/race%3Acounter/increment', {}));
    const failed = replies.filter((r) => r.status !== 200);
    expect(failed.slice(0, 3)).toEqual([]);
    // Each increment saw the state right after its own addition: every value from 1 to N once.
    const seen = replies.map((r) => r.body.value as number).sort((a, b) => a - b);
    expect(seen[0]).toBe(1);
    expect(seen[seen.length - 1]).toBe(increments);
    expect(new Set(seen).size).toBe(increments);
    for (const i of [0, 1]) expect((await send(i, 'GET', '/infra/kv/race%3Acounter')).body.value).toBe(increments);
  }, 240_000); // 20,000 round trips: ~100 s at a load average of 10 on 2 cores, beside the other suites

  it(`${RACERS} concurrent if_not_exists sets: one winner`, async () => {
    const replies = await pool(RACERS, IN_FLIGHT, (i) => send(i, 'PUT', '/infra/kv/race%3Aonce', { value: { racer: i }, if_not_exists: true }));
    const statuses = replies.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    expect(statuses).toEqual({ 200: 1, 409: RACERS - 1 });
    expect(new Set(replies.filter((r) => r.status === 409).map((r) => r.body.error.code))).toEqual(new Set(['KEY_EXISTS']));
    const winner = replies.findIndex((r) => r.status === 200);
    expect(replies[winner].body.value).toEqual({ racer: winner });
    for (const i of [0, 1]) expect((await send(i, 'GET', '/infra/kv/race%3Aonce')).body.value).toEqual({ racer: winner });
  }, 60_000);

  it('concurrent metered calls lower the balance by exactly the sum of X-Microtokens-Used', async () => {
    // An account of its own: the allowance is the account's, and the counters spent some of the first's.
    const up = await send(1, 'POST', '/api/auth/sign-up/email', { email: `metered-${randomBytes(4).toString('hex')}@example.com`, password: 'a-long-secure-passphrase', name: 'M' }, null);
    expect(up.status).toBe(200);
    const { orgId, token: payer } = await tenant('metered', up.body.token);
    const balance = async () => {
      const r = await send(0, 'GET', `/core/tokens/balance?org_id=${orgId}`, undefined, up.body.token);
      return Math.round(r.body.total * 1_000_000);
    };
    expect(await balance()).toBe(ALLOWANCE);
    const batch = { ops: Array.from({ length: 100 }, (_, k) => ({ op: 'set', key: `m:${k}`, value: k })) };
    // Every priced operation, the batch the dearest (100 sets): enough to run the balance out.
    const calls: [string, string, unknown?][] = [
      ['POST', '/infra/kv', batch],
      ['POST', '/infra/kv/m%3Acount/increment', {}],
      ['GET', '/infra/kv/m%3A1'],
      ['POST', '/infra/kv', batch],
      ['PUT', '/infra/kv/m%3Aone', { value: 'x' }],
      ['DELETE', '/infra/kv/m%3Anothing'],
      ['POST', '/infra/kv', batch],
      ['GET', '/infra/kv?prefix=m%3A&limit=5'],
      ['POST', '/infra/channels/metered/publish', { event: 'tick' }],
    ];
    const replies = await pool(1_400, IN_FLIGHT, (i) => {
      const [method, path, body] = calls[i % calls.length];
      return send(i, method, path, body, payer);
    });
    const used = replies.map((r) => Number(r.headers['x-microtokens-used']));
    expect(used.filter((u) => !Number.isInteger(u) || u < 0)).toEqual([]);
    const refused = replies.filter((r) => r.status === 402);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.headers['x-microtokens-used'] === '0' && r.body.error.code === 'INSUFFICIENT_TOKENS')).toBe(true);
    expect(replies.filter((r) => ![200, 402, 404].includes(r.status)).map((r) => r.status)).toEqual([]);
    const spent = used.reduce((a, b) => a + b, 0);
    expect(ALLOWANCE - (await balance())).toBe(spent);
  }, 60_000);
});
