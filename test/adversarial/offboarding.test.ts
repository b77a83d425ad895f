/**
 * Issue 13, items 5 and 18: offboarding and token lineage. On both stores:
 *
 * - the token list shows who created each token (`created_by`), also for a token minted by a token;
 * - a member's tokens never do more than the member's current scopes (narrowing the member
 *   narrows them at once, and widening it back restores them up to what they were minted with);
 * - removing a member ends every token they minted, directly or through a token (401), and
 *   revokes their pending invitations;
 * - a minted token never outlives its minter (an `expires_at` past the minter's is a 400; none
 *   given means the minter's), and revoking a token revokes what it minted.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createToken, expectError, inviteToken, signUp, type TestApp, type User } from '../server/support/platform.ts';
import { STORES } from './support/stores.ts';

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  let owner: User;
  beforeAll(async () => {
    t = await store.open({ rateLimit: { livePerMinute: 1e6, authPerMinute: 1e6 } });
    owner = await signUp(t.app, 'offboard-owner');
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  const org = () => `/core/organizations/${owner.orgId}`;
  const readOrg = (credential: string) => request(t.app).get(org()).set(bearer(credential));
  async function join(scopes: string[]): Promise<User> {
    const user = await signUp(t.app, 'offboard-member');
    const invite = await request(t.app).post(`${org()}/members/invite`).set(bearer(owner.session)).send({ email: user.email, scopes });
    expect((await request(t.app).post(`/core/invitations/${invite.body.id}/accept`).set(bearer(user.session)).send({ token: inviteToken(invite.body) })).status).toBe(200);
    return user;
  }
  const listed = async () => (await request(t.app).get(`${org()}/tokens`).query({ limit: 100 }).set(bearer(owner.session))).body.tokens as { id: string; created_by: string | null }[];

  it('lists who created each token, also through a token', async () => {
    const member = await join(['tokens:write', 'orgs:read']);
    const direct = await createToken(t.app, member.session, owner.orgId, { scopes: ['tokens:write', 'orgs:read'] });
    const minted = await createToken(t.app, direct.secret, owner.orgId, { scopes: ['orgs:read'] });
    const mine = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    const byId = new Map((await listed()).map((tok) => [tok.id, tok.created_by]));
    expect([byId.get(direct.id), byId.get(minted.id), byId.get(mine.id)]).toEqual([member.userId, member.userId, owner.userId]);
  });

  it('narrowing a member narrows the tokens they minted, at once', async () => {
    const member = await join(['tokens:write', 'orgs:read', 'projects:read']);
    const token = await createToken(t.app, member.session, owner.orgId, { scopes: ['tokens:write', 'orgs:read', 'projects:read'] });
    const child = await createToken(t.app, token.secret, owner.orgId, { scopes: ['orgs:read'] });
    expect((await readOrg(token.secret)).status).toBe(200);
    await request(t.app).put(`${org()}/members/${member.userId}/scopes`).set(bearer(owner.session)).send({ scopes: ['projects:read'] }).expect(200);
    expectError(await readOrg(token.secret), 403, 'INSUFFICIENT_SCOPE');
    expectError(await readOrg(child.secret), 403, 'INSUFFICIENT_SCOPE');
    expect((await request(t.app).get(`${org()}/projects`).set(bearer(token.secret))).status).toBe(200);
    // Minting is bounded by the same effective scopes.
    expectError(await request(t.app).post(`${org()}/tokens`).set(bearer(token.secret)).send({ name: 'x', scopes: ['projects:read'] }), 403, 'INSUFFICIENT_SCOPE');
    // Widening the member back restores the token to what it was minted with, never beyond.
    await request(t.app).put(`${org()}/members/${member.userId}/scopes`).set(bearer(owner.session)).send({ scopes: ['*'] }).expect(200);
    expect((await readOrg(child.secret)).status).toBe(200);
    expectError(await request(t.app).get('/core/tokens/balance').query({ org_id: owner.orgId }).set(bearer(token.secret)), 403, 'INSUFFICIENT_SCOPE');
  });

  it('removing a member ends their tokens and revokes their pending invitations', async () => {
    const member = await join(['tokens:write', 'orgs:write', 'orgs:read']);
    const token = await createToken(t.app, member.session, owner.orgId, { scopes: ['tokens:write', 'orgs:read'] });
    const child = await createToken(t.app, token.secret, owner.orgId, { scopes: ['orgs:read'] });
    const invitee = await signUp(t.app, 'offboard-invitee');
    const invite = await request(t.app).post(`${org()}/members/invite`).set(bearer(member.session)).send({ email: invitee.email, scopes: ['orgs:read'] });
    expect(invite.status).toBe(202);
    expect(invite.body.invited_by).toBe(member.userId);
    const viaToken = await request(t.app).post(`${org()}/members/invite`).set(bearer(member.session)).send({ email: `x-${invitee.email}`, scopes: [] });
    expect(viaToken.status).toBe(202);
    for (const c of [token.secret, child.secret]) expect((await readOrg(c)).status).toBe(200);

    await request(t.app).delete(`${org()}/members/${member.userId}`).set(bearer(owner.session)).expect(200);

    for (const c of [token.secret, child.secret]) expectError(await readOrg(c), 401, 'UNAUTHORIZED');
    const ids = (await listed()).map((tok) => tok.id);
    expect(ids).not.toContain(token.id);
    expect(ids).not.toContain(child.id);
    expect((await request(t.app).get('/core/invitations').set(bearer(invitee.session))).body.invitations).toEqual([]);
    expectError(await request(t.app).post(`/core/invitations/${invite.body.id}/accept`).set(bearer(invitee.session)).send({ token: inviteToken(invite.body) }), 404, 'NOT_FOUND');
    // Joining again does not bring the old tokens back.
    const again = await request(t.app).post(`${org()}/members/invite`).set(bearer(owner.session)).send({ email: member.email, scopes: ['*'] });
    await request(t.app).post(`/core/invitations/${again.body.id}/accept`).set(bearer(member.session)).send({ token: inviteToken(again.body) }).expect(200);
    expectError(await readOrg(token.secret), 401, 'UNAUTHORIZED');
  });

  it('a minted token never outlives its minter; revoking the minter revokes what it minted', async () => {
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const minter = await createToken(t.app, owner.session, owner.orgId, { scopes: ['tokens:write', 'orgs:read'], expires_at: expiresAt });
    const later = new Date(Date.now() + 7200_000).toISOString();
    const refused = await request(t.app).post(`${org()}/tokens`).set(bearer(minter.secret)).send({ name: 'x', scopes: ['orgs:read'], expires_at: later });
    expectError(refused, 400, 'INVALID_REQUEST');
    expect(refused.body.error.details).toEqual([{ path: '/body/expires_at', message: expect.stringContaining(expiresAt) }]);
    const inherited = await request(t.app).post(`${org()}/tokens`).set(bearer(minter.secret)).send({ name: 'child', scopes: ['tokens:write', 'orgs:read'] });
    expect({ status: inherited.status, expires_at: inherited.body.expires_at }).toEqual({ status: 201, expires_at: expiresAt });
    const grandchild = await createToken(t.app, inherited.body.secret, owner.orgId, { scopes: ['orgs:read'] });
    const sooner = new Date(Date.now() + 600_000).toISOString();
    expect((await request(t.app).post(`${org()}/tokens`).set(bearer(minter.secret)).send({ name: 's', scopes: ['orgs:read'], expires_at: sooner })).status).toBe(201);

    await request(t.app).delete(`${org()}/tokens/${minter.id}`).set(bearer(owner.session)).expect(200);
    for (const c of [minter.secret, inherited.body.secret, grandchild.secret]) expectError(await readOrg(c), 401, 'UNAUTHORIZED');
  });
});
