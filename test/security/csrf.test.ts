/**
 * Cross-site request forgery (issue 13, item 19). A page on another site can make the browser
 * send the session cookie with a `text/plain` POST (no preflight): signing out, accepting an
 * invitation, and every other cookie-authenticated write must be refused unless `Origin` is the
 * server's own or a trusted one (`SAASIGNAL_TRUSTED_ORIGINS`). Bearer credentials are unaffected.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedOrigins } from '../../server/http/origins.ts';
import { bearer, expectError, openApp, signUp, type TestApp } from '../server/support/platform.ts';

let t: TestApp;
const env = { ...process.env };
beforeAll(async () => {
  process.env.SAASIGNAL_BASE_URL = 'https://api.example.com';
  process.env.SAASIGNAL_TRUSTED_ORIGINS = 'https://dashboard.example.com, not a url';
  t = await openApp();
});
afterAll(async () => {
  process.env.SAASIGNAL_BASE_URL = env.SAASIGNAL_BASE_URL;
  process.env.SAASIGNAL_TRUSTED_ORIGINS = env.SAASIGNAL_TRUSTED_ORIGINS;
  if (env.SAASIGNAL_BASE_URL === undefined) delete process.env.SAASIGNAL_BASE_URL;
  if (env.SAASIGNAL_TRUSTED_ORIGINS === undefined) delete process.env.SAASIGNAL_TRUSTED_ORIGINS;
  await t.close();
});


describe('trustedOrigins', () => {
  it.each([
    [{}, ['http://localhost:3000']],
    // Without SAASIGNAL_BASE_URL the server is its own origin on the port it listens on.
    [{ PORT: '3977' }, ['http://localhost:3977']],
    [{ PORT: '0' }, ['http://localhost:3000']],
    [{ PORT: '3977', SAASIGNAL_BASE_URL: 'https://api.example.com' }, ['https://api.example.com']],
    [{ SAASIGNAL_BASE_URL: 'https://api.example.com/base/' }, ['https://api.example.com']],
    [{ SAASIGNAL_BASE_URL: 'https://api.example.com', SAASIGNAL_TRUSTED_ORIGINS: 'https://a.example, https://api.example.com,,ftp://x, http://b.example:8080/' }, ['https://api.example.com', 'https://a.example', 'http://b.example:8080']],
  ])('%j -> %j', (given, want) => {
    expect(trustedOrigins(given)).toEqual(want);
  });
});

describe('a cookie-authenticated write', () => {
  it.each([
    ['another site', { Origin: 'https://evil.example' }],
    ['an opaque origin (sandboxed frame, file://)', { Origin: 'null' }],
    ['a sibling subdomain (Sec-Fetch-Site: same-site, no Origin)', { 'Sec-Fetch-Site': 'same-site' }],
    ['another site, told by Referer alone', { Referer: 'https://evil.example/page' }],
  ])('from %s is 403 CSRF_REJECTED and changes nothing', async (_name, headers) => {
    const user = await signUp(t.app, 'csrf');
    // Behind https (SAASIGNAL_BASE_URL) the cookie carries the __Secure- prefix.
    expect(user.cookie).toMatch(/^__Secure-better-auth\.session_token=/);
    const signOut = await request(t.app).post('/api/auth/sign-out').set('Cookie', user.cookie).set(headers).set('Content-Type', 'text/plain');
    expectError(signOut, 403, 'CSRF_REJECTED');
    const create = await request(t.app).post('/core/organizations').set('Cookie', user.cookie).set(headers).send({ name: 'Forged' });
    expectError(create, 403, 'CSRF_REJECTED');
    // The session still works, and no organization was made.
    const orgs = await request(t.app).get('/core/organizations').set(bearer(user.session));
    expect(orgs.body.organizations.map((o: { name: string }) => o.name)).not.toContain('Forged');
  });

  it.each([
    ['the server’s own origin (SAASIGNAL_BASE_URL)', { Origin: 'https://api.example.com' }],
    ['a trusted origin', { Origin: 'https://dashboard.example.com' }],
    ['the origin of the Host it was sent to', { Origin: 'http://127.0.0.1:3999', Host: '127.0.0.1:3999' }],
    ['a client that is not a browser (no Origin)', {}],
    ['a same-origin page without Origin (Sec-Fetch-Site: same-origin)', { 'Sec-Fetch-Site': 'same-origin' }],
  ])('from %s is accepted', async (_name, headers) => {
    const user = await signUp(t.app, 'csrf-ok');
    const res = await request(t.app).post('/api/auth/sign-out').set('Cookie', user.cookie).set(headers);
    expect(res.status).toBe(200);
  });

  it('accepting an invitation by cookie from another site is refused too', async () => {
    const user = await signUp(t.app, 'csrf-invite');
    const res = await request(t.app)
      .post('/core/invitations/inv_01JNXSC1D2E3F4G5H6J7K8M9NP/accept')
      .set('Cookie', user.cookie)
      .set('Origin', 'https://evil.example')
      .set('Content-Type', 'application/json')
      .send({ token: 'x' });
    expectError(res, 403, 'CSRF_REJECTED');
  });
});

describe('not affected', () => {
  it('reads by cookie from another site (GET), which change nothing', async () => {
    const user = await signUp(t.app, 'csrf-read');
    expect((await request(t.app).get('/api/auth/get-session').set('Cookie', user.cookie).set('Origin', 'https://evil.example')).status).toBe(200);
  });

  it('writes with a bearer token from any origin (a page can only send one it holds)', async () => {
    const user = await signUp(t.app, 'csrf-bearer');
    const res = await request(t.app).post('/api/auth/sign-out').set(bearer(user.session)).set('Cookie', user.cookie).set('Origin', 'https://evil.example');
    expect(res.status).toBe(200);
  });
});
