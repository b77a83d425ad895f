/**
 * `GET /healthz` and `GET /readyz` on each backend, as an orchestrator sees them: public, never
 * rate limited and not stored in any cache; readiness answers 503 in the error envelope naming
 * the failed check while the database or Redis is unreachable (cut through a TCP proxy) or a
 * migration is pending, and 200 again by itself once it is back.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../server/app.ts';
import { type Readiness, sharedReadiness } from '../../server/http/health.ts';
import { createTestDatabase, storeKind } from './support/stores.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

const kind = storeKind();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Probes `/readyz` until it answers `status` (the shared result lives up to 1 s), for up to `ms`. */
async function readyzBecomes(app: App, status: number, ms = 15_000): Promise<request.Response> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await request(app.app).get('/readyz');
    if (res.status === status || Date.now() > deadline) return res;
    await sleep(200);
  }
}

function expectNotReady(res: request.Response, failed: Record<string, string>, message: RegExp) {
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('1');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', request_id: expect.stringMatching(/^req_/), message: expect.stringMatching(message) });
  expect(res.body.error.details).toEqual(Object.entries(failed).map(([check, state]) => ({ path: `/checks/${check}`, message: state })));
}

async function open(options: Parameters<typeof createApp>[0]): Promise<App> {
  // Strict: every answer is validated against the document (an undocumented status is a 500).
  const app = await createApp({ validateResponses: true, rateLimit: { authPerMinute: 2, invalidPerMinute: 2 }, ...options });
  cleanups.push(() => app.close());
  return app;
}

/** Liveness, readiness and the absence of limits, on an app whose dependencies are all up. */
async function expectHealthy(app: App, redis: 'ok' | 'not_configured') {
  const live = await request(app.app).get('/healthz');
  expect(live.status).toBe(200);
  expect(live.body).toEqual({ status: 'ok' });
  expect(live.headers['cache-control']).toBe('no-store');
  const ready = await request(app.app).get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', redis } });
  // An orchestrator probing from one address far beyond the per-address budgets (2 a minute here).
  const statuses = new Set<number>();
  for (let i = 0; i < 15; i++) {
    for (const path of ['/healthz', '/readyz']) {
      const res = await request(app.app).get(path);
      statuses.add(res.status);
      expect(res.headers.ratelimit).toBeUndefined();
    }
  }
  expect([...statuses]).toEqual([200]);
}

if (kind === 'sqlite') {
  describe('SQLite', () => {
    it('is live and ready, and probes are never rate limited', async () => {
      await expectHealthy(await open({ dbUrl: ':memory:' }), 'not_configured');
    });

    it('is not ready while a migration is pending, and ready again once it is applied', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'health-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const app = await open({ dbUrl: join(dir, 'health.db') });
      const last = await app.db.kysely.selectFrom('kysely_migration').selectAll().orderBy('name', 'desc').executeTakeFirstOrThrow();
      // As a database that an older build migrated: its record lacks this build's last migration.
      await app.db.kysely.deleteFrom('kysely_migration').where('name', '=', last.name).execute();
      expectNotReady(await readyzBecomes(app, 503), { migrations: 'pending' }, /^Not ready: migrations are pending \(npm run migrate\)\.$/);
      expect((await request(app.app).get('/healthz')).status).toBe(200);
      await app.db.kysely.insertInto('kysely_migration').values(last).execute();
      expect((await readyzBecomes(app, 200)).body.checks).toEqual({ database: 'ok', migrations: 'ok', redis: 'not_configured' });
    });
  });
}

if (kind === 'postgres') {
  describe('PostgreSQL + Redis', () => {
    const service = (name: string) => new URL(process.env[name] ?? `${name} is not set`);

    it('is live and ready; not ready while Redis or PostgreSQL is unreachable, ready again once it is back', async () => {
      const pg = service('DATABASE_URL');
      const redis = service('REDIS_URL');
      const pgProxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
      const redisProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
      const { url, drop } = await createTestDatabase('health');
      cleanups.push(drop, () => pgProxy.close(), () => redisProxy.close());
      const dbUrl = new URL(url);
      dbUrl.host = `127.0.0.1:${pgProxy.port}`;
      const redisUrl = new URL(redis);
      redisUrl.host = `127.0.0.1:${redisProxy.port}`;
      const prefix = `test:health:${randomBytes(4).toString('hex')}:`;
      const app = await open({ dbUrl: dbUrl.href, redisUrl: redisUrl.href, infra: { redisKeyPrefix: prefix }, rateLimit: { authPerMinute: 2, invalidPerMinute: 2, redisPrefix: `${prefix}rl:` } });

      await expectHealthy(app, 'ok');

      await redisProxy.down();
      expectNotReady(await readyzBecomes(app, 503), { redis: 'unavailable' }, /^Not ready: Redis \(REDIS_URL\) is unreachable\.$/);
      expect((await request(app.app).get('/healthz')).status).toBe(200);
      await redisProxy.up();
      expect((await readyzBecomes(app, 200)).body.checks.redis).toBe('ok');

      await pgProxy.down();
      expectNotReady(await readyzBecomes(app, 503), { database: 'unavailable', migrations: 'unavailable' }, /^Not ready: the database \(DATABASE_URL\) is unreachable\.$/);
      expect((await request(app.app).get('/healthz')).status).toBe(200);
      await pgProxy.up();
      expect((await readyzBecomes(app, 200)).body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'ok' } });
    }, 90_000);
  });
}

describe('the shared readiness check', () => {
  const ready: Readiness = { ready: true, checks: { database: 'ok', migrations: 'ok', redis: 'not_configured' } };

  it('answers concurrent probes with one check, and checks again once the result is a second old', async () => {
    let checks = 0;
    const probe = sharedReadiness(async () => {
      checks++;
      await sleep(50);
      return ready;
    }, 300);
    await Promise.all(Array.from({ length: 100 }, () => probe()));
    expect(checks).toBe(1);
    await probe();
    expect(checks).toBe(1);
    await sleep(350);
    await probe();
    expect(checks).toBe(2);
  });

  it('does not keep a check that failed outright', async () => {
    let calls = 0;
    const probe = sharedReadiness(async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return ready;
    }, 60_000);
    await expect(probe()).rejects.toThrow('boom');
    await expect(probe()).resolves.toEqual(ready);
  });
});
