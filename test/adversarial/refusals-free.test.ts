/**
 * Issue 13, item 16: a request refused before any work is never charged. A value over 256 KB in a
 * body under the 1 MB limit, an event over 64 KB, a forged scan cursor and an increment `delta`
 * past ±(2^53 − 1) were refused by the handler after the meter had charged them. Each refusal
 * kind (413, 415, 400, 401, 403, 409 on `delta`, 429) now leaves the balance unchanged and the
 * answer without `X-Microtokens-Used`; a 402 says `0`. On both stores (the balance is SQL on
 * SQLite or PostgreSQL; the rate-limit counters are in Redis with it).
 */
import request, { type Test } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBalance } from '../../server/billing/balance.ts';
import { bearer, createProject, createToken, expectError, signUp, type TestApp, type User } from '../server/support/platform.ts';
import { STORES } from './support/stores.ts';

const LIMIT_PER_MINUTE = 20;
const big = (bytes: number) => 'x'.repeat(bytes - 2); // a JSON string of exactly `bytes` bytes serialized

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  let owner: User;
  let live: string;
  let readOnly: string;
  let balance: () => Promise<number>;
  beforeAll(async () => {
    t = await store.open({ includedMicrotokens: 1_000_000, rateLimit: { livePerMinute: LIMIT_PER_MINUTE } });
    owner = await signUp(t.app, 'refusals');
    const projectId = await createProject(t.app, owner);
    live = (await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:*', 'channels:*'], project_id: projectId })).secret;
    readOnly = (await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId })).secret;
    // Read from the database: through the API the balance reads would spend the session's small rate budget.
    balance = async () => {
      const b = (await readBalance(t.db, owner.orgId, 1_000_000))!;
      return b.includedRemaining + b.topupBalance;
    };
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  const kv = (key: string) => `/infra/kv/${key}`;
  const refusals: [string, number, string, () => Test][] = [
    ['a value over 256 KB (body under 1 MB)', 413, 'PAYLOAD_TOO_LARGE', () => request(t.app).put(kv('a')).set(bearer(live)).send({ value: big(262_145) })],
    ['a batch set over 256 KB', 413, 'PAYLOAD_TOO_LARGE', () => request(t.app).post('/infra/kv').set(bearer(live)).send({ ops: [{ op: 'get', key: 'a' }, { op: 'set', key: 'b', value: big(300_000) }] })],
    ['an event over 64 KB', 413, 'PAYLOAD_TOO_LARGE', () => request(t.app).post('/infra/channels/c/publish').set(bearer(live)).send({ event: 'e', data: big(70_000) })],
    ['a body over 1 MB', 413, 'PAYLOAD_TOO_LARGE', () => request(t.app).put(kv('a')).set(bearer(live)).set('Content-Type', 'application/json').send(JSON.stringify({ value: big(1_100_000) }))],
    ['a body that is not JSON', 415, 'UNSUPPORTED_MEDIA_TYPE', () => request(t.app).put(kv('a')).set(bearer(live)).set('Content-Type', 'text/plain').send('value=1')],
    ['a body that breaks the document', 400, 'INVALID_REQUEST', () => request(t.app).put(kv('a')).set(bearer(live)).send({ value: 1, ttl: -5 })],
    ['a scan cursor this API did not issue', 400, 'INVALID_REQUEST', () => request(t.app).get('/infra/kv').query({ cursor: 'AB' }).set(bearer(live))],
    ['an increment delta past 2^53', 409, 'NOT_A_SAFE_INTEGER', () => request(t.app).post(kv('n/increment')).set(bearer(live)).send({ delta: 2 ** 60 })],
    ['a revoked or unknown token', 401, 'UNAUTHORIZED', () => request(t.app).get(kv('a')).set(bearer('sk_live_unknown'))],
    ['a missing scope', 403, 'INSUFFICIENT_SCOPE', () => request(t.app).put(kv('a')).set(bearer(readOnly)).send({ value: 1 })],
    ['a credential of the wrong kind', 403, 'FORBIDDEN', () => request(t.app).get(kv('a')).set(bearer(owner.session))],
  ];

  it.each(refusals)('%s: %i %s, nothing charged, no X-Microtokens-Used', async (_name, status, code, send) => {
    const before = await balance();
    const res = await send();
    expectError(res, status, code as never);
    expect(res.headers['x-microtokens-used']).toBeUndefined();
    expect(await balance()).toBe(before);
  });

  it('429: a rate-limited request is not charged', async () => {
    const token = (await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:*'], project_id: (await createProject(t.app, owner, 'rl')) })).secret;
    for (let i = 0; i < LIMIT_PER_MINUTE; i++) expect((await request(t.app).put(kv('r')).set(bearer(token)).send({ value: i })).status).toBe(200);
    const before = await balance();
    const res = await request(t.app).put(kv('r')).set(bearer(token)).send({ value: 'over' });
    expectError(res, 429, 'RATE_LIMITED');
    expect(res.headers['x-microtokens-used']).toBeUndefined();
    expect(await balance()).toBe(before);
  });

  it('the same requests made valid are charged their price (the refusals were not free by accident)', async () => {
    const before = await balance();
    const res = await request(t.app).put(kv('a')).set(bearer(live)).send({ value: big(262_144) });
    expect(res.status).toBe(200);
    expect(Number(res.headers['x-microtokens-used'])).toBe(2);
    expect(before - (await balance())).toBe(2);
  });
});
