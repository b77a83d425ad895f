/**
 * Organizations: create (slug derived or chosen, unique), list with pagination, get, update,
 * delete with `confirm_name` and everything inside it.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, inviteToken, openApp, signUp, type TestApp, type User } from './support/platform.ts';

let t: TestApp;
let alice: User;
let bob: User;
beforeAll(async () => {
  t = await openApp();
  [alice, bob] = await Promise.all([signUp(t.app, 'alice', 'Alice'), signUp(t.app, 'bob', 'Bob')]);
});
afterAll(async () => {
  expect(t.logs).toEqual([]);
  await t.close();
});

const as = (user: User) => bearer(user.session);
const suffix = () => Math.random().toString(36).slice(2, 8);

describe('create', () => {
  it('makes the caller the owner and derives the slug from the name', async () => {
    const name = `Acme Corp ${suffix()}!`;
    const res = await request(t.app).post('/core/organizations').set(as(alice)).send({ name });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^org_[0-9A-HJKMNP-TV-Z]{26}$/),
      name,
      slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-$/, ''),
      owner_id: alice.userId,
      created_at: expect.any(String),
      updated_at: res.body.created_at,
    });
    const members = await request(t.app).get(`/core/organizations/${res.body.id}/members`).set(as(alice));
    expect(members.body.members).toEqual([expect.objectContaining({ user_id: alice.userId, role: 'owner', scopes: ['*'] })]);
  });

  it('an explicit slug that is taken is 409 SLUG_TAKEN; a derived one gets a suffix instead', async () => {
    const slug = `taken-${suffix()}`;
    expect((await request(t.app).post('/core/organizations').set(as(alice)).send({ name: 'First', slug })).status).toBe(201);
    expectError(await request(t.app).post('/core/organizations').set(as(bob)).send({ name: 'Second', slug }), 409, 'SLUG_TAKEN');
    const derived = await request(t.app).post('/core/organizations').set(as(bob)).send({ name: slug });
    expect(derived.status).toBe(201);
    expect(derived.body.slug).toMatch(new RegExp(`^${slug}-[a-z0-9]{4}$`));
  });

  it('a name with no letters or digits still gets a valid slug', async () => {
    const res = await request(t.app).post('/core/organizations').set(as(alice)).send({ name: '日本語 !!!' });
    expect(res.status).toBe(201);
    expect(res.body.slug).toMatch(/^org(-[a-z0-9]{4})?$/);
  });

  it('needs a session: an API token is 403, nothing is 401', async () => {
    const token = await createToken(t.app, alice.session, alice.orgId, { scopes: ['*'] });
    expectError(await request(t.app).post('/core/organizations').set(bearer(token.secret)).send({ name: 'X' }), 403, 'FORBIDDEN');
    expectError(await request(t.app).post('/core/organizations').send({ name: 'X' }), 401, 'UNAUTHORIZED');
  });
});

describe('list', () => {
  it('pages with limit and an opaque cursor, in creation order, without repeats', async () => {
    const carol = await signUp(t.app, 'carol');
    for (let i = 0; i < 4; i++) await request(t.app).post('/core/organizations').set(as(carol)).send({ name: `Carol ${i}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await request(t.app).get('/core/organizations').query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(as(carol));
      expect(res.status).toBe(200);
      expect(res.body.organizations.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.organizations.map((o: { id: string }) => o.id));
      cursor = res.body.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual(seen);
    expect(pages).toBe(3);
  });

  it('shows only the caller’s organizations', async () => {
    const res = await request(t.app).get('/core/organizations').set(as(bob));
    expect(res.body.organizations.every((o: { owner_id: string }) => o.owner_id === bob.userId)).toBe(true);
  });

  it('a cursor it did not issue is 400', async () => {
    expectError(await request(t.app).get('/core/organizations').query({ cursor: 'bm9wZQ' }).set(as(alice)), 400, 'INVALID_REQUEST');
  });

  it('limit out of range is 400', async () => {
    expectError(await request(t.app).get('/core/organizations').query({ limit: 0 }).set(as(alice)), 400, 'INVALID_REQUEST');
    expectError(await request(t.app).get('/core/organizations').query({ limit: 101 }).set(as(alice)), 400, 'INVALID_REQUEST');
  });
});

describe('get and update', () => {
  it('gets an organization the caller belongs to', async () => {
    const res = await request(t.app).get(`/core/organizations/${alice.orgId}`).set(as(alice));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: alice.orgId, owner_id: alice.userId });
  });

  it('another user’s organization, or one that does not exist, is 404 with no data', async () => {
    const other = await request(t.app).get(`/core/organizations/${alice.orgId}`).set(as(bob));
    const missing = await request(t.app).get('/core/organizations/org_01JNXS8QZ3M2V7K4T9R5W6Y8AB').set(as(bob));
    expectError(other, 404, 'NOT_FOUND');
    expectError(missing, 404, 'NOT_FOUND');
    expect(other.body.error.message).toBe(missing.body.error.message);
    expect(JSON.stringify(other.body)).not.toContain(alice.userId);
  });

  it('updates name and slug, and refuses a slug taken by another organization', async () => {
    const org = await request(t.app).post('/core/organizations').set(as(alice)).send({ name: 'Before' });
    const slug = `after-${suffix()}`;
    const res = await request(t.app).patch(`/core/organizations/${org.body.id}`).set(as(alice)).send({ name: 'After', slug });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: org.body.id, name: 'After', slug });
    expect(res.body.updated_at >= org.body.updated_at).toBe(true);
    const bobs = await request(t.app).get(`/core/organizations/${bob.orgId}`).set(as(bob));
    expectError(await request(t.app).patch(`/core/organizations/${org.body.id}`).set(as(alice)).send({ slug: bobs.body.slug }), 409, 'SLUG_TAKEN');
    // Keeping its own slug is no conflict.
    expect((await request(t.app).patch(`/core/organizations/${org.body.id}`).set(as(alice)).send({ slug })).status).toBe(200);
  });

  it('an empty update changes nothing', async () => {
    const before = await request(t.app).get(`/core/organizations/${alice.orgId}`).set(as(alice));
    const res = await request(t.app).patch(`/core/organizations/${alice.orgId}`).set(as(alice)).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual(before.body);
  });
});

describe('delete', () => {
  it.each([
    ['a wrong confirm_name', { confirm_name: 'Something else' }, 'CONFIRMATION_MISMATCH'],
    // The document declares the body required: its absence is a missing field.
    ['no body at all', undefined, 'INVALID_REQUEST'],
  ])('%s is 400 (%s) and deletes nothing', async (_name, body, code) => {
    const org = await request(t.app).post('/core/organizations').set(as(alice)).send({ name: 'Keep me' });
    const req = request(t.app).delete(`/core/organizations/${org.body.id}`).set(as(alice));
    const res = body === undefined ? await req : await req.send(body);
    expectError(res, 400, code);
    expect((await request(t.app).get(`/core/organizations/${org.body.id}`).set(as(alice))).status).toBe(200);
  });

  it('a body without confirm_name breaks the schema: 400 INVALID_REQUEST naming the field', async () => {
    const org = await request(t.app).post('/core/organizations').set(as(alice)).send({ name: 'Keep me too' });
    const res = await request(t.app).delete(`/core/organizations/${org.body.id}`).set(as(alice)).send({});
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: '/body/confirm_name' })]);
  });

  it('deletes the organization with its projects and their data, tokens and members', async () => {
    const owner = await signUp(t.app, 'deleter');
    const org = await request(t.app).post('/core/organizations').set(as(owner)).send({ name: 'Doomed' });
    const orgId = org.body.id;
    const projectId = await createProject(t.app, owner, 'Doomed project', orgId);
    const kvToken = await createToken(t.app, owner.session, orgId, { scopes: ['kv:read', 'kv:write'], project_id: projectId });
    expect((await request(t.app).put('/infra/kv/doomed').set(bearer(kvToken.secret)).send({ value: 1 })).status).toBe(200);
    const member = await signUp(t.app, 'doomed-member');
    const invite = await request(t.app).post(`/core/organizations/${orgId}/members/invite`).set(as(owner)).send({ email: member.email, scopes: ['orgs:read'] });
    await request(t.app).post(`/core/invitations/${invite.body.id}/accept`).set(as(member)).send({ token: inviteToken(invite.body) });

    const res = await request(t.app).delete(`/core/organizations/${orgId}`).set(as(owner)).send({ confirm_name: 'Doomed' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: orgId, deleted: true });

    expectError(await request(t.app).get(`/core/organizations/${orgId}`).set(as(owner)), 404, 'NOT_FOUND');
    expectError(await request(t.app).get(`/core/organizations/${orgId}`).set(as(member)), 404, 'NOT_FOUND');
    expectError(await request(t.app).get('/infra/kv/doomed').set(bearer(kvToken.secret)), 401, 'UNAUTHORIZED');
    for (const table of ['project', 'api_token', 'member', 'invitation']) {
      const rows = await t.db.kysely.selectFrom(table).selectAll().where('org_id', '=', orgId).execute();
      expect({ table, rows }).toEqual({ table, rows: [] });
    }
    const kvRows = await t.db.kysely.selectFrom('kv_entries').selectAll().where('project_id', '=', projectId).execute();
    expect(kvRows).toEqual([]);
  });

  it('needs the * scope: a member with orgs:* is 403', async () => {
    const owner = await signUp(t.app, 'star-owner');
    const admin = await signUp(t.app, 'star-admin');
    const invite = await request(t.app).post(`/core/organizations/${owner.orgId}/members/invite`).set(as(owner)).send({ email: admin.email, scopes: ['orgs:*'] });
    await request(t.app).post(`/core/invitations/${invite.body.id}/accept`).set(as(admin)).send({ token: inviteToken(invite.body) });
    const orgName = (await request(t.app).get(`/core/organizations/${owner.orgId}`).set(as(owner))).body.name;
    expectError(
      await request(t.app).delete(`/core/organizations/${owner.orgId}`).set(as(admin)).send({ confirm_name: orgName }),
      403,
      'INSUFFICIENT_SCOPE',
    );
  });
});
