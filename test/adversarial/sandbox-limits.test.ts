/**
 * Issue 13, item 9: the sandbox is a free production tier. Test tokens are free to mint, so a
 * test-mode budget per token bought an unbounded number of requests; here every test credential
 * of an organization (each `sk_test_` token, project-bound or organization-wide, and the browser
 * tokens made from them) spends one budget of 100 requests per hour (lowered with the setting for
 * speed). A live token of the same project, and another organization's test tokens, are
 * unaffected. On both stores (the counters are in Redis on PostgreSQL + Redis); across two server
 * instances in test/multi/sandbox.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PER_HOUR } from '../../server/http/rate-limit.ts';
import { openDb } from '../../server/db/index.ts';
import { deleteRedisKeys } from '../multi/support/deployment.ts';
import { createRedisKvStore } from '../../server/infra/kv-redis-store.ts';
import { createSqlKvStore } from '../../server/infra/kv-sql-store.ts';
import { type KvStore, SANDBOX_DEFAULTS, type SandboxBound } from '../../server/infra/kv-store.ts';
import { bearer, createProject, createToken, expectError, signUp, type TestApp, type User } from '../server/support/platform.ts';
import { POSTGRES_ONLY, STORES } from './support/stores.ts';

/** The test-mode budget of these apps (the setting, lowered from the default for speed). */
const BUDGET = 6;

describe('the documented default', () => {
  it('is 100 test-mode requests per hour per organization, in the code and in the guides', () => {
    expect(TEST_PER_HOUR).toBe(100);
    const guide = readFileSync(new URL('../../spec/guides/rate-limits.md', import.meta.url), 'utf8');
    expect(guide).toMatch(/\| Test mode, per organization: all its test API tokens[^|]*\| 100 requests per hour \| `SAASIGNAL_TEST_RATE_LIMIT` \|/);
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(example).toMatch(/^# SAASIGNAL_TEST_RATE_LIMIT=100 /m);
  });
});

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  let owner: User;
  let other: User;
  let projectId: string;
  beforeAll(async () => {
    t = await store.open({ rateLimit: { livePerMinute: 1e6, testPerHour: BUDGET, authPerMinute: 1e6 } });
    owner = await signUp(t.app, 'sandbox-rl-owner');
    other = await signUp(t.app, 'sandbox-rl-other');
    projectId = await createProject(t.app, owner);
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  const scan = (credential: string) => request(t.app).get('/infra/kv').set(bearer(credential));
  const readOrg = (credential: string, orgId = owner.orgId) => request(t.app).get(`/core/organizations/${orgId}`).set(bearer(credential));

  it('gives all the test credentials of one organization one budget together, not one each', async () => {
    const a = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId, mode: 'test' });
    const b = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId, mode: 'test' });
    const orgWide = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'], mode: 'test' });
    const live = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read', 'orgs:read'], project_id: projectId });
    const minted = await request(t.app).post('/core/tokens/browser').set(bearer(b.secret)).send({});
    expect(minted.status).toBe(200);
    const browser: string = minted.body.token;
    // Minting the browser token was the first request of the budget.
    const spend = [() => scan(a.secret), () => scan(browser), () => readOrg(orgWide.secret), () => scan(b.secret), () => scan(a.secret)];
    for (const [i, send] of spend.entries()) {
      const res = await send();
      expect({ i, status: res.status }).toEqual({ i, status: 200 });
      expect(res.headers['ratelimit-policy']).toMatch(new RegExp(`^"${BUDGET}-in-1hr"; q=${BUDGET}; w=3600`));
      expect(res.headers.ratelimit).toMatch(new RegExp(`; r=${BUDGET - 2 - i}; `));
    }
    // Spent: every test credential of the organization is refused, a token minted now too.
    const late = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId, mode: 'test' });
    for (const [what, send] of [
      ['first token', () => scan(a.secret)],
      ['second token', () => scan(b.secret)],
      ['browser token', () => scan(browser)],
      ['organization-wide token', () => readOrg(orgWide.secret)],
      ['token minted after', () => scan(late.secret)],
    ] as const) {
      const res = await send();
      expect({ what, status: res.status }).toEqual({ what, status: 429 });
      expectError(res, 429, 'RATE_LIMITED');
      expect(res.body.error.message).toMatch(/test mode/);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(3000);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(res.headers['ratelimit-policy']).toMatch(new RegExp(`^"${BUDGET}-in-1hr"`));
      expect(res.headers['x-microtokens-used']).toBeUndefined();
    }
    // A live token of the same project keeps its own budget.
    const liveScan = await scan(live.secret);
    expect(liveScan.status).toBe(200);
    expect(liveScan.headers['ratelimit-policy']).toMatch(/-in-1min"/);
    expect((await readOrg(live.secret)).status).toBe(200);
    // Another organization's test mode is its own budget.
    const theirs = await createToken(t.app, other.session, other.orgId, { scopes: ['orgs:read'], mode: 'test' });
    const res = await readOrg(theirs.secret, other.orgId);
    expect(res.status).toBe(200);
    expect(res.headers.ratelimit).toMatch(new RegExp(`; r=${BUDGET - 1}; `));
  });
});

