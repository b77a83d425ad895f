/**
 * The platform on PostgreSQL (each run in a schema of its own): the quick start, unique
 * violations as 409s, atomic charges under concurrency, several instances sharing the signing
 * secret; and an outage of the database as clients see it: 503 SERVICE_UNAVAILABLE in the
 * envelope, then recovery without a restart.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../store/support/tcp-proxy.ts';
import { bearer, createProject, createToken, expectError, openApp, PASSWORD, signUp, type TestApp } from './support/platform.ts';

const BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `platform_${randomBytes(4).toString('hex')}`;
const withSchema = (url: string) => `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;

const admin = new pg.Client({ connectionString: BASE });
let proxy: TcpProxy;
const opened: TestApp[] = [];
const open = async (options: Parameters<typeof openApp>[0] = {}) => {
  const t = await openApp({ dbUrl: withSchema(BASE), ...options });
  opened.push(t);
  return t;
};

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const target = new URL(BASE);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
}, 30_000);
afterAll(async () => {
  for (const t of opened) await t.close().catch(() => undefined);
  await proxy.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}, 30_000);

describe('on PostgreSQL', () => {
  it('runs the platform: accounts, organizations, projects, tokens, KV, balance', async () => {
    const t = await open();
    const user = await signUp(t.app, 'pg');
    const signIn = await request(t.app).post('/api/auth/sign-in/email').send({ email: user.email, password: PASSWORD });
    expect(signIn.status).toBe(200);
    expectError(await request(t.app).post('/api/auth/sign-in/email').send({ email: user.email, password: 'wrong-password' }), 401, 'INVALID_CREDENTIALS');

    const slug = `pg-${randomBytes(3).toString('hex')}`;
    expect((await request(t.app).post('/core/organizations').set(bearer(user.session)).send({ name: 'A', slug })).status).toBe(201);
    expectError(await request(t.app).post('/core/organizations').set(bearer(user.session)).send({ name: 'B', slug }), 409, 'SLUG_TAKEN');

    const projectId = await createProject(t.app, user);
    const token = await createToken(t.app, user.session, user.orgId, { scopes: ['kv:*'], project_id: projectId, expires_at: '2099-01-01T00:00:00Z' });
    expect((await request(t.app).put('/infra/kv/hello').set(bearer(token.secret)).send({ value: 'world' })).status).toBe(200);
    const get = await request(t.app).get('/infra/kv/hello').set(bearer(token.secret));
    expect(get.body).toEqual({ key: 'hello', value: 'world', expires_at: null });
    const balance = await request(t.app).get('/core/tokens/balance').query({ org_id: user.orgId }).set(bearer(user.session));
    expect(balance.body).toEqual({ org_id: user.orgId, included_remaining: 4.999997, topup_balance: 0, total: 4.999997 });
    const listed = await request(t.app).get(`/core/organizations/${user.orgId}/tokens`).set(bearer(user.session));
    expect(listed.body.tokens[0]).toMatchObject({ id: token.id, expires_at: '2099-01-01T00:00:00.000Z', last_used_at: expect.any(String) });
    expect(t.logs).toEqual([]);
  }, 30_000);

  it('charges atomically across two instances on the same database', async () => {
    const [a, b] = [await open({ includedMicrotokens: 40 }), await open({ includedMicrotokens: 40 })];
    const user = await signUp(a.app, 'pg-charge');
    const projectId = await createProject(a.app, user);
    const token = await createToken(a.app, user.session, user.orgId, { scopes: ['kv:*'], project_id: projectId });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => request((i % 2 ? a : b).app).put(`/infra/kv/k${i}`).set(bearer(token.secret)).send({ value: i })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(20);
    expect(results.filter((r) => r.status === 402)).toHaveLength(10);
    expect(results.reduce((sum, r) => sum + Number(r.headers['x-microtokens-used']), 0)).toBe(40);
  }, 30_000);

  it('instances share the browser-token signing secret kept in the database', async () => {
    const [a, b] = [await open(), await open()];
    const user = await signUp(a.app, 'pg-bt');
    const projectId = await createProject(a.app, user);
    const token = await createToken(a.app, user.session, user.orgId, { scopes: ['kv:read'], project_id: projectId });
    const bt = (await request(a.app).post('/core/tokens/browser').set(bearer(token.secret)).send({})).body.token;
    expectError(await request(b.app).get('/infra/kv/missing').set(bearer(bt)), 404, 'NOT_FOUND');
  }, 30_000);
});

describe('a database outage', () => {
  it('answers 503 in the envelope while the database is unreachable, and recovers by itself', async () => {
    const t = await open({ dbUrl: withSchema(`postgres://postgres@127.0.0.1:${proxy.port}/${new URL(BASE).pathname.slice(1)}`) });
    const user = await signUp(t.app, 'pg-outage');
    const token = await createToken(t.app, user.session, user.orgId, { scopes: ['orgs:read'] });
    await proxy.down();
    try {
      for (const res of [
        await request(t.app).get(`/core/organizations/${user.orgId}`).set(bearer(token.secret)),
        await request(t.app).get(`/core/organizations/${user.orgId}`).set(bearer(user.session)),
        await request(t.app).post('/api/auth/sign-in/email').send({ email: user.email, password: PASSWORD }),
      ]) {
        expectError(res, 503, 'SERVICE_UNAVAILABLE');
      }
    } finally {
      await proxy.up();
    }
    expect((await request(t.app).get(`/core/organizations/${user.orgId}`).set(bearer(token.secret))).status).toBe(200);
    expect((await request(t.app).get(`/core/organizations/${user.orgId}`).set(bearer(user.session))).status).toBe(200);
    // Logged: each 503, and better-auth's own report of the failures it saw.
    expect(t.logs.filter((l) => l.message !== 'service unavailable' && !l.message.startsWith('better-auth: '))).toEqual([]);
  }, 30_000);
});
