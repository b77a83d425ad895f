/**
 * Rate limits per credential: `RateLimit-Policy`/`RateLimit` headers (IETF draft-8) on every
 * limited answer, 429 RATE_LIMITED with `Retry-After` beyond the budget; test mode gets 100
 * requests per hour (per organization: test/adversarial/sandbox-limits.test.ts); sign-in is limited per IP; with Redis, instances share the counters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, openApp, PASSWORD, signUp, type TestApp } from './support/platform.ts';

const opened: TestApp[] = [];
afterAll(async () => {
  for (const t of opened) await t.close();
});

async function open(options: Parameters<typeof openApp>[0] = {}) {
  const t = await openApp(options);
  opened.push(t);
  return t;
}

describe('test tokens', () => {
  it('get 100 requests per hour, then 429 with Retry-After, in the envelope', async () => {
    const t = await open();
    const owner = await signUp(t.app, 'rl-test');
    const projectId = await createProject(t.app, owner);
    const test = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId, mode: 'test' });
    const live = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId });
    const call = (secret: string) => request(t.app).get('/infra/kv').set(bearer(secret));

    const first = await call(test.secret);
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toMatch(/^"100-in-1hr"; q=100; w=3600/);
    expect(first.headers.ratelimit).toMatch(/^"100-in-1hr"; r=99; t=\d+$/);
    for (let i = 2; i <= 100; i++) {
      const res = await call(test.secret);
      expect({ i, status: res.status }).toEqual({ i, status: 200 });
      if (i === 100) expect(res.headers.ratelimit).toMatch(/; r=0; /);
    }
    const limited = await call(test.secret);
    expectError(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(3000);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(limited.headers['ratelimit-policy']).toMatch(/"100-in-1hr"/);
    // Not charged, not counted against anyone else.
    expect(limited.headers['x-microtokens-used']).toBeUndefined();
    expect((await call(live.secret)).headers['ratelimit-policy']).toMatch(/^"600-in-1min"/);
  }, 60_000);
});

describe('live credentials', () => {
  it('have their own budget each (configurable)', async () => {
    const t = await open({ rateLimit: { livePerMinute: 3 } });
    const owner = await signUp(t.app, 'rl-live');
    const a = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    const b = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    const get = (secret: string) => request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(secret));
    for (let i = 0; i < 3; i++) expect((await get(a.secret)).status).toBe(200);
    const limited = await get(a.secret);
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await get(b.secret)).status).toBe(200);
    // The session that made the sign-up requests has its own budget as well.
    expect((await request(t.app).get('/core/organizations').set(bearer(owner.session))).status).toBe(200);
  });

  it('browser tokens spend their parent token’s budget', async () => {
    const t = await open({ rateLimit: { livePerMinute: 4 } });
    const owner = await signUp(t.app, 'rl-bt');
    const projectId = await createProject(t.app, owner);
    const parent = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId });
    const bt = (await request(t.app).post('/core/tokens/browser').set(bearer(parent.secret)).send({})).body.token;
    const scan = (token: string) => request(t.app).get('/infra/kv').set(bearer(token));
    expect((await scan(parent.secret)).status).toBe(200);
    expect((await scan(bt)).status).toBe(200);
    expect((await scan(parent.secret)).status).toBe(200);
    expectError(await scan(bt), 429, 'RATE_LIMITED');
    expectError(await scan(parent.secret), 429, 'RATE_LIMITED');
  });

  it('sign-in and sign-up are limited per client IP', async () => {
    const t = await open({ rateLimit: { authPerMinute: 2 } });
    const signIn = () => request(t.app).post('/api/auth/sign-in/email').send({ email: 'nobody@example.com', password: PASSWORD });
    expect((await signIn()).status).toBe(401);
    expect((await signIn()).status).toBe(401);
    const limited = await signIn();
    expectError(limited, 429, 'RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
  });
});

describe('with Redis', () => {
  it('instances share the counters', async () => {
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const prefix = `test:rl:${process.pid}:${Date.now()}:`;
    const dir = mkdtempSync(join(tmpdir(), 'rl-'));
    const redis = new Redis(redisUrl);
    try {
      const options = { dbUrl: join(dir, 'db.sqlite'), redisUrl, rateLimit: { livePerMinute: 4, redisPrefix: prefix }, infra: { redisKeyPrefix: `${prefix}kv:` } };
      const one = await open(options);
      const two = await open(options);
      const owner = await signUp(one.app, 'rl-redis');
      const token = await createToken(one.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
      const get = (app: TestApp) => request(app.app).get(`/core/organizations/${owner.orgId}`).set(bearer(token.secret));
      expect((await get(one)).status).toBe(200);
      expect((await get(two)).status).toBe(200);
      expect((await get(one)).status).toBe(200);
      const fourth = await get(two);
      expect(fourth.status).toBe(200);
      expect(fourth.headers.ratelimit).toMatch(/; r=0; /);
      expectError(await get(one), 429, 'RATE_LIMITED');
      expectError(await get(two), 429, 'RATE_LIMITED');
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
