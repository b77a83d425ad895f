/**
 * Accounts: sign-up (user + default organization), sign-in, sign-out, get-session, by bearer
 * token and by cookie; one answer for a wrong password and an unknown email.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectError, openApp, PASSWORD, REQUEST_ID, signUp, type TestApp, uniqueEmail } from './support/platform.ts';

const USER_ID = /^usr_[0-9A-HJKMNP-TV-Z]{26}$/;
const ORG_ID = /^org_[0-9A-HJKMNP-TV-Z]{26}$/;

let t: TestApp;
beforeAll(async () => {
  t = await openApp();
});
afterAll(() => t.close());

describe('sign-up', () => {
  it('creates the user, a default organization it owns, and signs it in (token and cookie)', async () => {
    const email = uniqueEmail('signup');
    const res = await request(t.app).post('/api/auth/sign-up/email').send({ email, password: PASSWORD, name: 'Alice Doe' });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(REQUEST_ID);
    expect(res.body).toEqual({
      token: expect.any(String),
      user: { id: expect.stringMatching(USER_ID), email, name: 'Alice Doe', email_verified: false, created_at: expect.any(String) },
      default_org_id: expect.stringMatching(ORG_ID),
    });
    const cookie = ([] as string[]).concat(res.headers['set-cookie'])[0];
    expect(cookie).toMatch(/^better-auth\.session_token=[^;]+;.*HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);

    const orgs = await request(t.app).get('/core/organizations').set(bearer(res.body.token));
    expect(orgs.status).toBe(200);
    expect(orgs.body.organizations).toEqual([expect.objectContaining({ id: res.body.default_org_id, name: "Alice Doe's organization", owner_id: res.body.user.id })]);
    const scopes = await request(t.app).get(`/core/organizations/${res.body.default_org_id}/my-scopes`).set(bearer(res.body.token));
    expect(scopes.body).toEqual({ org_id: res.body.default_org_id, user_id: res.body.user.id, role: 'owner', scopes: ['*'], project_id: null });
  });

  it('refuses an email that already has an account (409 EMAIL_TAKEN)', async () => {
    const user = await signUp(t.app, 'dup');
    const res = await request(t.app).post('/api/auth/sign-up/email').send({ email: user.email, password: PASSWORD, name: 'Again' });
    expectError(res, 409, 'EMAIL_TAKEN');
  });

  it('concurrent sign-ups with one email: one account, every other answer 409 EMAIL_TAKEN', async () => {
    const email = uniqueEmail('race');
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => request(t.app).post('/api/auth/sign-up/email').send({ email, password: PASSWORD, name: 'Racer' })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expectError(a, 409, 'EMAIL_TAKEN');
  });

  it.each([
    ['a short password', { password: 'short' }, '/body/password'],
    ['a malformed email', { email: 'not-an-email' }, '/body/email'],
    ['a missing name', { name: undefined }, '/body/name'],
    ['an unknown field', { role: 'admin' }, '/body/role'],
  ])('refuses %s with 400 INVALID_REQUEST and field details', async (_name, change, path) => {
    const body = { email: uniqueEmail('bad'), password: PASSWORD, name: 'Bad', ...change };
    const res = await request(t.app).post('/api/auth/sign-up/email').send(body);
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining(path) })]));
  });
});

describe('sign-in', () => {
  it('answers a token, the user and the default organization, and sets the cookie', async () => {
    const user = await signUp(t.app, 'signin');
    const res = await request(t.app).post('/api/auth/sign-in/email').send({ email: user.email, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.any(String),
      user: expect.objectContaining({ id: user.userId, email: user.email }),
      default_org_id: user.orgId,
    });
    expect(res.body.token).not.toBe(user.session);
    expect(([] as string[]).concat(res.headers['set-cookie'])[0]).toMatch(/^better-auth\.session_token=/);
  });

  it('gives a wrong password and an unknown email the same 401 INVALID_CREDENTIALS', async () => {
    const user = await signUp(t.app, 'wrong');
    const wrong = await request(t.app).post('/api/auth/sign-in/email').send({ email: user.email, password: 'not-the-password' });
    const unknown = await request(t.app).post('/api/auth/sign-in/email').send({ email: uniqueEmail('nobody'), password: 'not-the-password' });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    expectError(unknown, 401, 'INVALID_CREDENTIALS');
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });
});

describe('sessions', () => {
  it('get-session works with the bearer token and with the cookie', async () => {
    const user = await signUp(t.app, 'session');
    for (const headers of [bearer(user.session), { Cookie: user.cookie }]) {
      const res = await request(t.app).get('/api/auth/get-session').set(headers);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        session: { id: expect.stringMatching(/^ses_/), expires_at: expect.any(String), created_at: expect.any(String) },
        user: expect.objectContaining({ id: user.userId, email: user.email }),
      });
    }
  });

  it('a platform call works with the cookie alone', async () => {
    const user = await signUp(t.app, 'cookie');
    const res = await request(t.app).get(`/core/organizations/${user.orgId}`).set('Cookie', user.cookie);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(user.orgId);
  });

  it('sign-out ends the session at once, clears the cookie, and the token is refused after', async () => {
    const user = await signUp(t.app, 'signout');
    const res = await request(t.app).post('/api/auth/sign-out').set(bearer(user.session));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect(([] as string[]).concat(res.headers['set-cookie'])).toEqual(expect.arrayContaining([expect.stringMatching(/^better-auth\.session_token=;.*Max-Age=0/)]));
    expectError(await request(t.app).get('/api/auth/get-session').set(bearer(user.session)), 401, 'UNAUTHORIZED');
    expectError(await request(t.app).get('/api/auth/get-session').set('Cookie', user.cookie), 401, 'UNAUTHORIZED');
    expectError(await request(t.app).get('/core/organizations').set(bearer(user.session)), 401, 'UNAUTHORIZED');
  });

  it('sign-out by cookie works too', async () => {
    const user = await signUp(t.app, 'signout-cookie');
    expect((await request(t.app).post('/api/auth/sign-out').set('Cookie', user.cookie)).status).toBe(200);
    expectError(await request(t.app).get('/api/auth/get-session').set(bearer(user.session)), 401, 'UNAUTHORIZED');
  });

  it.each([
    ['no credential', {}],
    ['a made-up token', bearer('not-a-session')],
    ['a made-up cookie', { Cookie: 'better-auth.session_token=forged.c2lnbmF0dXJl' }],
    ['a malformed Authorization header', { Authorization: 'Basic dXNlcjpwYXNz' }],
  ])('get-session with %s is 401 UNAUTHORIZED', async (_name, headers) => {
    expectError(await request(t.app).get('/api/auth/get-session').set(headers), 401, 'UNAUTHORIZED');
  });

  it('an API token is a valid credential of the wrong kind for session routes: 403', async () => {
    const user = await signUp(t.app, 'kind');
    const token = await request(t.app).post(`/core/organizations/${user.orgId}/tokens`).set(bearer(user.session)).send({ name: 'k', scopes: ['orgs:read'] });
    expectError(await request(t.app).get('/api/auth/get-session').set(bearer(token.body.secret)), 403, 'FORBIDDEN');
    expectError(await request(t.app).post('/api/auth/sign-out').set(bearer(token.body.secret)), 403, 'FORBIDDEN');
  });
});
