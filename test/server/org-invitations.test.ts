/**
 * An organization's pending invitations: listed (pending, unexpired, this organization only) and
 * revoked, after which they cannot be accepted; both need the organization's scopes.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, inviteToken, openApp, signUp, type TestApp, type User } from './support/platform.ts';

let t: TestApp;
let owner: User;
let other: User;
beforeAll(async () => {
  t = await openApp({ validateResponses: true });
  owner = await signUp(t.app, 'inv-owner');
  other = await signUp(t.app, 'inv-other');
});
afterAll(() => t.close());

const invite = (by: User, email: string) => request(t.app).post(`/core/organizations/${by.orgId}/members/invite`).set(bearer(by.session)).send({ email, scopes: ['kv:read'] });
const list = (credential: string, orgId: string) => request(t.app).get(`/core/organizations/${orgId}/invitations`).set(bearer(credential));
const revoke = (credential: string, orgId: string, id: string) => request(t.app).delete(`/core/organizations/${orgId}/invitations/${id}`).set(bearer(credential));

describe('listOrgInvitations and revokeInvitation', () => {
  it('lists the pending invitations of this organization only, and a revoked one can no longer be accepted', async () => {
    const invitee = await signUp(t.app, 'inv-invitee');
    const mine = await invite(owner, invitee.email);
    expect(mine.status).toBe(202);
    await invite(other, invitee.email);
    const listed = await list(owner.session, owner.orgId);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ invitations: [expect.objectContaining({ id: mine.body.id, email: invitee.email, status: 'pending', org_id: owner.orgId })], next_cursor: null });

    const revoked = await revoke(owner.session, owner.orgId, mine.body.id);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ id: mine.body.id, deleted: true });
    expect((await list(owner.session, owner.orgId)).body.invitations).toEqual([]);
    expectError(await request(t.app).post(`/core/invitations/${mine.body.id}/accept`).set(bearer(invitee.session)).send({ token: inviteToken(mine.body) }), 404, 'NOT_FOUND');
    expectError(await revoke(owner.session, owner.orgId, mine.body.id), 404, 'NOT_FOUND');
  });

  it("cannot reach another organization's invitation (404), nor an accepted one", async () => {
    const invitee = await signUp(t.app, 'inv-accepts');
    const theirs = await invite(other, invitee.email);
    expectError(await revoke(owner.session, other.orgId, theirs.body.id), 404, 'NOT_FOUND');
    expectError(await revoke(owner.session, owner.orgId, theirs.body.id), 404, 'NOT_FOUND');
    expect((await request(t.app).post(`/core/invitations/${theirs.body.id}/accept`).set(bearer(invitee.session)).send({ token: inviteToken(theirs.body) })).status).toBe(200);
    expectError(await revoke(other.session, other.orgId, theirs.body.id), 404, 'NOT_FOUND');
  });

  it('needs orgs:read / orgs:write, and the whole organization (a project token is refused)', async () => {
    const project = await createProject(t.app, owner);
    const reader = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    expect((await list(reader.secret, owner.orgId)).status).toBe(200);
    expectError(await revoke(reader.secret, owner.orgId, 'inv_01JNXSC1D2E3F4G5H6J7K8M9NP'), 403, 'INSUFFICIENT_SCOPE');
    const projectToken = await createToken(t.app, owner.session, owner.orgId, { project_id: project, scopes: ['orgs:*'] });
    expectError(await list(projectToken.secret, owner.orgId), 403, 'FORBIDDEN');
  });
});
