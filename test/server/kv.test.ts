/**
 * KV through the real app (in-memory SQLite, response validation on): status, body and headers
 * of every KV operation, the errors the docs list, and isolation between projects and modes.
 * Store semantics in depth (both backends) are in test/store/kv-conformance.test.ts.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { bearer, newProject, openApp, type ProjectTokens } from './kv-fixture.ts';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const CURSOR = /^[A-Za-z0-9_-]+$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let app: App;
let a: ProjectTokens;
let b: ProjectTokens;
let n = 0;
/** A key no other test uses. */
const fresh = (name = 'k') => `${name}-${n++}`;
const path = (key: string) => `/infra/kv/${encodeURIComponent(key)}`;

beforeAll(async () => {
  app = await openApp();
  [a, b] = [await newProject(app.app), await newProject(app.app)];
});
afterAll(() => app?.close());

const kv = (token = a.live) => ({
  get: (key: string) => request(app.app).get(path(key)).set(bearer(token)),
  put: (key: string, body: object) => request(app.app).put(path(key)).set(bearer(token)).send(body),
  del: (key: string) => request(app.app).delete(path(key)).set(bearer(token)),
  incr: (key: string, body?: object) => {
    const req = request(app.app).post(`${path(key)}/increment`).set(bearer(token));
    return body === undefined ? req : req.send(body);
  },
  scan: (query: Record<string, string | number>) => request(app.app).get('/infra/kv').query(query).set(bearer(token)),
  batch: (ops: object[]) => request(app.app).post('/infra/kv').set(bearer(token)).send({ ops }),
});

function expectError(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.error).toMatchObject({ code, message: expect.any(String), request_id: res.headers['x-request-id'] });
}

describe('set and get', () => {
  it('answers the quick start exactly as the docs show it', async () => {
    const put = await kv().put('hello', { value: 'world' });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ key: 'hello', value: 'world', expires_at: null });
    expect(put.headers['x-microtokens-used']).toBe('2');
    expect(put.headers['x-request-id']).toMatch(/^req_/);
    const get = await kv().get('hello');
    expect(get.status).toBe(200);
    expect(get.headers['content-type']).toMatch(/^application\/json/);
    expect(get.text).toBe('{"key":"hello","value":"world","expires_at":null}');
    expect(get.headers['x-microtokens-used']).toBe('1');
  });

  it.each<[string, unknown]>([
    ['an object', { userId: 'u_123', role: 'admin' }],
    ['an array', [1, 'two', null]],
    ['a number', 3.5],
    ['null', null],
    ['false', false],
  ])('stores %s', async (_name, value) => {
    const key = fresh();
    expect((await kv().put(key, { value })).body).toEqual({ key, value, expires_at: null });
    expect((await kv().get(key)).body).toEqual({ key, value, expires_at: null });
  });

  it.each(['session:u_123', 'a/b', 'with space', 'ключ 😀', '100%', 'q?x#y', '.hidden'])('addresses the key %j', async (key) => {
    expect((await kv().put(key, { value: 1 })).status).toBe(200);
    expect((await kv().get(key)).body).toEqual({ key, value: 1, expires_at: null });
  });

  it.each(['a..b', '..', 'x'.repeat(513)])('refuses the key %j with 400', async (key) => {
    expectError(await kv().put(key, { value: 1 }), 400, 'INVALID_REQUEST');
  });

  it('gives expires_at as an ISO timestamp with milliseconds, now + ttl', async () => {
    const key = fresh();
    const before = Date.now();
    const res = await kv().put(key, { value: 'v', ttl: 60 });
    expect(res.body.expires_at).toMatch(ISO_MS);
    const at = Date.parse(res.body.expires_at);
    expect(at).toBeGreaterThanOrEqual(before + 60_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 60_000);
    expect((await kv().get(key)).body.expires_at).toBe(res.body.expires_at);
  });

  it.each([9007199254740991, 253402300800])('stores a ttl of %d as the last millisecond of year 9999', async (ttl) => {
    const key = fresh();
    const res = await kv().put(key, { value: 'forever', ttl });
    expect(res.status).toBe(200);
    expect(res.body.expires_at).toBe('9999-12-31T23:59:59.999Z');
    expect((await kv().incr(fresh(), { ttl })).body.expires_at).toBe('9999-12-31T23:59:59.999Z');
  });

  it.each([0, -1, 1.5, '60'])('refuses a ttl of %j with 400', async (ttl) => {
    expectError(await kv().put(fresh(), { value: 1, ttl }), 400, 'INVALID_REQUEST');
  });

  it('never returns an expired key', async () => {
    const [gone, del] = [fresh(), fresh()];
    await kv().put(gone, { value: 'v', ttl: 1 });
    await kv().put(del, { value: 'v', ttl: 1 });
    expect((await kv().get(gone)).status).toBe(200);
    await sleep(1100);
    expectError(await kv().get(gone), 404, 'NOT_FOUND');
    expectError(await kv().del(del), 404, 'NOT_FOUND');
    expect((await kv().put(gone, { value: 'new', if_not_exists: true })).body).toEqual({ key: gone, value: 'new', expires_at: null });
  });

  it('answers 404 in the envelope for a missing key', async () => {
    const res = await kv().get(fresh('missing'));
    expectError(res, 404, 'NOT_FOUND');
    expect(res.body.error.message).toContain('missing');
  });

  it('answers 409 KEY_EXISTS for if_not_exists on an existing key, and keeps the value', async () => {
    const key = fresh();
    expect((await kv().put(key, { value: 'first', if_not_exists: true })).status).toBe(200);
    expectError(await kv().put(key, { value: 'second', if_not_exists: true }), 409, 'KEY_EXISTS');
    expect((await kv().get(key)).body.value).toBe('first');
  });

  it('answers 413 for a value over 256 KB serialized, and stores one of exactly 256 KB', async () => {
    const key = fresh();
    const exact = 'x'.repeat(262_144 - 2);
    expect((await kv().put(key, { value: exact })).status).toBe(200);
    const res = await kv().put(key, { value: `${exact}y` });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(res.body.error.message).toContain('262145');
    expect((await kv().get(key)).body.value).toBe(exact);
  });

  it('refuses a body without value, or with unknown fields', async () => {
    expectError(await kv().put(fresh(), { ttl: 5 }), 400, 'INVALID_REQUEST');
    expectError(await kv().put(fresh(), { value: 1, extra: true }), 400, 'INVALID_REQUEST');
  });
});

