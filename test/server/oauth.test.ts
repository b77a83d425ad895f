/**
 * OAuth for the CLI, the happy paths: metadata, code + PKCE → tokens → API calls within the
 * narrowed scopes (403 with a clear message beyond them), rotating refresh, the device flow, and
 * revocation from the Dashboard's API ending access on the next call.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, expectError, openApp, signUp, type TestApp, type User } from './support/platform.ts';
import { approve, CLIENT_ID, exchangeCode, expectOAuthError, form, login, pkce, REDIRECT, refresh } from './support/oauth.ts';

let t: TestApp;
let owner: User;
let project: string;
beforeAll(async () => {
  t = await openApp({ oauth: { deviceInterval: 1 } });
  owner = await signUp(t.app, 'oauth-owner');
  project = await createProject(t.app, owner);
});
afterAll(() => t.close());

describe('metadata', () => {
  it('is RFC 8414 metadata on this server', async () => {
    const res = await request(t.app).get('/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    const base = res.body.issuer as string;
    expect(res.body).toMatchObject({
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      device_authorization_endpoint: `${base}/oauth/device/code`,
      revocation_endpoint: `${base}/oauth/revoke`,
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    });
    expect(res.body.scopes_supported).toContain('kv:read');
  });
});

describe('authorization code with PKCE', () => {
  it('checks the request for the consent page', async () => {
    const { challenge } = pkce();
    const res = await request(t.app)
      .get('/core/oauth/authorization')
      .query({ response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT, scope: 'kv:read kv:write', state: 's', code_challenge: challenge, code_challenge_method: 'S256' })
      .set(bearer(owner.session));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ client: { client_id: CLIENT_ID, name: 'SaaSignal CLI' }, redirect_uri: REDIRECT, scopes: ['kv:read', 'kv:write'] });
  });

  it('gives a scoped, expiring token bound to the chosen project: allowed calls work, an ungranted scope is a 403 that names it', async () => {
    const { verifier, challenge } = pkce();
    const { code, state } = await approve(t.app, owner, { code_challenge: challenge, state: 'xyz' }, { project_id: project, scopes: ['kv:read'] });
    expect(state).toBe('xyz');
    const res = await exchangeCode(t.app, code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.stringMatching(/^oat_/),
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: expect.stringMatching(/^ort_/),
      scope: 'kv:read',
      org_id: owner.orgId,
      project_id: project,
    });
    // Stored hashed: the database holds neither secret.
    const stored = await t.db.kysely.selectFrom('oauth_token').select('hash').execute();
    expect(stored.map((r) => r.hash)).not.toContain(res.body.access_token);

    const token = res.body.access_token;
    await request(t.app).put('/infra/kv/cli').set(bearer((await login(t.app, owner, { project_id: project })).access_token)).send({ value: 'v' }).expect(200);
    const got = await request(t.app).get('/infra/kv/cli').set(bearer(token));
    expect(got.status).toBe(200);
    expect(got.body.value).toBe('v');
    const refused = await request(t.app).put('/infra/kv/cli').set(bearer(token)).send({ value: 'w' });
    expectError(refused, 403, 'INSUFFICIENT_SCOPE');
    expect(refused.body.error.message).toContain('"kv:write"');
  });

  it('refreshes with rotation: a new pair each time, the new access token works', async () => {
    const first = await login(t.app, owner, { project_id: project });
    const second = await refresh(t.app, first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await request(t.app).get('/infra/kv/cli').set(bearer(second.body.access_token))).status).toBe(200);
    const narrowed = await refresh(t.app, second.body.refresh_token, 'kv:read');
    expect(narrowed.body.scope).toBe('kv:read');
    expectError(await request(t.app).put('/infra/kv/cli').set(bearer(narrowed.body.access_token)).send({ value: 1 }), 403, 'INSUFFICIENT_SCOPE');
  });

  it('answers Deny with access_denied and the state', async () => {
    const { challenge } = pkce();
    const res = await request(t.app)
      .post('/core/oauth/authorization')
      .query({ response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT, scope: 'kv:read', state: 'abc', code_challenge: challenge, code_challenge_method: 'S256' })
      .set(bearer(owner.session))
      .send({ decision: 'deny' });
    expect(res.status).toBe(200);
    const url = new URL(res.body.redirect_to);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe('abc');
    expect(url.searchParams.get('code')).toBeNull();
  });
});

describe('device authorization', () => {
  it('pending, slow_down, then the tokens once the user approves the typed code', async () => {
    const start = await form(t.app, '/oauth/device/code', { client_id: CLIENT_ID, scope: 'kv:read kv:write' });
    expect(start.status).toBe(200);
    expect(start.body.user_code).toMatch(/^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/);
    expect(start.body.verification_uri).toMatch(/\/oauth\/device$/);
    const poll = () => form(t.app, '/oauth/token', { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: CLIENT_ID, device_code: start.body.device_code });
    expectOAuthError(await poll(), 400, 'authorization_pending');
    expectOAuthError(await poll(), 400, 'slow_down');

    const typed = start.body.user_code.toLowerCase().replace('-', '');
    const shown = await request(t.app).get('/core/oauth/device').query({ user_code: typed }).set(bearer(owner.session));
    expect(shown.status).toBe(200);
    expect(shown.body.scopes).toEqual(['kv:read', 'kv:write']);
    const decided = await request(t.app).post('/core/oauth/device').set(bearer(owner.session)).send({ user_code: typed, decision: 'approve', org_id: owner.orgId, project_id: project, scopes: ['kv:read'] });
    expect(decided.status).toBe(200);

    await new Promise((r) => setTimeout(r, 6100)); // interval 1 s + 5 s from slow_down
    const tokens = await poll();
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body.scope).toBe('kv:read');
    expect((await request(t.app).get('/infra/kv/cli').set(bearer(tokens.body.access_token))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 6100));
    expectOAuthError(await poll(), 400, 'invalid_grant');
  }, 20_000);

  it('answers access_denied once the user denies', async () => {
    const start = await form(t.app, '/oauth/device/code', { client_id: CLIENT_ID, scope: 'kv:read' });
    await request(t.app).post('/core/oauth/device').set(bearer(owner.session)).send({ user_code: start.body.user_code, decision: 'deny' }).expect(200);
    const res = await form(t.app, '/oauth/token', { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: CLIENT_ID, device_code: start.body.device_code });
    expectOAuthError(res, 400, 'access_denied');
  });
});

describe('CLI sessions', () => {
  it('are listed, and revoking one from the Dashboard ends its access token and refresh token on the next call', async () => {
    const tokens = await login(t.app, owner, { project_id: project });
    expect((await request(t.app).get('/infra/kv/cli').set(bearer(tokens.access_token))).status).toBe(200);
    const listed = await request(t.app).get('/core/oauth/grants').set(bearer(owner.session));
    expect(listed.status).toBe(200);
    const grant = listed.body.grants.find((g: { scopes: string[]; project_id: string }) => g.project_id === project);
    expect(grant).toMatchObject({ client: { client_id: CLIENT_ID }, org_id: owner.orgId, user_id: owner.userId });
    // The newest is first: the one just made.
    const id = listed.body.grants[0].id;
    expect((await request(t.app).delete(`/core/oauth/grants/${id}`).set(bearer(owner.session))).status).toBe(200);
    const after = await request(t.app).get('/infra/kv/cli').set(bearer(tokens.access_token));
    expectError(after, 401, 'UNAUTHORIZED');
    expect(after.body.error.message).toMatch(/revoked/);
    expectOAuthError(await refresh(t.app, tokens.refresh_token), 400, 'invalid_grant');
    expectError(await request(t.app).delete(`/core/oauth/grants/${id}`).set(bearer(owner.session)), 404, 'NOT_FOUND');
  });

  it('RFC 7009 revocation by the CLI ends the session', async () => {
    const tokens = await login(t.app, owner, { project_id: project });
    const res = await form(t.app, '/oauth/revoke', { token: tokens.refresh_token, client_id: CLIENT_ID });
    expect(res.status).toBe(200);
    expectError(await request(t.app).get('/infra/kv/cli').set(bearer(tokens.access_token)), 401, 'UNAUTHORIZED');
    expect((await form(t.app, '/oauth/revoke', { token: 'oat_unknown' })).status).toBe(200);
  });
});
