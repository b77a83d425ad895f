/**
 * Idempotency keys as an attacker and a flaky network use them, on SQLite and on PostgreSQL:
 * a repeat replays the first answer byte for byte and is not charged; the same key for another
 * request is a 422; a repeat while the first runs is a 409, and of many concurrent repeats exactly
 * one runs; keys of another organization, project or mode never collide; an answer holding a
 * secret is not readable in the database; expired and abandoned keys are taken anew.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBalance } from '../../server/billing/balance.ts';
import { fingerprintOf, keepsAnswer, scopeOf } from '../../server/idempotency/middleware.ts';
import { rowId } from '../../server/idempotency/seal.ts';
import { ABANDONED_AFTER_MS, idempotencyStore, KEY_TTL_MS } from '../../server/idempotency/store.ts';
import { bearer, createProject, createToken, expectError, openApp, signUp, type TestApp, type User } from '../server/support/platform.ts';

/** The price of the KV get that reads the counter back. */
const GET_PRICE = 1;
const PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `idem_${randomBytes(4).toString('hex')}`;
const withSchema = (url: string) => `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
const admin = new pg.Client({ connectionString: PG });

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
});
afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describe('which answers are kept', () => {
  it.each([
    [200, true], [201, true], [400, true], [404, true], [409, true], [413, true],
    [402, false], [429, false], [500, false], [503, false],
  ])('status %i kept: %s', (status, kept) => {
    expect(keepsAnswer(status)).toBe(kept);
  });
});

describe.each([
  ['SQLite', () => ':memory:'],
  ['PostgreSQL', () => withSchema(PG)],
])('on %s', (_store, dbUrl) => {
  let t: TestApp;
  let owner: User;
  let projectId: string;
  let live: string;

  beforeAll(async () => {
    t = await openApp({ dbUrl: dbUrl(), includedMicrotokens: 1e9, rateLimit: { livePerMinute: 1e9, testPerHour: 1e9, authPerMinute: 1e9 } });
    owner = await signUp(t.app, 'idem');
    projectId = await createProject(t.app, owner);
    live = (await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read', 'kv:write', 'tokens:write'], project_id: projectId })).secret;
  });
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await t.close();
  });

  const increment = (token: string, key: string | null, counter: string, by = 1) => {
    const req = request(t.app).post(`/infra/kv/${counter}/increment`).set(bearer(token));
    if (key !== null) req.set('Idempotency-Key', key);
    return req.send({ delta: by });
  };
  const value = async (token: string, counter: string) => {
    const res = await request(t.app).get(`/infra/kv/${counter}`).set(bearer(token));
    return res.status === 404 ? null : res.body.value;
  };
  const balance = async () => (await readBalance(t.db, owner.orgId, 1e9))!.includedRemaining;

  it('replays the first answer (status, body, headers) with Idempotent-Replayed, runs it once and charges it once', async () => {
    const key = randomUUID();
    const before = await balance();
    const first = await increment(live, key, 'replayed');
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const price = Number(first.headers['x-microtokens-used']);
    expect(price).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const again = await increment(live, key, 'replayed');
      expect(again.status).toBe(first.status);
      expect(again.text).toBe(first.text);
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers['x-microtokens-used']).toBe('0');
      expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    }
    expect(await value(live, 'replayed')).toBe(1);
    const spent = before - (await balance());
    // The GET above is charged too; the increments only once.
    expect(spent).toBe(price + GET_PRICE);
  });

  it('refuses the same key for a different body, path or operation with 422 IDEMPOTENCY_KEY_REUSED, and runs nothing', async () => {
    const key = randomUUID();
    expect((await increment(live, key, 'reused', 1)).status).toBe(200);
    expectError(await increment(live, key, 'reused', 2), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectError(await increment(live, key, 'reused-elsewhere', 1), 422, 'IDEMPOTENCY_KEY_REUSED');
    const other = await request(t.app).post('/infra/kv').set(bearer(live)).set('Idempotency-Key', key).send({ ops: [{ op: 'get', key: 'reused' }] });
    expectError(other, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(other.headers['x-microtokens-used']).toBeUndefined();
    expect(await value(live, 'reused')).toBe(1);
    expect(await value(live, 'reused-elsewhere')).toBeNull();
  });

  it('of 25 concurrent requests with one key, exactly one runs; the others replay it or get 409 IDEMPOTENCY_KEY_IN_USE', async () => {
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 25 }, () => increment(live, key, 'raced')));
    const ran = answers.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] === undefined);
    expect(ran).toHaveLength(1);
    for (const r of answers) {
      if (r.status === 409) {
        expectError(r, 409, 'IDEMPOTENCY_KEY_IN_USE');
        expect(r.headers['retry-after']).toBe('1');
      } else {
        expect(r.status).toBe(200);
        expect(r.body).toEqual(ran[0].body);
      }
    }
    expect(await value(live, 'raced')).toBe(1);
    // Afterwards every repeat is a replay.
    expect((await increment(live, key, 'raced')).headers['idempotent-replayed']).toBe('true');
  });

  it('answers 409 while the first request is still running (held by another instance)', async () => {
    const key = randomUUID();
    const req = request(t.app).post('/infra/kv/held/increment').set(bearer(live)).set('Idempotency-Key', key);
    // The first request, seen from the database: a running row for this scope, key and request.
    const auth = { orgId: owner.orgId, projectId, mode: 'live' as const, userId: null } as Parameters<typeof scopeOf>[0];
    const fingerprint = fingerprintOf({ operationId: 'incrementValue' } as never, { originalUrl: '/infra/kv/held/increment', body: { delta: 1 } } as never);
    expect(await idempotencyStore(t.db).claim(rowId(scopeOf(auth), key), fingerprint)).toEqual({ kind: 'run' });
    expectError(await req.send({ delta: 1 }), 409, 'IDEMPOTENCY_KEY_IN_USE');
    expect(await value(live, 'held')).toBeNull();
  });

  it('keeps keys apart per organization, project and mode', async () => {
    const key = randomUUID();
    const otherProject = await createProject(t.app, owner, 'Other');
    const sameOrg = (await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read', 'kv:write'], project_id: otherProject })).secret;
    const sandbox = (await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read', 'kv:write'], project_id: projectId, mode: 'test' })).secret;
    const stranger = await signUp(t.app, 'idem-stranger');
    const strangerProject = await createProject(t.app, stranger);
    const foreign = (await createToken(t.app, stranger.session, stranger.orgId, { scopes: ['kv:read', 'kv:write'], project_id: strangerProject })).secret;
    for (const token of [live, sameOrg, sandbox, foreign]) {
      const res = await increment(token, key, 'apart', 5);
      expect(res.status).toBe(200);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body.value).toBe(5);
    }
    // A second token of the same project shares the scope: it replays.
    const sibling = (await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read', 'kv:write'], project_id: projectId })).secret;
    expect((await increment(sibling, key, 'apart', 5)).headers['idempotent-replayed']).toBe('true');
  });

  it('replays a created API token, whose secret is not readable in the database', async () => {
    const key = randomUUID();
    const create = () =>
      request(t.app).post(`/core/organizations/${owner.orgId}/tokens`).set(bearer(owner.session)).set('Idempotency-Key', key).send({ name: 'once', scopes: ['kv:read'], project_id: projectId });
    const first = await create();
    expect(first.status).toBe(201);
    const again = await create();
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const list = await request(t.app).get(`/core/organizations/${owner.orgId}/tokens`).query({ limit: 100 }).set(bearer(owner.session));
    expect(list.body.tokens.filter((tok: { name: string }) => tok.name === 'once')).toHaveLength(1);
    const rows = await t.db.kysely.selectFrom('idempotency_key').selectAll().execute();
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(first.body.secret);
    expect(stored).not.toContain(first.body.secret.slice(8));
    expect(stored).not.toContain(key);
  });

  it('refuses a malformed key with 400 and runs nothing', async () => {
    for (const bad of ['has space', 'x'.repeat(256), 'naïve']) {
      const res = await increment(live, bad, 'malformed');
      expectError(res, 400, 'INVALID_REQUEST');
    }
    expect(await value(live, 'malformed')).toBeNull();
  });

  it('runs every request without a key', async () => {
    await increment(live, null, 'keyless');
    await increment(live, null, 'keyless');
    expect(await value(live, 'keyless')).toBe(2);
  });

  it('forgets a key after 24 hours, and takes over a request abandoned for 60 seconds', async () => {
    const store = idempotencyStore(t.db);
    const id = `test-${randomUUID()}`;
    const now = Date.now();
    expect(await store.claim(id, 'f', now)).toEqual({ kind: 'run' });
    expect(await store.claim(id, 'f', now + ABANDONED_AFTER_MS - 1)).toEqual({ kind: 'running' });
    expect(await store.claim(id, 'f', now + ABANDONED_AFTER_MS)).toEqual({ kind: 'run' });
    expect(await store.claim(id, 'f', now + ABANDONED_AFTER_MS)).toEqual({ kind: 'running' });
    await store.complete(id, 200, 'sealed');
    expect(await store.claim(id, 'f', now + KEY_TTL_MS - 1)).toEqual({ kind: 'done', status: 200, answer: 'sealed' });
    expect(await store.claim(id, 'g', now + KEY_TTL_MS - 1)).toEqual({ kind: 'mismatch' });
    expect(await store.claim(id, 'g', now + KEY_TTL_MS)).toEqual({ kind: 'run' });
    expect(await store.sweep(now + 2 * KEY_TTL_MS + 1)).toBeGreaterThanOrEqual(1);
  });
});