describe('delete', () => {
  it('deletes a key once, then answers 404', async () => {
    const key = fresh();
    await kv().put(key, { value: 1 });
    const res = await kv().del(key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ key, deleted: true });
    expect(res.headers['x-microtokens-used']).toBe('1');
    expectError(await kv().get(key), 404, 'NOT_FOUND');
    expectError(await kv().del(key), 404, 'NOT_FOUND');
  });
});

describe('increment', () => {
  it('creates the key at delta (default 1) and adds to it', async () => {
    const key = fresh();
    const first = await kv().incr(key);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ key, value: 1, expires_at: null });
    expect(first.headers['x-microtokens-used']).toBe('2');
    expect((await kv().incr(key, { delta: 10 })).body).toEqual({ key, value: 11, expires_at: null });
    expect((await kv().incr(key, { delta: -0.5 })).body).toEqual({ key, value: 10.5, expires_at: null });
    expect((await kv().get(key)).body.value).toBe(10.5);
  });

  it('applies ttl only when it creates the key', async () => {
    const key = fresh();
    const created = await kv().incr(key, { delta: 1, ttl: 60 });
    expect(created.body.expires_at).toMatch(ISO_MS);
    expect((await kv().incr(key, { delta: 1, ttl: 3600 })).body).toEqual({ key, value: 2, expires_at: created.body.expires_at });
    const plain = fresh();
    await kv().put(plain, { value: 5 });
    expect((await kv().incr(plain, { ttl: 60 })).body).toEqual({ key: plain, value: 6, expires_at: null });
  });

  it('answers 409 NOT_A_NUMBER for a value that is not a number, and leaves it', async () => {
    const key = fresh();
    await kv().put(key, { value: '5' });
    const res = await kv().incr(key);
    expectError(res, 409, 'NOT_A_NUMBER');
    expect(res.body.error.message).toMatch(/not a number/);
    expect((await kv().get(key)).body.value).toBe('5');
  });

  it('answers 409 rather than store a number that is not finite', async () => {
    const key = fresh();
    await kv().put(key, { value: 1.7e308 });
    expectError(await kv().incr(key, { delta: 1.7e308 }), 409, 'NOT_A_SAFE_INTEGER');
    expect((await kv().get(key)).body.value).toBe(1.7e308);
    // JSON admits 1e400, which parses to Infinity: not a number to the validator.
    const raw = await request(app.app).post(`${path(key)}/increment`).set(bearer(a.live)).type('json').send('{"delta":1e400}');
    expectError(raw, 400, 'INVALID_REQUEST');
  });

  it('counts 200 concurrent increments exactly', async () => {
    const key = fresh();
    const results = await Promise.all(Array.from({ length: 200 }, () => kv().incr(key)));
    expect(results.map((r) => r.status).every((s) => s === 200)).toBe(true);
    expect(results.map((r) => r.body.value).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });
});