/** The sandbox bound of these apps (the settings, lowered from the defaults for speed). */
const BOUND = { maxKeys: 5, maxBytes: 4000 };

describe('the documented storage defaults', () => {
  it('are 1,000 keys and 10 MB per project in test mode, in the code, the guides and .env.example', () => {
    expect(SANDBOX_DEFAULTS).toEqual({ maxKeys: 1000, maxBytes: 10_485_760 });
    const guide = readFileSync(new URL('../../spec/guides/rate-limits.md', import.meta.url), 'utf8');
    expect(guide).toMatch(/\| Test-mode KV data, per project \| 1,000 keys and 10 MB[^|]*\| `SAASIGNAL_SANDBOX_MAX_KEYS`, `SAASIGNAL_SANDBOX_MAX_BYTES` \|/);
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(example).toMatch(/^# SAASIGNAL_SANDBOX_MAX_KEYS=1000 /m);
    expect(example).toMatch(/^# SAASIGNAL_SANDBOX_MAX_BYTES=10485760 /m);
  });
});

// PostgreSQL without Redis too: there the KV store is SQL, and the bound holds by a lock across connections.
describe.each([...STORES, POSTGRES_ONLY])('sandbox storage on $name', (store) => {
  let t: TestApp;
  let owner: User;
  beforeAll(async () => {
    t = await store.open({ rateLimit: { livePerMinute: 1e6, testPerHour: 1e6, authPerMinute: 1e6 }, infra: { sandbox: BOUND } });
    owner = await signUp(t.app, 'sandbox-kv-owner');
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  async function project() {
    const projectId = await createProject(t.app, owner);
    const token = (mode: 'live' | 'test') => createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read', 'kv:write'], project_id: projectId, mode });
    return { projectId, test: (await token('test')).secret, live: (await token('live')).secret };
  }
  const put = (secret: string, key: string, body: object) => request(t.app).put(`/infra/kv/${encodeURIComponent(key)}`).set(bearer(secret)).send(body);
  const del = (secret: string, key: string) => request(t.app).delete(`/infra/kv/${encodeURIComponent(key)}`).set(bearer(secret));
  const incr = (secret: string, key: string) => request(t.app).post(`/infra/kv/${encodeURIComponent(key)}/increment`).set(bearer(secret)).send({ delta: 1 });
  const batch = (secret: string, ops: object[]) => request(t.app).post('/infra/kv').set(bearer(secret)).send({ ops });
  const keys = async (secret: string) => (await request(t.app).get('/infra/kv?limit=1000').set(bearer(secret))).body.keys as string[];

  it('refuses a test-mode key past the bound with 409 SANDBOX_FULL before writing, on every write path; deletes free room', async () => {
    const p = await project();
    for (let i = 0; i < BOUND.maxKeys; i++) expect((await put(p.test, `k${i}`, { value: i === 0 ? 'text' : i })).status).toBe(200);
    const refused = await put(p.test, 'k5', { value: 'one too many' });
    expectError(refused, 409, 'SANDBOX_FULL');
    expect(refused.body.error.message).toContain(`${BOUND.maxKeys} keys`);
    expect(refused.headers['x-microtokens-used']).toBe('0');
    expectError(await incr(p.test, 'counter'), 409, 'SANDBOX_FULL');
    expectError(await put(p.test, 'k6', { value: 1, if_not_exists: true }), 409, 'SANDBOX_FULL');
    // Nothing was written.
    expect(await keys(p.test)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect((await request(t.app).get('/infra/kv/k5').set(bearer(p.test))).status).toBe(404);
    // What adds no key still works: an overwrite, an increment of an existing counter.
    expect((await put(p.test, 'k0', { value: 'rewritten' })).status).toBe(200);
    expect((await incr(p.test, 'k1')).body).toMatchObject({ key: 'k1', value: 2 });
    // A batch: the set that does not fit answers sandbox_full; a delete makes room for the next one.
    const ops = await batch(p.test, [
      { op: 'set', key: 'b1', value: 1 },
      { op: 'delete', key: 'k2' },
      { op: 'set', key: 'b2', value: 2 },
      { op: 'set', key: 'b3', value: 3 },
    ]);
    expect(ops.status).toBe(200);
    expect(ops.body.results.map((r: { key: string; status: string }) => `${r.key}:${r.status}`)).toEqual(['b1:sandbox_full', 'k2:ok', 'b2:ok', 'b3:sandbox_full']);
    expect(await keys(p.test)).toEqual(['b2', 'k0', 'k1', 'k3', 'k4']);
    expect((await del(p.test, 'k3')).status).toBe(200);
    expect((await incr(p.test, 'counter')).body).toMatchObject({ value: 1 });
    expectError(await put(p.test, 'k5', { value: 'still full' }), 409, 'SANDBOX_FULL');
    // A live token of the same project is not bounded, and its keys are not the sandbox's.
    for (let i = 0; i < BOUND.maxKeys * 2; i++) expect((await put(p.live, `live${i}`, { value: i })).status).toBe(200);
    expect((await incr(p.live, 'live-counter')).status).toBe(200);
    expect((await batch(p.live, [{ op: 'set', key: 'live-batch', value: 1 }])).body.results[0].status).toBe('ok');
    expect(await keys(p.live)).toHaveLength(BOUND.maxKeys * 2 + 2);
    // Another project has a sandbox of its own.
    const q = await project();
    expect((await put(q.test, 'k0', { value: 1 })).status).toBe(200);
  });

  it('bounds the bytes of keys and values, counting an overwrite as its new size', async () => {
    const p = await project();
    const text = (bytes: number) => 'x'.repeat(bytes - 2); // JSON text: the quotes count
    // Each key takes 1 byte of name plus its value's JSON text.
    expect((await put(p.test, 'a', { value: text(3000) })).status).toBe(200); // 3001
    expectError(await put(p.test, 'b', { value: text(1000) }), 409, 'SANDBOX_FULL'); // would be 4002
    expect((await put(p.test, 'b', { value: text(998) })).status).toBe(200); // exactly 4000
    expectError(await put(p.test, 'a', { value: text(3001) }), 409, 'SANDBOX_FULL'); // 4001
    expect((await put(p.test, 'a', { value: text(2000) })).status).toBe(200); // shrinks: 3000
    expect((await put(p.test, 'c', { value: text(999) })).status).toBe(200); // 4000 again
    expectError(await incr(p.test, 'n'), 409, 'SANDBOX_FULL'); // a counter takes 1 + 8
    expect((await del(p.test, 'a')).status).toBe(200);
    expect((await incr(p.test, 'n')).status).toBe(200);
  });

  it('lets expired keys no longer count', async () => {
    const p = await project();
    for (let i = 0; i < BOUND.maxKeys; i++) expect((await put(p.test, `e${i}`, { value: i, ttl: 1 })).status).toBe(200);
    expectError(await put(p.test, 'later', { value: 1 }), 409, 'SANDBOX_FULL');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await put(p.test, 'later', { value: 1 })).status).toBe(200);
    expect((await incr(p.test, 'later-counter')).status).toBe(200);
    expect(await keys(p.test)).toEqual(['later', 'later-counter']);
  });

  it('never lets concurrent writers take the sandbox past its bound', async () => {
    const p = await project();
    const answers = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => put(p.test, `c${i}`, { value: i })),
      ...Array.from({ length: 4 }, (_, i) => incr(p.test, `n${i}`)),
      batch(p.test, Array.from({ length: 6 }, (_, i) => ({ op: 'set', key: `b${i}`, value: i }))),
    ]);
    const single = answers.slice(0, 16).map((a) => a.status);
    expect(single.every((s) => s === 200 || s === 409)).toBe(true);
    const batched = answers[16].body.results.map((r: { status: string }) => r.status);
    const written = single.filter((s) => s === 200).length + batched.filter((s: string) => s === 'ok').length;
    expect(written).toBe(BOUND.maxKeys);
    expect(await keys(p.test)).toHaveLength(BOUND.maxKeys);
  });
});

