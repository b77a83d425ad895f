/**
 * Issue 13, item 7: privilege over peers. A member holding only `orgs:write` could strip or
 * remove members holding `*`. Now a member may change or remove only members whose scopes are a
 * subset of its own (403 `INSUFFICIENT_SCOPE` otherwise), and no one changes or removes the owner
 * (403 `FORBIDDEN`), whether acting with a session or with a token it minted. Storage plays no
 * part here (one store).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createToken, expectError, inviteToken, openApp, signUp, type TestApp, type User } from '../server/support/platform.ts';

let t: TestApp;
let owner: User;
beforeAll(async () => {
  t = await openApp({ rateLimit: { livePerMinute: 1e6, authPerMinute: 1e6 } });
  owner = await signUp(t.app, 'peers-owner');
});
afterAll(async () => {
  expect(t.logs).toEqual([]);
  await t.close();
});

const org = () => `/core/organizations/${owner.orgId}`;
async function join(scopes: string[]): Promise<User> {
  const user = await signUp(t.app, 'peer');
  const invite = await request(t.app).post(`${org()}/members/invite`).set(bearer(owner.session)).send({ email: user.email, scopes });
  expect(invite.status).toBe(202);
  expect((await request(t.app).post(`/core/invitations/${invite.body.id}/accept`).set(bearer(user.session)).send({ token: inviteToken(invite.body) })).status).toBe(200);
  return user;
}
const scopesOf = async (user: User) =>
  (await request(t.app).get(`${org()}/members`).set(bearer(owner.session))).body.members.find((m: { user_id: string }) => m.user_id === user.userId)?.scopes;
const change = (as: string, user: User, scopes: string[]) => request(t.app).put(`${org()}/members/${user.userId}/scopes`).set(bearer(as)).send({ scopes });
const remove = (as: string, user: User) => request(t.app).delete(`${org()}/members/${user.userId}`).set(bearer(as));

describe('a member acts only on members it covers', () => {
  it('orgs:write cannot strip or remove a member holding *; nothing changes', async () => {
    const admin = await join(['*']);
    const writer = await join(['orgs:write', 'tokens:write']);
    const writerToken = await createToken(t.app, writer.session, owner.orgId, { scopes: ['orgs:write'] });
    for (const as of [writer.session, writerToken.secret]) {
      expectError(await change(as, admin, []), 403, 'INSUFFICIENT_SCOPE');
      expectError(await remove(as, admin), 403, 'INSUFFICIENT_SCOPE');
    }
    expect(await scopesOf(admin)).toEqual(['*']);
  });

  it('nor a member holding a scope outside its own (partly overlapping)', async () => {
    const writer = await join(['orgs:write', 'projects:read']);
    const other = await join(['orgs:write', 'tokens:read']);
    expectError(await change(writer.session, other, ['orgs:write']), 403, 'INSUFFICIENT_SCOPE');
    expectError(await remove(writer.session, other), 403, 'INSUFFICIENT_SCOPE');
    expect(await scopesOf(other)).toEqual(['orgs:write', 'tokens:read']);
  });

  it('may change and remove members whose scopes are a subset of its own (wildcards included)', async () => {
    const lead = await join(['orgs:*', 'projects:read']);
    const junior = await join(['orgs:write', 'orgs:read']);
    const res = await change(lead.session, junior, ['orgs:read']);
    expect({ status: res.status, scopes: res.body.scopes }).toEqual({ status: 200, scopes: ['orgs:read'] });
    expect((await remove(lead.session, junior)).status).toBe(200);
  });

  it('no one changes or removes the owner, not even a member holding *', async () => {
    const admin = await join(['*']);
    const adminToken = await createToken(t.app, admin.session, owner.orgId, { scopes: ['*'] });
    for (const as of [admin.session, adminToken.secret]) {
      expectError(await change(as, owner, ['orgs:read']), 403, 'FORBIDDEN');
      expectError(await remove(as, owner), 403, 'FORBIDDEN');
    }
    expect(await scopesOf(owner)).toEqual(['*']);
  });
});