describe('scan', () => {
  const prefix = 'scan:';
  const keys = ['scan:b', 'scan:a', 'scan:c:1', 'scan:c:2', 'scan:é', 'scan:😀', 'scan:ﬀ'];
  const sorted = ['scan:a', 'scan:b', 'scan:c:1', 'scan:c:2', 'scan:é', 'scan:ﬀ', 'scan:😀'];

  beforeAll(async () => {
    for (const key of [...keys, 'scanner', 'other']) await kv().put(key, { value: 1 });
  });

  it('lists keys with the prefix in ascending code point order', async () => {
    const res = await kv().scan({ prefix });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keys: sorted, next_cursor: null });
    expect(res.headers['x-microtokens-used']).toBe('5');
  });

  it('pages with limit and an opaque cursor until next_cursor is null', async () => {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await kv().scan({ prefix, limit: 3, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      pages.push(res.body.keys);
      cursor = res.body.next_cursor;
      if (cursor !== null) expect(cursor).toMatch(CURSOR);
    } while (cursor !== null);
    expect(pages).toEqual([sorted.slice(0, 3), sorted.slice(3, 6), sorted.slice(6)]);
  });

  it('keeps its place when keys are added before and after the cursor', async () => {
    const first = await kv().scan({ prefix, limit: 2 });
    await kv().put('scan:0', { value: 1 });
    await kv().put('scan:zz', { value: 1 });
    const rest = await kv().scan({ prefix, limit: 100, cursor: first.body.next_cursor });
    expect(rest.body.keys).toEqual([...sorted.slice(2, 4), 'scan:zz', ...sorted.slice(4)].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    await kv().del('scan:0');
    await kv().del('scan:zz');
  });

  it('gives a cursor that works after a key of 512 four-byte characters', async () => {
    // The cursor of such a key is 2731 characters long.
    const long = (last: string) => `long:${'😀'.repeat(506)}${last}`;
    await kv().put(long('a'), { value: 1 });
    await kv().put(long('b'), { value: 1 });
    const first = await kv().scan({ prefix: 'long:', limit: 1 });
    expect(first.status).toBe(200);
    expect(first.body.keys).toEqual([long('a')]);
    expect(first.body.next_cursor).toMatch(CURSOR);
    expect(first.body.next_cursor.length).toBeGreaterThan(2000);
    const second = await kv().scan({ prefix: 'long:', limit: 1, cursor: first.body.next_cursor });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ keys: [long('b')], next_cursor: null });
  });

  it('answers 400 for a cursor it did not issue', async () => {
    expectError(await kv().scan({ cursor: 'not+base64' }), 400, 'INVALID_REQUEST');
    expectError(await kv().scan({ cursor: 'Zm9vYg' + 'x' }), 400, 'INVALID_REQUEST');
  });

  it.each([0, 1001, 'ten'])('answers 400 for limit %j', async (limit) => {
    expectError(await kv().scan({ limit }), 400, 'INVALID_REQUEST');
  });
});

