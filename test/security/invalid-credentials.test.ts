/**
 * Requests with invalid credentials are limited per client address (issue 13, item 14): after
 * `invalidPerMinute` answers of 401 (forged tokens, wrong passwords), that address gets 429
 * `RATE_LIMITED` with `Retry-After` — before its credential is even looked at — while another
 * address, and valid credentials from elsewhere, are served as usual.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectError, openApp, PASSWORD, signUp, type TestApp, uniqueEmail } from '../server/support/platform.ts';

const LIMIT = 5;
let t: TestApp;
beforeAll(async () => {
  t = await openApp({ rateLimit: { invalidPerMinute: LIMIT, authPerMinute: 1e6 } });
  // Tests name their client address with X-Forwarded-For.
  t.app.set('trust proxy', true);
});
afterAll(() => t.close());

const from = (ip: string) => ({ 'X-Forwarded-For': ip });

describe('invalid credentials, per client address', () => {
  it('300 forged tokens from one address: 401 until the limit, then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await request(t.app).get('/core/organizations').set(bearer(`sk_live_forged${i}`)).set(from('203.0.113.7'));
      statuses.push(res.status);
      if (res.status === 429) {
        expectError(res, 429, 'RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      }
    }
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(statuses.slice(LIMIT)).toEqual(Array(300 - LIMIT).fill(429));
  });

  it('a refused address is refused even with a valid credential; other addresses are not', async () => {
    const user = await signUp(t.app, 'limited');
    for (let i = 0; i < LIMIT; i++) await request(t.app).get('/api/auth/get-session').set(bearer('forged-session')).set(from('203.0.113.8'));
    expectError(await request(t.app).get('/api/auth/get-session').set(bearer(user.session)).set(from('203.0.113.8')), 429, 'RATE_LIMITED');
    expect((await request(t.app).get('/api/auth/get-session').set(bearer(user.session)).set(from('203.0.113.9'))).status).toBe(200);
  });

  it('wrong passwords count too', async () => {
    const email = uniqueEmail('guess');
    await request(t.app).post('/api/auth/sign-up/email').send({ email, password: PASSWORD, name: 'Guess' });
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      statuses.push((await request(t.app).post('/api/auth/sign-in/email').set(from('203.0.113.10')).send({ email: uniqueEmail('nobody'), password: `wrong-password-${i}` })).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
  });

  it('valid requests do not count, however many', async () => {
    const user = await signUp(t.app, 'busy');
    for (let i = 0; i < LIMIT * 2; i++) {
      expect((await request(t.app).get('/api/auth/get-session').set(bearer(user.session)).set(from('203.0.113.11'))).status).toBe(200);
    }
  });
});
