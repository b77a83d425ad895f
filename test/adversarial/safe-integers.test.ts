/**
 * Issue 13, item 15: increments past 2^53 were silently lost (200 with an unchanged value, since
 * 2^53 + 1 == 2^53 in a double). An increment whose `delta` or result lies outside
 * ±(2^53 − 1) is now refused with 409 `NOT_A_SAFE_INTEGER` and changes nothing. On both stores
 * (SQL on SQLite; Redis, whose Lua arithmetic is on doubles as well).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, signUp, type TestApp } from '../server/support/platform.ts';
import { STORES } from './support/stores.ts';

const MAX = Number.MAX_SAFE_INTEGER;

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await store.open({ includedMicrotokens: 1e9, rateLimit: { livePerMinute: 1e6 } });
    const owner = await signUp(t.app, 'safe-int');
    const projectId = await createProject(t.app, owner);
    token = (await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:*'], project_id: projectId })).secret;
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  let n = 0;
  const fresh = () => `counter-${n++}`;
  const put = (key: string, value: unknown) => request(t.app).put(`/infra/kv/${key}`).set(bearer(token)).send({ value });
  const incr = (key: string, delta: number) => request(t.app).post(`/infra/kv/${key}/increment`).set(bearer(token)).send({ delta });
  const value = async (key: string) => (await request(t.app).get(`/infra/kv/${key}`).set(bearer(token))).body.value;

  it('counts up to 2^53 − 1 exactly, then refuses the next increment instead of losing it', async () => {
    const key = fresh();
    expect((await put(key, MAX - 2)).status).toBe(200);
    expect((await incr(key, 1)).body.value).toBe(MAX - 1);
    expect((await incr(key, 1)).body.value).toBe(MAX);
    expectError(await incr(key, 1), 409, 'NOT_A_SAFE_INTEGER');
    expect(await value(key)).toBe(MAX);
  });

  it.each([
    ['below −(2^53 − 1)', -MAX, -1],
    ['a stored number already past 2^53', 2 ** 60, 1],
    ['a stored 1e300', 1e300, -1],
    ['a sum of two safe integers', MAX, MAX],
  ])('refuses a result %s and leaves the value', async (_name, start, delta) => {
    const key = fresh();
    expect((await put(key, start)).status).toBe(200);
    expectError(await incr(key, delta), 409, 'NOT_A_SAFE_INTEGER');
    expect(await value(key)).toBe(start);
  });

  it.each([2 ** 53, -(2 ** 53), 1e300])('refuses a delta of %d, for a new key too', async (delta) => {
    const key = fresh();
    expectError(await incr(key, delta), 409, 'NOT_A_SAFE_INTEGER');
    expect((await request(t.app).get(`/infra/kv/${key}`).set(bearer(token))).status).toBe(404);
  });
});