describe('batch', () => {
  it('runs ops in order with one result each, charging each op', async () => {
    const [k1, k2, k3] = [fresh(), fresh(), fresh()];
    await kv().put(k1, { value: { dark_mode: true } });
    await kv().put(k3, { value: 'old' });
    const res = await kv().batch([
      { op: 'get', key: k1 },
      { op: 'set', key: k2, value: { userId: 'u_456' }, ttl: 3600 },
      { op: 'get', key: k2 },
      { op: 'delete', key: k3 },
      { op: 'delete', key: k3 },
      { op: 'get', key: k3 },
      { op: 'set', key: k1, value: 'nope', if_not_exists: true },
    ]);
    expect(res.status).toBe(200);
    expect(res.headers['x-microtokens-used']).toBe(String(1 + 2 + 1 + 1 + 1 + 1 + 2));
    const expiresAt = res.body.results[1].expires_at;
    expect(expiresAt).toMatch(ISO_MS);
    expect(res.body.results).toEqual([
      { op: 'get', key: k1, status: 'ok', value: { dark_mode: true }, expires_at: null },
      { op: 'set', key: k2, status: 'ok', value: { userId: 'u_456' }, expires_at: expiresAt },
      { op: 'get', key: k2, status: 'ok', value: { userId: 'u_456' }, expires_at: expiresAt },
      { op: 'delete', key: k3, status: 'ok', value: null, expires_at: null },
      { op: 'delete', key: k3, status: 'not_found', value: null, expires_at: null },
      { op: 'get', key: k3, status: 'not_found', value: null, expires_at: null },
      { op: 'set', key: k1, status: 'conflict', value: null, expires_at: null },
    ]);
    expect((await kv().get(k1)).body.value).toEqual({ dark_mode: true });
  });

  it('answers 413 for a set over 256 KB and applies no op of the batch', async () => {
    const key = fresh();
    const res = await kv().batch([
      { op: 'set', key, value: 'small' },
      { op: 'set', key: fresh(), value: 'x'.repeat(262_144) },
    ]);
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expectError(await kv().get(key), 404, 'NOT_FOUND');
  });

  it.each<[string, object[]]>([
    ['101 ops', Array.from({ length: 101 }, (_, i) => ({ op: 'get', key: `k${i}` }))],
    ['an unknown op', [{ op: 'increment', key: 'k' }]],
    ['a set without value', [{ op: 'set', key: 'k' }]],
    ['a bad key', [{ op: 'get', key: 'a..b' }]],
  ])('answers 400 for %s', async (_name, ops) => {
    expectError(await kv().batch(ops), 400, 'INVALID_REQUEST');
  });

  it('an empty batch is a free no-op: 200 with no results and 0 μt', async () => {
    const res = await kv().batch([]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ results: [] });
    expect(res.headers['x-microtokens-used']).toBe('0');
  });

  it('accepts 100 ops', async () => {
    const res = await kv().batch(Array.from({ length: 100 }, (_, i) => ({ op: 'set', key: `batch100:${i}`, value: i })));
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(100);
    expect(res.headers['x-microtokens-used']).toBe('200');
  });
});

describe('isolation', () => {
  it('never shows one project\'s keys to another', async () => {
    const key = fresh('private');
    await kv(a.live).put(key, { value: 'a' });
    expectError(await kv(b.live).get(key), 404, 'NOT_FOUND');
    expect((await kv(b.live).scan({ prefix: 'private' })).body).toEqual({ keys: [], next_cursor: null });
    expectError(await kv(b.live).del(key), 404, 'NOT_FOUND');
    await kv(b.live).put(key, { value: 'b' });
    expect((await kv(a.live).get(key)).body.value).toBe('a');
    expect((await kv(b.live).get(key)).body.value).toBe('b');
  });

  it('gives test-mode tokens a separate sandbox', async () => {
    const key = fresh('mode');
    await kv(a.live).put(key, { value: 'live' });
    expectError(await kv(a.test).get(key), 404, 'NOT_FOUND');
    const put = await kv(a.test).put(key, { value: 'sandbox' });
    expect(put.status).toBe(200);
    expect(put.headers['x-microtokens-used']).toBe('0');
    expect((await kv(a.test).get(key)).body.value).toBe('sandbox');
    expect((await kv(a.live).get(key)).body.value).toBe('live');
  });

  it('lets a read-only token read but not write', async () => {
    const key = fresh();
    await kv(a.live).put(key, { value: 1 });
    expect((await kv(a.readOnly).get(key)).status).toBe(200);
    expectError(await kv(a.readOnly).put(key, { value: 2 }), 403, 'INSUFFICIENT_SCOPE');
    expectError(await kv(a.readOnly).batch([{ op: 'get', key }, { op: 'delete', key }]), 403, 'INSUFFICIENT_SCOPE');
  });

  it('removes every key of a deleted project, in both modes', async () => {
    const c = await newProject(app.app);
    await kv(c.live).put('doomed', { value: 1 });
    await kv(c.test).put('doomed', { value: 1 });
    const count = async () =>
      Number((await app.db.kysely.selectFrom('kv_entries').select((e) => e.fn.countAll().as('n')).where('project_id', '=', c.projectId).executeTakeFirstOrThrow()).n);
    expect(await count()).toBe(2);
    const res = await request(app.app).delete(`/core/organizations/${c.orgId}/projects/${c.projectId}`).set(bearer(c.session));
    expect(res.status).toBe(200);
    expect(await count()).toBe(0);
  });
});
