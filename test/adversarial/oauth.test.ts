/**
 * Issue 12: what the OAuth server refuses, each in a test of its own, on both stores — a PKCE
 * mismatch, a reused code (which also revokes what its first use issued), a redirect to another
 * host or an unregistered path, an expired code, a refresh token used twice (which revokes the
 * whole session) — and the rules every credential follows applied to OAuth tokens: a removed
 * member's logins stop, a narrowed member narrows them, a revoked login ends its open event stream.
 */
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, expectError, inviteToken, signUp, type TestApp, type User } from '../server/support/platform.ts';
import { approve, authorizationQuery, CLIENT_ID, exchangeCode, expectOAuthError, form, login, pkce, REDIRECT, refresh } from '../server/support/oauth.ts';
import { openStream } from '../support/sse-client.ts';
import { STORES } from './support/stores.ts';

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  let owner: User;
  let project: string;
  beforeAll(async () => {
    t = await store.open({ oauth: { codeTtl: 1 }, rateLimit: { livePerMinute: 1e6, authPerMinute: 1e6 }, includedMicrotokens: 1e9 });
    owner = await signUp(t.app, 'oauth-adv');
    project = await createProject(t.app, owner);
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  const kvGet = (token: string) => request(t.app).get('/infra/kv/missing').set(bearer(token));
  const consent = (query: Record<string, string>) => request(t.app).get('/core/oauth/authorization').query(query).set(bearer(owner.session));

  it('refuses a PKCE mismatch (invalid_grant), and the code is spent by the attempt', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await approve(t.app, owner, { code_challenge: challenge }, { project_id: project });
    expectOAuthError(await exchangeCode(t.app, code, pkce().verifier), 400, 'invalid_grant');
    expectOAuthError(await exchangeCode(t.app, code, verifier), 400, 'invalid_grant');
  });

  it('refuses a reused code, and revokes the session its first use started', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await approve(t.app, owner, { code_challenge: challenge }, { project_id: project });
    const first = await exchangeCode(t.app, code, verifier);
    expect(first.status).toBe(200);
    expect((await kvGet(first.body.access_token)).status).toBe(404);
    const again = await exchangeCode(t.app, code, verifier);
    expectOAuthError(again, 400, 'invalid_grant');
    expect(again.body.error_description).toMatch(/already used/);
    expectError(await kvGet(first.body.access_token), 401, 'UNAUTHORIZED');
    expectOAuthError(await refresh(t.app, first.body.refresh_token), 400, 'invalid_grant');
  });

  it.each([
    ['another host', 'http://evil.example:53682/callback'],
    ['localhost (a name, not a loopback address)', 'http://localhost:53682/callback'],
    ['https on a loopback address', 'https://127.0.0.1:53682/callback'],
    ['user information', 'http://user@127.0.0.1:53682/callback'],
  ])('refuses a redirect to %s before any code is made', async (_what, redirect) => {
    const { challenge } = pkce();
    const query = authorizationQuery({ code_challenge: challenge, redirect_uri: redirect });
    expectError(await consent(query), 400, 'INVALID_REQUEST');
    const decided = await request(t.app).post('/core/oauth/authorization').query(query).set(bearer(owner.session)).send({ decision: 'approve', org_id: owner.orgId, project_id: project });
    expectError(decided, 400, 'INVALID_REQUEST');
    const denied = await request(t.app).post('/core/oauth/authorization').query(query).set(bearer(owner.session)).send({ decision: 'deny' });
    expectError(denied, 400, 'INVALID_REQUEST');
  });

  it.each([
    ['another path', 'http://127.0.0.1:53682/elsewhere'],
    ['a path below /callback', 'http://127.0.0.1:53682/callback/x'],
    ['a query', 'http://127.0.0.1:53682/callback?next=http://evil.example'],
  ])('refuses a redirect to an unregistered path: %s', async (_what, redirect) => {
    const { challenge } = pkce();
    const res = await consent(authorizationQuery({ code_challenge: challenge, redirect_uri: redirect }));
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.error.message).toMatch(/redirect_uri/);
  });

  it('accepts any port on 127.0.0.1 and [::1], and refuses a token request whose redirect_uri differs from the authorization request', async () => {
    for (const redirect of ['http://127.0.0.1:1/callback', 'http://[::1]:65535/callback', 'http://127.0.0.1/callback']) {
      expect((await consent(authorizationQuery({ code_challenge: pkce().challenge, redirect_uri: redirect }))).status).toBe(200);
    }
    const { verifier, challenge } = pkce();
    const { code } = await approve(t.app, owner, { code_challenge: challenge, redirect_uri: 'http://127.0.0.1:4000/callback' }, { project_id: project });
    expectOAuthError(await exchangeCode(t.app, code, verifier, 'http://127.0.0.1:4001/callback'), 400, 'invalid_grant');
  });

  it('refuses an expired code', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await approve(t.app, owner, { code_challenge: challenge }, { project_id: project });
    await new Promise((r) => setTimeout(r, 1100));
    const res = await exchangeCode(t.app, code, verifier);
    expectOAuthError(res, 400, 'invalid_grant');
    expect(res.body.error_description).toMatch(/expired/);
  });

  it('refuses a refresh token used twice, and revokes the whole session (every token of it)', async () => {
    const tokens = await login(t.app, owner, { project_id: project });
    const rotated = await refresh(t.app, tokens.refresh_token);
    expect(rotated.status).toBe(200);
    const replay = await refresh(t.app, tokens.refresh_token);
    expectOAuthError(replay, 400, 'invalid_grant');
    expect(replay.body.error_description).toMatch(/whole session is revoked/);
    expectError(await kvGet(rotated.body.access_token), 401, 'UNAUTHORIZED');
    expectError(await kvGet(tokens.access_token), 401, 'UNAUTHORIZED');
    expectOAuthError(await refresh(t.app, rotated.body.refresh_token), 400, 'invalid_grant');
  });

  it('refuses plain PKCE, a missing challenge, an unknown client and an unknown scope', async () => {
    const { challenge } = pkce();
    expectError(await consent(authorizationQuery({ code_challenge: challenge, code_challenge_method: 'plain' })), 400, 'INVALID_REQUEST');
    expectError(await consent(authorizationQuery({ code_challenge: 'short' })), 400, 'INVALID_REQUEST');
    expectError(await consent(authorizationQuery({ code_challenge: challenge, client_id: 'someone-else' })), 400, 'INVALID_REQUEST');
    expectError(await consent(authorizationQuery({ code_challenge: challenge, scope: 'kv:read root' })), 400, 'INVALID_REQUEST');
    expectOAuthError(await form(t.app, '/oauth/token', { grant_type: 'authorization_code', client_id: 'someone-else', code: 'x', code_verifier: 'y', redirect_uri: REDIRECT }), 401, 'invalid_client');
    expectOAuthError(await form(t.app, '/oauth/token', { grant_type: 'password', client_id: CLIENT_ID }), 400, 'unsupported_grant_type');
    expectOAuthError(await form(t.app, '/oauth/token', { client_id: CLIENT_ID }), 400, 'invalid_request');
  });

  it('grants no more than the member holds, nor anything the client did not ask for', async () => {
    const { challenge } = pkce();
    const q = authorizationQuery({ code_challenge: challenge, scope: 'kv:read' });
    const res = await request(t.app).post('/core/oauth/authorization').query(q).set(bearer(owner.session)).send({ decision: 'approve', org_id: owner.orgId, project_id: project, scopes: ['kv:write'] });
    expectError(res, 400, 'INVALID_REQUEST');
    const stranger = await signUp(t.app, 'oauth-stranger');
    const theirs = await request(t.app).post('/core/oauth/authorization').query(q).set(bearer(stranger.session)).send({ decision: 'approve', org_id: owner.orgId, project_id: project });
    expectError(theirs, 404, 'NOT_FOUND');
  });

  describe('a member', () => {
    let member: User;
    beforeAll(async () => {
      member = await signUp(t.app, 'oauth-member');
      const inv = await request(t.app).post(`/core/organizations/${owner.orgId}/members/invite`).set(bearer(owner.session)).send({ email: member.email, scopes: ['kv:read', 'kv:write'] });
      await request(t.app).post(`/core/invitations/${inv.body.id}/accept`).set(bearer(member.session)).send({ token: inviteToken(inv.body) }).expect(200);
      member.orgId = owner.orgId;
    });

    it("acts with at most the member's current scopes, and not at all once removed (offboarding)", async () => {
      const tokens = await login(t.app, member, { project_id: project });
      await request(t.app).put('/infra/kv/m').set(bearer(tokens.access_token)).send({ value: 1 }).expect(200);
      await request(t.app).put(`/core/organizations/${owner.orgId}/members/${member.userId}/scopes`).set(bearer(owner.session)).send({ scopes: ['kv:read'] }).expect(200);
      expectError(await request(t.app).put('/infra/kv/m').set(bearer(tokens.access_token)).send({ value: 2 }), 403, 'INSUFFICIENT_SCOPE');
      expect((await request(t.app).get('/infra/kv/m').set(bearer(tokens.access_token))).status).toBe(200);
      await request(t.app).delete(`/core/organizations/${owner.orgId}/members/${member.userId}`).set(bearer(owner.session)).expect(200);
      expectError(await request(t.app).get('/infra/kv/m').set(bearer(tokens.access_token)), 401, 'UNAUTHORIZED');
      expectOAuthError(await refresh(t.app, tokens.refresh_token), 400, 'invalid_grant');
      expect((await request(t.app).get('/core/oauth/grants').set(bearer(member.session))).body.grants).toEqual([]);
    });
  });

  it('an OAuth token is not a session: it cannot list or revoke CLI sessions, nor approve another login', async () => {
    const tokens = await login(t.app, owner, { project_id: project });
    expectError(await request(t.app).get('/core/oauth/grants').set(bearer(tokens.access_token)), 403, 'FORBIDDEN');
    expectError(await request(t.app).get('/infra/kv/x').set(bearer(tokens.refresh_token)), 401, 'UNAUTHORIZED');
  });

  it('ends an open event stream once its login is revoked from the Dashboard', async () => {
    const tokens = await login(t.app, owner, { project_id: project, scopes: ['channels:subscribe'] }, 'channels:subscribe channels:publish');
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const sub = await openStream(`${base}/infra/channels/cli/subscribe`, bearer(tokens.access_token));
      expect(sub.status).toBe(200);
      const grants = await request(t.app).get('/core/oauth/grants').set(bearer(owner.session));
      const cutAt = Date.now();
      await request(t.app).delete(`/core/oauth/grants/${grants.body.grants[0].id}`).set(bearer(owner.session)).expect(200);
      await sub.ended(7000);
      expect(sub.endedAt! - cutAt).toBeLessThanOrEqual(5000);
      sub.close();
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 20_000);
});
