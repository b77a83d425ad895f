/**
 * Members and invitations: invite -> the invited user lists and accepts -> member with the
 * invited scopes; nobody grants scopes they lack; the owner cannot be changed or removed.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, inviteToken, openApp, signUp, type TestApp, type User } from './support/platform.ts';

let t: TestApp;
let owner: User;
beforeAll(async () => {
  t = await openApp();
  owner = await signUp(t.app, 'owner', 'Olive Owner');
});
afterAll(async () => {
  expect(t.logs).toEqual([]);
  await t.close();
});

const as = (user: User) => bearer(user.session);

async function invite(by: User, email: string, body: Record<string, unknown> = {}, orgId = owner.orgId) {
  return request(t.app).post(`/core/organizations/${orgId}/members/invite`).set(as(by)).send({ email, ...body });
}

/** Invites `user` with `scopes` and accepts; returns the member. */
async function join(user: User, scopes: string[], extra: Record<string, unknown> = {}) {
  const inv = await invite(owner, user.email, { scopes, ...extra });
  expect(inv.status).toBe(202);
  const res = await request(t.app).post(`/core/invitations/${inv.body.id}/accept`).set(as(user)).send({ token: inviteToken(inv.body) });
  expect(res.status).toBe(200);
  return res.body;
}

describe('invitations end to end', () => {
  it('invite -> listed for the invited email only -> accept -> member with those scopes', async () => {
    const dana = await signUp(t.app, 'dana', 'Dana');
    const eve = await signUp(t.app, 'eve', 'Eve');
    const inv = await invite(owner, dana.email.toUpperCase(), { scopes: ['kv:read', 'orgs:read'] });
    expect(inv.status).toBe(202);
    expect(inv.body).toEqual({
      id: expect.stringMatching(/^inv_[0-9A-HJKMNP-TV-Z]{26}$/),
      org_id: owner.orgId,
      org_name: "Olive Owner's organization",
      email: dana.email,
      scopes: ['kv:read', 'orgs:read'],
      project_id: null,
      status: 'pending',
      invited_by: owner.userId,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      accept_url: expect.stringMatching(new RegExp(`^https?://[^/]+/invitations/${inv.body.id}\\?token=[A-Za-z0-9_-]{43}$`)),
    });
    expect(inviteToken(inv.body)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(inv.body.expires_at) - Date.parse(inv.body.created_at)).toBe(7 * 24 * 3600 * 1000);

    const listed = await request(t.app).get('/core/invitations').set(as(dana));
    expect(listed.status).toBe(200);
    // The link is in the inviter's answer only: the list never shows it.
    const { accept_url: _shownOnce, ...invitation } = inv.body;
    expect(listed.body).toEqual({ invitations: [invitation], next_cursor: null });
    expect((await request(t.app).get('/core/invitations').set(as(eve))).body.invitations).toEqual([]);

    // Before accepting, the organization is invisible to Dana.
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}`).set(as(dana)), 404, 'NOT_FOUND');
    // Someone else cannot accept it.
    expectError(await request(t.app).post(`/core/invitations/${inv.body.id}/accept`).set(as(eve)).send({ token: inviteToken(inv.body) }), 404, 'NOT_FOUND');

    const accepted = await request(t.app).post(`/core/invitations/${inv.body.id}/accept`).set(as(dana)).send({ token: inviteToken(inv.body) });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({
      user_id: dana.userId,
      email: dana.email,
      name: 'Dana',
      role: 'member',
      scopes: ['kv:read', 'orgs:read'],
      project_id: null,
      joined_at: expect.any(String),
    });
    expect((await request(t.app).get('/core/invitations').set(as(dana))).body.invitations).toEqual([]);
    const mine = await request(t.app).get(`/core/organizations/${owner.orgId}/my-scopes`).set(as(dana));
    expect(mine.body).toEqual({ org_id: owner.orgId, user_id: dana.userId, role: 'member', scopes: ['kv:read', 'orgs:read'], project_id: null });
    expect((await request(t.app).get(`/core/organizations/${owner.orgId}`).set(as(dana))).status).toBe(200);
    // Accepting twice: the invitation is used up.
    expectError(await request(t.app).post(`/core/invitations/${inv.body.id}/accept`).set(as(dana)).send({ token: inviteToken(inv.body) }), 404, 'NOT_FOUND');
  });

  it('inviting a member again is 409 ALREADY_MEMBER; re-inviting a pending email replaces the invitation', async () => {
    const fay = await signUp(t.app, 'fay');
    await join(fay, ['orgs:read']);
    expectError(await invite(owner, fay.email), 409, 'ALREADY_MEMBER');

    const gus = await signUp(t.app, 'gus');
    const first = await invite(owner, gus.email, { scopes: ['kv:read'] });
    const second = await invite(owner, gus.email, { scopes: ['kv:write'] });
    const listed = await request(t.app).get('/core/invitations').set(as(gus));
    expect(listed.body.invitations.map((i: { id: string; scopes: string[] }) => [i.id, i.scopes])).toEqual([[second.body.id, ['kv:write']]]);
    expectError(await request(t.app).post(`/core/invitations/${first.body.id}/accept`).set(as(gus)).send({ token: inviteToken(first.body) }), 404, 'NOT_FOUND');
  });

  it('an invitation for a user who signs up later is waiting for them', async () => {
    const email = `later-${Date.now()}@example.com`;
    const inv = await invite(owner, email, { scopes: ['orgs:read'] });
    const res = await request(t.app).post('/api/auth/sign-up/email').send({ email, password: 'a-long-secure-passphrase', name: 'Later' });
    const listed = await request(t.app).get('/core/invitations').set(bearer(res.body.token));
    expect(listed.body.invitations.map((i: { id: string }) => i.id)).toEqual([inv.body.id]);
  });

  it('an invitation to a project of another organization is 404', async () => {
    const stranger = await signUp(t.app, 'stranger');
    const theirProject = await createProject(t.app, stranger);
    expectError(await invite(owner, 'x@example.com', { project_id: theirProject }), 404, 'NOT_FOUND');
  });

  it('nobody invites with scopes they do not hold (403 INSUFFICIENT_SCOPE)', async () => {
    const hal = await signUp(t.app, 'hal');
    await join(hal, ['orgs:read', 'orgs:write', 'kv:read']);
    expect((await invite(hal, 'ok@example.com', { scopes: ['kv:read'] })).status).toBe(202);
    expectError(await invite(hal, 'no@example.com', { scopes: ['kv:write'] }), 403, 'INSUFFICIENT_SCOPE');
    expectError(await invite(hal, 'no@example.com', { scopes: ['kv:*'] }), 403, 'INSUFFICIENT_SCOPE');
    expectError(await invite(hal, 'no@example.com', { scopes: ['*'] }), 403, 'INSUFFICIENT_SCOPE');
  });

  it('an unknown or malformed invitation id is 404 / 400', async () => {
    expectError(await request(t.app).post('/core/invitations/inv_01JNXSC1D2E3F4G5H6J7K8M9NP/accept').set(as(owner)), 404, 'NOT_FOUND');
    expectError(await request(t.app).post('/core/invitations/nope/accept').set(as(owner)), 400, 'INVALID_REQUEST');
  });
});

describe('members', () => {
  it('lists members with email, name, role and scopes, paginated', async () => {
    const org = await request(t.app).post('/core/organizations').set(as(owner)).send({ name: 'Listing' });
    const users = await Promise.all([signUp(t.app, 'l1'), signUp(t.app, 'l2')]);
    for (const u of users) {
      const inv = await invite(owner, u.email, { scopes: ['orgs:read'] }, org.body.id);
      await request(t.app).post(`/core/invitations/${inv.body.id}/accept`).set(as(u)).send({ token: inviteToken(inv.body) });
    }
    const first = await request(t.app).get(`/core/organizations/${org.body.id}/members`).query({ limit: 2 }).set(as(owner));
    expect(first.status).toBe(200);
    expect(first.body.members).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await request(t.app).get(`/core/organizations/${org.body.id}/members`).query({ limit: 2, cursor: first.body.next_cursor }).set(as(owner));
    expect(second.body).toEqual({ members: [expect.any(Object)], next_cursor: null });
    const all = [...first.body.members, ...second.body.members];
    expect(all.map((m: { user_id: string }) => m.user_id).sort()).toEqual([owner.userId, ...users.map((u) => u.userId)].sort());
    expect(all.find((m: { role: string }) => m.role === 'owner')).toMatchObject({ user_id: owner.userId, email: owner.email, scopes: ['*'] });
  });

  it('updates a member’s scopes within the caller’s own', async () => {
    const ivy = await signUp(t.app, 'ivy');
    await join(ivy, ['kv:read']);
    const res = await request(t.app).put(`/core/organizations/${owner.orgId}/members/${ivy.userId}/scopes`).set(as(owner)).send({ scopes: ['kv:*', 'channels:subscribe'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: ivy.userId, scopes: ['kv:*', 'channels:subscribe'], role: 'member' });

    const jon = await signUp(t.app, 'jon');
    await join(jon, ['orgs:write', 'kv:read']);
    expectError(
      await request(t.app).put(`/core/organizations/${owner.orgId}/members/${ivy.userId}/scopes`).set(as(jon)).send({ scopes: ['kv:write'] }),
      403,
      'INSUFFICIENT_SCOPE',
    );
  });

  it('the owner’s scopes can be neither changed nor removed (403), even by the owner', async () => {
    const kim = await signUp(t.app, 'kim');
    await join(kim, ['*']);
    for (const who of [owner, kim]) {
      expectError(
        await request(t.app).put(`/core/organizations/${owner.orgId}/members/${owner.userId}/scopes`).set(as(who)).send({ scopes: ['orgs:read'] }),
        403,
        'FORBIDDEN',
      );
      expectError(await request(t.app).delete(`/core/organizations/${owner.orgId}/members/${owner.userId}`).set(as(who)), 403, 'FORBIDDEN');
    }
    const mine = await request(t.app).get(`/core/organizations/${owner.orgId}/my-scopes`).set(as(owner));
    expect(mine.body).toMatchObject({ role: 'owner', scopes: ['*'] });
  });

  it('removes a member, who then loses access', async () => {
    const lea = await signUp(t.app, 'lea');
    await join(lea, ['orgs:read']);
    const res = await request(t.app).delete(`/core/organizations/${owner.orgId}/members/${lea.userId}`).set(as(owner));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: lea.userId, deleted: true });
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}`).set(as(lea)), 404, 'NOT_FOUND');
    expectError(await request(t.app).delete(`/core/organizations/${owner.orgId}/members/${lea.userId}`).set(as(owner)), 404, 'NOT_FOUND');
  });

  it('a member without orgs:write cannot manage members (403)', async () => {
    const max = await signUp(t.app, 'max');
    const ned = await signUp(t.app, 'ned');
    await join(max, ['orgs:read']);
    await join(ned, ['orgs:read']);
    expectError(await invite(max, 'x@example.com'), 403, 'INSUFFICIENT_SCOPE');
    expectError(await request(t.app).delete(`/core/organizations/${owner.orgId}/members/${ned.userId}`).set(as(max)), 403, 'INSUFFICIENT_SCOPE');
  });

  it('a member restricted to one project sees that project only and cannot act on the whole organization', async () => {
    const p1 = await createProject(t.app, owner, 'P1');
    const p2 = await createProject(t.app, owner, 'P2');
    const oli = await signUp(t.app, 'oli');
    await join(oli, ['projects:read', 'orgs:read', 'tokens:write'], { project_id: p1 });
    const mine = await request(t.app).get(`/core/organizations/${owner.orgId}/my-scopes`).set(as(oli));
    expect(mine.body).toMatchObject({ project_id: p1, scopes: ['projects:read', 'orgs:read', 'tokens:write'] });
    const list = await request(t.app).get(`/core/organizations/${owner.orgId}/projects`).set(as(oli));
    expect(list.body.projects.map((p: { id: string }) => p.id)).toEqual([p1]);
    expect((await request(t.app).get(`/core/organizations/${owner.orgId}/projects/${p1}`).set(as(oli))).status).toBe(200);
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}/projects/${p2}`).set(as(oli)), 404, 'NOT_FOUND');
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}/members`).set(as(oli)), 403, 'FORBIDDEN');
    // Tokens it mints are bound to its project.
    const token = await request(t.app).post(`/core/organizations/${owner.orgId}/tokens`).set(as(oli)).send({ name: 'mine', scopes: ['projects:read'] });
    expect(token.status).toBe(201);
    expect(token.body.project_id).toBe(p1);
    expectError(
      await request(t.app).post(`/core/organizations/${owner.orgId}/tokens`).set(as(oli)).send({ name: 'other', scopes: ['projects:read'], project_id: p2 }),
      404,
      'NOT_FOUND',
    );
  });

  it('an organization token reports its own scopes in my-scopes (no user, no role)', async () => {
    const token = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    const res = await request(t.app).get(`/core/organizations/${owner.orgId}/my-scopes`).set(bearer(token.secret));
    expect(res.body).toEqual({ org_id: owner.orgId, user_id: null, role: null, scopes: ['orgs:read'], project_id: null });
  });
});
