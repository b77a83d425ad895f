/**
 * Issue 13, item 4: response amplification. A batch of 100 gets of one 256 KB value built a 25 MB
 * answer for 100 μt. The values one batch answer returns now add up to at most 1 MB (a get past
 * that answers `omitted`, its value left in the store), a scan page ends at 1 MB of keys, and a
 * read of a large value is charged by its size (`x-price-microtokens-per-64kb` per further
 * started 64 KB), in `X-Microtokens-Used` like the rest. On both stores.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBalance } from '../../server/billing/balance.ts';
import { operationsById } from '../../server/spec.ts';
import { bearer, createProject, createToken, expectError, signUp, type TestApp, type User } from '../server/support/platform.ts';
import { STORES } from './support/stores.ts';

const KB = 1024;
const MB = 1024 * KB;
/** A JSON string of exactly `bytes` bytes serialized. */
const sized = (bytes: number) => 'x'.repeat(bytes - 2);
const used = (res: { headers: Record<string, string> }) => Number(res.headers['x-microtokens-used']);
const per64KB = (op: string) => operationsById.get(op as never)!.pricePer64KB!;

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  let owner: User;
  let token: string;
  let project = 0;
  const spent = async (run: () => Promise<void>) => {
    const total = async () => {
      const b = (await readBalance(t.db, owner.orgId, 1e9))!;
      return b.includedRemaining + b.topupBalance;
    };
    const before = await total();
    await run();
    return before - (await total());
  };
  const fresh = async () => (await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:*'], project_id: await createProject(t.app, owner, `p${project++}`) })).secret;
  beforeAll(async () => {
    t = await store.open({ includedMicrotokens: 1e9, rateLimit: { livePerMinute: 1e6 } });
    owner = await signUp(t.app, 'bounds');
    token = await fresh();
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  const put = (key: string, value: unknown, credential = token) => request(t.app).put(`/infra/kv/${key}`).set(bearer(credential)).send({ value });

  it('100 gets of one 256 KB value: at most 1 MB of values, the rest omitted, charged for what was returned', async () => {
    expect((await put('big', sized(256 * KB))).status).toBe(200);
    let res!: request.Response;
    const cost = await spent(async () => {
      res = await request(t.app)
        .post('/infra/kv')
        .set(bearer(token))
        .send({ ops: Array.from({ length: 100 }, () => ({ op: 'get', key: 'big' })) });
    });
    expect(res.status).toBe(200);
    // 4 values of exactly 256 KB fill the 1 MB; the 25 MB answer is gone.
    expect(Number(res.headers['content-length'])).toBeLessThan(MB + 32 * KB);
    const statuses = res.body.results.map((r: { status: string }) => r.status);
    expect(statuses.filter((s: string) => s === 'ok')).toHaveLength(4);
    expect(statuses.slice(4)).toEqual(Array(96).fill('omitted'));
    expect(res.body.results[4]).toEqual({ op: 'get', key: 'big', status: 'omitted', value: null, expires_at: null });
    // 1 μt per get, plus 3 × 64 KB past the first for each of the 4 values returned.
    expect(used(res)).toBe(100 + 4 * 3 * per64KB('batchOperations'));
    expect(cost).toBe(used(res));
  });

  it('the bound counts only what is returned: small values after an omitted one still come back, writes still run', async () => {
    expect((await put('big', sized(256 * KB))).status).toBe(200);
    expect((await put('small', { a: 1 })).status).toBe(200);
    const res = await request(t.app)
      .post('/infra/kv')
      .set(bearer(token))
      .send({
        ops: [
          { op: 'get', key: 'small' },
          // With the small value's 7 bytes in, the 4th of these no longer fits the 1 MB.
          ...Array.from({ length: 4 }, () => ({ op: 'get', key: 'big' })),
          { op: 'get', key: 'small' },
          { op: 'set', key: 'written', value: 1 },
          { op: 'get', key: 'missing' },
        ],
      });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'omitted', 'ok', 'ok', 'not_found']);
    expect(res.body.results[0].value).toEqual({ a: 1 });
    expect(res.body.results[5].value).toEqual({ a: 1 });
    expect((await request(t.app).get('/infra/kv/written').set(bearer(token))).body.value).toBe(1);
  });

  it.each([
    ['64 KB', 0, 64 * KB],
    ['64 KB + 1 byte', 1, 64 * KB + 1],
    ['128 KB', 1, 128 * KB],
    ['256 KB', 3, 256 * KB],
  ])('a get of a %s value costs the call and %i × the price per 64 KB', async (_name, blocks, bytes) => {
    expect((await put('sized', sized(bytes))).status).toBe(200);
    let res!: request.Response;
    const cost = await spent(async () => {
      res = await request(t.app).get('/infra/kv/sized').set(bearer(token));
    });
    expect(res.status).toBe(200);
    expect(used(res)).toBe(operationsById.get('getValue')!.price! + blocks * per64KB('getValue'));
    expect(cost).toBe(used(res));
  });

  it('a value whose size the balance cannot pay for is not sent: 402, only the call charged', async () => {
    const poor = await store.open({ includedMicrotokens: 3, rateLimit: { livePerMinute: 1e6 } });
    const user = await signUp(poor.app, 'poor');
    const key = (await createToken(poor.app, user.session, user.orgId, { scopes: ['kv:*'], project_id: await createProject(poor.app, user) })).secret;
    // The set costs 2 of the 3 μt; the get's call takes the last one, and its 3 μt of size cannot be paid.
    expect((await request(poor.app).put('/infra/kv/big').set(bearer(key)).send({ value: sized(256 * KB) })).status).toBe(200);
    const get = await request(poor.app).get('/infra/kv/big').set(bearer(key));
    expectError(get, 402, 'INSUFFICIENT_TOKENS');
    expect(get.body.value).toBeUndefined();
    expect(used(get)).toBe(1);
    expect(await readBalance(poor.db, user.orgId, 3)).toEqual({ includedRemaining: 0, topupBalance: 0 });
    expect(poor.logs).toEqual([]);
  });

  it('a batch get whose size cannot be paid is omitted, the rest of the batch still answered', async () => {
    const poor = await store.open({ includedMicrotokens: 6, rateLimit: { livePerMinute: 1e6 } });
    const user = await signUp(poor.app, 'poor-batch');
    const key = (await createToken(poor.app, user.session, user.orgId, { scopes: ['kv:*'], project_id: await createProject(poor.app, user) })).secret;
    expect((await request(poor.app).put('/infra/kv/big').set(bearer(key)).send({ value: sized(256 * KB) })).status).toBe(200);
    expect((await request(poor.app).put('/infra/kv/small').set(bearer(key)).send({ value: 'v' })).status).toBe(200);
    // 2 μt left: the two calls take them; the big value's 3 μt of size cannot be paid.
    const res = await request(poor.app).post('/infra/kv').set(bearer(key)).send({ ops: [{ op: 'get', key: 'big' }, { op: 'get', key: 'small' }] });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['omitted', 'ok']);
    expect(used(res)).toBe(2);
    expect(poor.logs).toEqual([]);
  });

  it('a scan page ends at 1 MB of keys, and its cursor continues without a gap', async () => {
    const scanner = await fresh();
    // 1000 keys of 512 three-byte characters: 1.5 MB of key text, more than one answer may carry.
    const keys = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(4, '0')}${'中'.repeat(508)}`);
    for (let i = 0; i < keys.length; i += 100) {
      const ops = keys.slice(i, i + 100).map((key) => ({ op: 'set', key, value: 1 }));
      expect((await request(t.app).post('/infra/kv').set(bearer(scanner)).send({ ops })).status).toBe(200);
    }
    const first = await request(t.app).get('/infra/kv').query({ limit: 1000 }).set(bearer(scanner));
    expect(first.status).toBe(200);
    const bytes = first.body.keys.reduce((sum: number, k: string) => sum + Buffer.byteLength(k), 0);
    expect(bytes).toBeLessThanOrEqual(MB);
    expect(first.body.keys.length).toBeLessThan(1000);
    expect(first.body.next_cursor).not.toBeNull();
    const second = await request(t.app).get('/infra/kv').query({ limit: 1000, cursor: first.body.next_cursor }).set(bearer(scanner));
    expect([...first.body.keys, ...second.body.keys]).toEqual(keys);
    expect(second.body.next_cursor).toBeNull();
  }, 120_000);
});
