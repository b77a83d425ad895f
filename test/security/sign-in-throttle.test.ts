/**
 * Per-account sign-in throttle and bounded password hashing (issue 13, item 11), on SQLite and
 * PostgreSQL (the counts live in the database, shared by instances):
 * - after N wrong passwords for one account within the window, every sign-in to it — the right
 *   password too — is 429 `SIGN_IN_LOCKED` with `Retry-After`, from any address and any instance;
 *   other accounts are untouched; after the window it opens again, and a success clears the count;
 * - concurrent hashing is bounded: beyond `concurrency + queue` sign-ins at once the answer is an
 *   immediate 503 `AUTH_BUSY`, and the API keeps answering meanwhile.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectError, openApp, PASSWORD, signUp, type TestApp } from '../server/support/platform.ts';

const PG = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';
const schema = `throttle_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG });
const FAILURES = 3;
const WINDOW_SECONDS = 3;

describe.each(['sqlite', 'postgres'] as const)('per-account throttle on %s', (store) => {
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    let dbUrl = ':memory:';
    if (store === 'postgres') {
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      dbUrl = `${PG}${PG.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    }
    const options = { dbUrl, signInThrottle: { failures: FAILURES, windowSeconds: WINDOW_SECONDS }, rateLimit: { authPerMinute: 1e6, invalidPerMinute: 1e6 } };
    one = await openApp(options);
    // A second instance on the same PostgreSQL database sees the same counts.
    two = store === 'postgres' ? await openApp(options) : one;
    for (const t of new Set([one, two])) t.app.set('trust proxy', true);
  }, 60_000);
  afterAll(async () => {
    for (const t of new Set([one, two])) await t?.close();
    if (store === 'postgres') {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });

  const signIn = (t: TestApp, email: string, password: string, ip: string) =>
    request(t.app).post('/api/auth/sign-in/email').set('X-Forwarded-For', ip).send({ email, password });

  it('locks the account after N failures, even for the right password, from every address and instance', async () => {
    const victim = await signUp(one.app, 'victim');
    const bystander = await signUp(one.app, 'bystander');
    for (let i = 0; i < FAILURES; i++) {
      // Spread over addresses: the per-address limits would not see it.
      expectError(await signIn(i % 2 ? two : one, victim.email, `wrong-guess-${i}`, `198.51.100.${i}`), 401, 'INVALID_CREDENTIALS');
    }
    const locked = await signIn(two, victim.email, PASSWORD, '198.51.100.99');
    expectError(locked, 429, 'SIGN_IN_LOCKED');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(locked.headers['set-cookie']).toBeUndefined();
    expectError(await signIn(one, victim.email.toUpperCase(), PASSWORD, '198.51.100.98'), 429, 'SIGN_IN_LOCKED');
    // Other accounts, and the victim's existing session, are untouched.
    expect((await signIn(one, bystander.email, PASSWORD, '198.51.100.0')).status).toBe(200);
    expect((await request(one.app).get('/api/auth/get-session').set(bearer(victim.session))).status).toBe(200);
    // After the window the right password works again.
    await new Promise((r) => setTimeout(r, (retryAfter + 0.3) * 1000));
    expect((await signIn(two, victim.email, PASSWORD, '198.51.100.97')).status).toBe(200);
  }, 60_000);

  it('a successful sign-in clears the count', async () => {
    const user = await signUp(one.app, 'clears');
    for (let i = 0; i < FAILURES - 1; i++) await signIn(one, user.email, `wrong-guess-${i}`, '198.51.100.50');
    expect((await signIn(one, user.email, PASSWORD, '198.51.100.50')).status).toBe(200);
    for (let i = 0; i < FAILURES - 1; i++) expectError(await signIn(one, user.email, `wrong-again-${i}`, '198.51.100.50'), 401, 'INVALID_CREDENTIALS');
    expect((await signIn(one, user.email, PASSWORD, '198.51.100.50')).status).toBe(200);
  }, 60_000);

  it('unknown emails lock the same way (the answer never tells whether an account exists)', async () => {
    const email = `nobody-${randomBytes(4).toString('hex')}@example.com`;
    for (let i = 0; i < FAILURES; i++) expectError(await signIn(one, email, `wrong-guess-${i}`, '198.51.100.60'), 401, 'INVALID_CREDENTIALS');
    expectError(await signIn(one, email, 'any-password-1', '198.51.100.61'), 429, 'SIGN_IN_LOCKED');
  }, 60_000);
});

describe('bounded password hashing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openApp({ passwordHashing: { concurrency: 1, queue: 2 }, rateLimit: { authPerMinute: 1e6, invalidPerMinute: 1e6 } });
    await t.warmUp();
  });
  afterAll(() => t.close());

  it('beyond concurrency + queue, sign-ins are 503 AUTH_BUSY at once, and the API keeps answering', async () => {
    const user = await signUp(t.app, 'busy');
    const burst = Array.from({ length: 12 }, () => request(t.app).post('/api/auth/sign-in/email').send({ email: user.email, password: PASSWORD }));
    // While the burst hashes, an ordinary request is served.
    const started = performance.now();
    const during = await request(t.app).get('/api/auth/get-session').set(bearer(user.session));
    const duringMs = performance.now() - started;
    const answers = await Promise.all(burst);
    expect(during.status).toBe(200);
    const statuses = answers.map((a) => a.status);
    // One hashing, two waiting; the other nine refused without hashing.
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 503)).toHaveLength(9);
    for (const a of answers.filter((x) => x.status === 503)) {
      expectError(a, 503, 'AUTH_BUSY');
      expect(a.headers['retry-after']).toBe('1');
    }
    expect(duringMs).toBeLessThan(5000);
  }, 60_000);
});
