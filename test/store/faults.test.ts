/**
 * Storage faults, as the KV and channel endpoints answer them: while the backend is unreachable
 * every request gets a 503 in the error envelope (never a hang, a 500 or a crash), and once it
 * is back requests succeed again without a restart. `store:postgres+redis` cuts Redis and
 * PostgreSQL through a TCP proxy; `store:sqlite` holds the SQLite file's write lock from a
 * second connection, as a stuck second process would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../server/db/index.ts';
import { openSqliteConnection } from '../../server/db/sqlite-driver.ts';
import { createInfra } from '../../server/infra/index.ts';
import { infraApp, listenOn } from './support/infra-harness.ts';
import { createTestDatabase, storeKind } from './support/stores.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

const kind = storeKind();
const run = randomBytes(4).toString('hex');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectUnavailable(res: request.Response) {
  expect(res.status).toBe(503);
  expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', request_id: expect.stringMatching(/^req_/) });
  expect(res.headers['retry-after']).toBe('1');
}

/** Retries `attempt` until it answers 200 (the service is back), for up to `ms`. */
async function recovers(attempt: () => Promise<request.Response>, ms = 15_000): Promise<request.Response> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await attempt();
    if (res.status === 200 || Date.now() > deadline) return res;
    expect(res.status).toBe(503);
    await sleep(200);
  }
}

function serviceUrl(envName: string): URL {
  const value = process.env[envName];
  if (!value) throw new Error(`${envName} is not set`);
  return new URL(value);
}

if (kind === 'postgres') {
  describe('Redis unreachable', () => {
    it('answers 503 for every KV and channel operation, then recovers by itself', async () => {
      const redisUrl = serviceUrl('REDIS_URL');
      const proxy = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
      const db = await openDb({ url: ':memory:' });
      const keyPrefix = `test:faults:${run}:`;
      const infra = await createInfra({ db, redisUrl: `redis://127.0.0.1:${proxy.port}`, redisKeyPrefix: keyPrefix });
      const app = infraApp(infra, `proj_faults${run}`);
      const { server, base } = await listenOn(app);
      cleanups.push(async () => {
        await infra.close();
        await db.close();
        await proxy.close();
        await new Promise((resolve) => server.close(resolve));
        const redis = new Redis(redisUrl.href);
        const keys = await redis.keys(`${keyPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      });

      expect((await request(app).put('/infra/kv/before').send({ value: 'kept' })).status).toBe(200);
      // A subscriber connected before the outage.
      const stream = await new Promise<{ text: () => string }>((resolve) => {
        httpRequest(`${base}/infra/channels/room/subscribe`, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          resolve({ text: () => text });
        }).end();
      });

      await proxy.down();
      const started = Date.now();
      for (const res of await Promise.all([
        request(app).get('/infra/kv/before'),
        request(app).put('/infra/kv/during').send({ value: 1 }),
        request(app).delete('/infra/kv/before'),
        request(app).post('/infra/kv/n/increment').send({}),
        request(app).get('/infra/kv'),
        request(app).post('/infra/kv').send({ ops: [{ op: 'get', key: 'before' }] }),
        request(app).post('/infra/channels/room/publish').send({ event: 'lost' }),
        request(app).get('/infra/channels/other/subscribe'),
      ])) {
        expectUnavailable(res);
      }
      // Refused at once, not after a queue of retries.
      expect(Date.now() - started).toBeLessThan(3000);

      await proxy.up();
      const back = await recovers(() => request(app).get('/infra/kv/before'));
      expect(back.status).toBe(200);
      expect(back.body).toEqual({ key: 'before', value: 'kept', expires_at: null });
      // The old subscription came back with the connection.
      const published = await recovers(() => request(app).post('/infra/channels/room/publish').send({ event: 'after' }));
      expect(published.body.delivered).toBe(1);
      const deadline = Date.now() + 5000;
      while (!stream.text().includes('event: after') && Date.now() < deadline) await sleep(20);
      expect(stream.text()).toContain(`id: ${published.body.id}\nevent: after\n`);
    }, 60_000);
  });

  describe('PostgreSQL unreachable (SQL store, no Redis)', () => {
    it('answers 503, then recovers by itself', async () => {
      const pgUrl = serviceUrl('DATABASE_URL');
      const proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
      const { url, drop } = await createTestDatabase('kv_faults');
      const proxied = new URL(url);
      proxied.host = `127.0.0.1:${proxy.port}`;
      const db = await openDb({ url: proxied.href });
      const infra = await createInfra({ db });
      const app = infraApp(infra, `proj_faults${run}`);
      cleanups.push(async () => {
        await infra.close();
        await db.close();
        await proxy.close();
        await drop();
      });

      expect((await request(app).put('/infra/kv/before').send({ value: 'kept' })).status).toBe(200);
      await proxy.down();
      expectUnavailable(await request(app).get('/infra/kv/before'));
      expectUnavailable(await request(app).put('/infra/kv/during').send({ value: 1 }));
      await proxy.up();
      const back = await recovers(() => request(app).get('/infra/kv/before'));
      expect(back.body).toEqual({ key: 'before', value: 'kept', expires_at: null });
      expect((await request(app).put('/infra/kv/after').send({ value: 2 })).status).toBe(200);
    }, 60_000);
  });
}

if (kind === 'sqlite') {
  describe('SQLite file locked by another process', () => {
    it('answers 503 after the busy timeout, then succeeds once the lock is released', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kv-faults-'));
      const file = join(dir, 'kv.db');
      const db = await openDb({ url: file });
      const infra = await createInfra({ db });
      const app = infraApp(infra, `proj_faults${run}`);
      // A second connection, through the same driver as the server's.
      const other = await openSqliteConnection(file);
      let inTransaction = false;
      cleanups.push(async () => {
        if (inTransaction) other.exec('rollback');
        other.close();
        await infra.close();
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      });

      expect((await request(app).put('/infra/kv/before').send({ value: 'kept' })).status).toBe(200);
      other.exec('begin immediate');
      inTransaction = true;
      expectUnavailable(await request(app).put('/infra/kv/during').send({ value: 1 }));
      // Readers are not blocked by a writer in WAL mode.
      expect((await request(app).get('/infra/kv/before')).status).toBe(200);
      other.exec('rollback');
      inTransaction = false;
      expect((await request(app).put('/infra/kv/during').send({ value: 1 })).status).toBe(200);
    }, 30_000);
  });
}
