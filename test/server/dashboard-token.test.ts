/**
 * createDashboardToken: a live, 15-minute project token with the KV and channel scopes the member
 * holds there, kept out of listTokens; refused to non-members (404), to members without such
 * scopes (403), and for another organization's project (404).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, expectError, inviteToken, openApp, signUp, type TestApp, type User } from './support/platform.ts';

let t: TestApp;
let owner: User;
let project: string;
beforeAll(async () => {
  t = await openApp({ validateResponses: true });
  owner = await signUp(t.app, 'dt-owner');
  project = await createProject(t.app, owner);
});
afterAll(() => t.close());

const mint = (user: User, orgId = owner.orgId, projectId = project) =>
  request(t.app).post(`/core/organizations/${orgId}/projects/${projectId}/dashboard-token`).set(bearer(user.session));

async function member(scopes: string[]): Promise<User> {
  const user = await signUp(t.app, 'dt-member');
  const inv = await request(t.app).post(`/core/organizations/${owner.orgId}/members/invite`).set(bearer(owner.session)).send({ email: user.email, scopes });
  expect((await request(t.app).post(`/core/invitations/${inv.body.id}/accept`).set(bearer(user.session)).send({ token: inviteToken(inv.body) })).status).toBe(200);
  return user;
}

describe('createDashboardToken', () => {
  it("gives the owner a 15-minute live token with every KV and channel scope, usable on KV, not listed among the organization's tokens", async () => {
    const res = await mint(owner);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ secret: expect.stringMatching(/^sk_live_/), project_id: project, scopes: ['channels:publish', 'channels:subscribe', 'kv:read', 'kv:write'], expires_at: expect.any(String) });
    const lifetime = Date.parse(res.body.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(890_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
    expect((await request(t.app).put('/infra/kv/k').set(bearer(res.body.secret)).send({ value: 1 })).status).toBe(200);
    const listed = await request(t.app).get(`/core/organizations/${owner.orgId}/tokens`).set(bearer(owner.session));
    expect(listed.body.tokens).toEqual([]);
  });

  it("carries only the member's own scopes, and nothing for a member without any", async () => {
    const reader = await member(['kv:read']);
    const res = await mint(reader);
    expect(res.body.scopes).toEqual(['kv:read']);
    expectError(await request(t.app).put('/infra/kv/k').set(bearer(res.body.secret)).send({ value: 2 }), 403, 'INSUFFICIENT_SCOPE');
    expectError(await mint(await member(['orgs:read'])), 403, 'INSUFFICIENT_SCOPE');
  });

  it('is refused outside the organization and for a project of another organization (404)', async () => {
    const stranger = await signUp(t.app, 'dt-stranger');
    expectError(await mint(stranger), 404, 'NOT_FOUND');
    const theirs = await createProject(t.app, stranger);
    expectError(await mint(owner, owner.orgId, theirs), 404, 'NOT_FOUND');
  });
});