/**
 * An upgrade: a sandbox filled by a server without the bound. Its keys count from the first
 * bounded write (the SQL store counts what is there; the Redis store catches up on its count).
 */
describe.each([
  [
    'the SQL store',
    async () => {
      const db = await openDb({ url: ':memory:' });
      return { open: (sandbox?: SandboxBound) => createSqlKvStore(db, { sandbox }), close: () => db.close() };
    },
  ],
  [
    'the Redis store',
    async () => {
      const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      const keyPrefix = `test:sandbox-upgrade:${randomBytes(4).toString('hex')}:`;
      return {
        open: (sandbox?: SandboxBound) => createRedisKvStore(redis, { keyPrefix, sandbox }),
        close: async () => {
          await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix);
          redis.disconnect();
        },
      };
    },
  ],
] as const)('data from before the bound, in %s', (_name, backend) => {
  it('counts against the bound from the first bounded write', async () => {
    const b = await backend();
    try {
      const ns = { projectId: 'proj_upgrade', mode: 'test' as const };
      const before: KvStore = b.open();
      for (let i = 0; i < 7; i++) expect((await before.set(ns, `old${i}`, i % 2 ? 'text' : i)).status).toBe('ok');
      const after: KvStore = b.open({ maxKeys: 5, maxBytes: 1_000_000 });
      expect(await after.set(ns, 'new0', 1)).toEqual({ status: 'full' });
      expect(await after.increment(ns, 'new1', 1)).toEqual({ status: 'full' });
      // An old key may still be rewritten (it adds no key).
      expect((await after.set(ns, 'old0', 'rewritten')).status).toBe('ok');
      for (const key of ['old1', 'old2', 'old3']) expect(await after.delete(ns, key)).toBe(true);
      expect((await after.set(ns, 'new0', 1)).status).toBe('ok');
      expect(await after.set(ns, 'new1', 1)).toEqual({ status: 'full' });
      // Live data is never bounded.
      expect((await after.set({ ...ns, mode: 'live' }, 'live', 1)).status).toBe('ok');
    } finally {
      await b.close();
    }
  });
});
