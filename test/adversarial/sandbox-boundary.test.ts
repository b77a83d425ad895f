/**
 * Issue 13, item 2: a test-mode token escapes the sandbox. An `sk_test_` token holding every
 * platform scope must change no live platform state: inviting (whose member would mint live
 * tokens), renaming, changing the slug, changing or removing a member, creating or deleting a
 * project, minting or revoking a live token are each a 403 `FORBIDDEN`, and nothing changed. A
 * live token with the same scopes is the control: the same calls succeed. On both stores.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, inviteToken, signUp, type TestApp, type User } from '../server/support/platform.ts';
import { STORES } from './support/stores.ts';

const PLATFORM = ['orgs:*', 'projects:*', 'tokens:*', 'billing:read'];

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  let owner: User;
  let member: User;
  let projectId: string;
  beforeAll(async () => {
    t = await store.open({ rateLimit: { livePerMinute: 1e6, testPerHour: 1e6, authPerMinute: 1e6 } });
    owner = await signUp(t.app, 'sandbox-owner');
    member = await signUp(t.app, 'sandbox-member');
    projectId = await createProject(t.app, owner);
    const invite = await request(t.app).post(`/core/organizations/${owner.orgId}/members/invite`).set(bearer(owner.session)).send({ email: member.email, scopes: ['orgs:read'] });
    expect(invite.status).toBe(202);
    expect((await request(t.app).post(`/core/invitations/${invite.body.id}/accept`).set(bearer(member.session)).send({ token: inviteToken(invite.body) })).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  const org = () => `/core/organizations/${owner.orgId}`;
  const attempts = (liveTokenId: string) =>
    [
      ['invite a member with live scopes', (c: string) => request(t.app).post(`${org()}/members/invite`).set(bearer(c)).send({ email: 'escape@example.com', scopes: ['orgs:read'] })],
      ['rename the organization', (c: string) => request(t.app).patch(org()).set(bearer(c)).send({ name: 'Renamed from the sandbox' })],
      ['change its slug', (c: string) => request(t.app).patch(org()).set(bearer(c)).send({ slug: `sandbox-${Date.now()}` })],
      ['change a member', (c: string) => request(t.app).put(`${org()}/members/${member.userId}/scopes`).set(bearer(c)).send({ scopes: ['projects:read'] })],
      ['create a project', (c: string) => request(t.app).post(`${org()}/projects`).set(bearer(c)).send({ name: 'From the sandbox' })],
      ['mint a live token', (c: string) => request(t.app).post(`${org()}/tokens`).set(bearer(c)).send({ name: 'x', scopes: ['orgs:read'], mode: 'live' })],
      ['revoke a live token', (c: string) => request(t.app).delete(`${org()}/tokens/${liveTokenId}`).set(bearer(c))],
      ['remove a member', (c: string) => request(t.app).delete(`${org()}/members/${member.userId}`).set(bearer(c))],
      ['delete a project', (c: string) => request(t.app).delete(`${org()}/projects/${projectId}`).set(bearer(c))],
    ] as const;

  it('refuses every live-state change to an sk_test_ token with every platform scope, and changes nothing', async () => {
    const test = await createToken(t.app, owner.session, owner.orgId, { scopes: PLATFORM, mode: 'test' });
    const liveToken = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    const before = {
      org: (await request(t.app).get(org()).set(bearer(owner.session))).body,
      members: (await request(t.app).get(`${org()}/members`).set(bearer(owner.session))).body,
      projects: (await request(t.app).get(`${org()}/projects`).set(bearer(owner.session))).body,
      tokens: (await request(t.app).get(`${org()}/tokens`).set(bearer(owner.session))).body,
    };
    for (const [what, attempt] of attempts(liveToken.id)) {
      const res = await attempt(test.secret);
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({ what, status: 403, code: 'FORBIDDEN' });
      expectError(res, 403, 'FORBIDDEN');
      expect(res.body.error.message).toMatch(/test-mode credential changes no live platform state/);
    }
    expect((await request(t.app).get(org()).set(bearer(owner.session))).body).toEqual(before.org);
    expect((await request(t.app).get(`${org()}/members`).set(bearer(owner.session))).body).toEqual(before.members);
    expect((await request(t.app).get(`${org()}/projects`).set(bearer(owner.session))).body).toEqual(before.projects);
    const tokensAfter = (await request(t.app).get(`${org()}/tokens`).set(bearer(owner.session))).body;
    expect(tokensAfter.tokens.map((x: { id: string }) => x.id)).toEqual(before.tokens.tokens.map((x: { id: string }) => x.id));
    // No invitation reached anyone: the address has nothing pending.
    const invited = await signUp(t.app, 'sandbox-escape');
    expect((await request(t.app).get('/core/invitations').set(bearer(invited.session))).body.invitations).toEqual([]);
  });

  it('still reads, and manages its own test tokens', async () => {
    const test = await createToken(t.app, owner.session, owner.orgId, { scopes: PLATFORM, mode: 'test' });
    expect((await request(t.app).get(org()).set(bearer(test.secret))).status).toBe(200);
    expect((await request(t.app).get(`${org()}/projects`).set(bearer(test.secret))).status).toBe(200);
    const minted = await request(t.app).post(`${org()}/tokens`).set(bearer(test.secret)).send({ name: 'child', scopes: ['orgs:read'] });
    expect({ status: minted.status, mode: minted.body.mode }).toEqual({ status: 201, mode: 'test' });
    expect((await request(t.app).delete(`${org()}/tokens/${minted.body.id}`).set(bearer(test.secret))).status).toBe(200);
  });

  it('control: a live token with the same scopes may do each of these', async () => {
    const live = await createToken(t.app, owner.session, owner.orgId, { scopes: PLATFORM });
    const target = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    for (const [what, attempt] of attempts(target.id)) {
      const res = await attempt(live.secret);
      expect({ what, ok: res.status >= 200 && res.status < 300, error: res.body.error }).toEqual({ what, ok: true, error: undefined });
    }
  });
});
