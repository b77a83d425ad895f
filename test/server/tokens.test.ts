/**
 * API tokens: high-entropy secrets shown once and stored as SHA-256 only; the list; revocation
 * effective on the very next request; expiry; nobody mints scopes they lack; organization tokens
 * carry platform scopes only; test tokens stay in the sandbox. Projects are here too, since a
 * project's deletion takes its tokens with it.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, openApp, signUp, type TestApp, type User } from './support/platform.ts';

let t: TestApp;
let owner: User;
let projectId: string;
beforeAll(async () => {
  t = await openApp();
  owner = await signUp(t.app, 'tokens');
  projectId = await createProject(t.app, owner);
});
afterAll(async () => {
  expect(t.logs).toEqual([]);
  await t.close();
});

const tokensUrl = () => `/core/organizations/${owner.orgId}/tokens`;
const post = (body: Record<string, unknown>, credential = owner.session) =>
  request(t.app).post(tokensUrl()).set(bearer(credential)).send({ name: 'Key', ...body });

describe('create', () => {
  it('returns the secret once; only its SHA-256 and a display prefix are stored', async () => {
    const res = await post({ name: 'Production Key', scopes: ['kv:read', 'kv:write'], project_id: projectId });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^tok_[0-9A-HJKMNP-TV-Z]{26}$/),
      org_id: owner.orgId,
      project_id: projectId,
      name: 'Production Key',
      mode: 'live',
      prefix: res.body.secret.slice(0, 12),
      scopes: ['kv:read', 'kv:write'],
      created_at: expect.any(String),
      last_used_at: null,
      expires_at: null,
      created_by: owner.userId,
      secret: expect.stringMatching(/^sk_live_[0-9A-Za-z]{43}$/),
    });
    const row = await t.db.kysely.selectFrom('api_token').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(createHash('sha256').update(res.body.secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(res.body.secret.slice(12));

    const list = await request(t.app).get(tokensUrl()).set(bearer(owner.session));
    const listed = list.body.tokens.find((tok: { id: string }) => tok.id === res.body.id);
    const { secret: _secret, ...shown } = res.body;
    expect(listed).toEqual(shown);
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
  });

  it('secrets differ every time and carry ≥ 32 bytes of randomness', async () => {
    const secrets = await Promise.all([1, 2, 3].map(async () => (await post({ scopes: ['orgs:read'] })).body.secret as string));
    expect(new Set(secrets).size).toBe(3);
    for (const s of secrets) expect(s.length - 'sk_live_'.length).toBeGreaterThanOrEqual(43);
  });

  it('a test token is sk_test_', async () => {
    const res = await post({ scopes: ['kv:read'], project_id: projectId, mode: 'test' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mode: 'test', secret: expect.stringMatching(/^sk_test_/), prefix: expect.stringMatching(/^sk_test_/) });
  });

  it.each([
    ['an expires_at in the past', { scopes: ['orgs:read'], expires_at: '2020-01-01T00:00:00Z' }, 'INVALID_REQUEST', '/body/expires_at'],
    ['a non-existent date', { scopes: ['orgs:read'], expires_at: '2031-02-29T00:00:00Z' }, 'INVALID_REQUEST', '/body/expires_at'],
    ['an unknown scope', { scopes: ['kv:delete'] }, 'INVALID_REQUEST', '/body/scopes/0'],
    ['KV scopes without a project', { scopes: ['kv:read'] }, 'INVALID_REQUEST', '/body/scopes'],
  ])('%s is 400', async (_name, body, code, path) => {
    const res = await post(body);
    expectError(res, 400, code);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path })]);
  });

  it('a token with no scopes is created, authenticates, is refused every scoped operation (403), is listed and revoked', async () => {
    const res = await post({ name: 'Placeholder', scopes: [], project_id: projectId });
    expect(res.status).toBe(201);
    expect(res.body.scopes).toEqual([]);
    const secret = res.body.secret as string;
    expectError(await request(t.app).get('/infra/kv/some-key').set(bearer(secret)), 403, 'INSUFFICIENT_SCOPE');
    expectError(await request(t.app).get(tokensUrl()).set(bearer(secret)), 403, 'INSUFFICIENT_SCOPE');
    const listed = await request(t.app).get(tokensUrl()).set(bearer(owner.session));
    expect(listed.body.tokens.map((tok: { id: string }) => tok.id)).toContain(res.body.id);
    expect((await request(t.app).delete(`${tokensUrl()}/${res.body.id}`).set(bearer(owner.session))).status).toBe(200);
    expectError(await request(t.app).get('/infra/kv/some-key').set(bearer(secret)), 401, 'UNAUTHORIZED');
  });

  it('normalises an expires_at without seconds', async () => {
    const res = await post({ scopes: ['orgs:read'], expires_at: '2099-03-01T10:20Z' });
    expect(res.status).toBe(201);
    expect(res.body.expires_at).toBe('2099-03-01T10:20:00.000Z');
  });

  it('a project of another organization is 404', async () => {
    const other = await signUp(t.app, 'other');
    const theirs = await createProject(t.app, other);
    expectError(await post({ scopes: ['kv:read'], project_id: theirs }), 404, 'NOT_FOUND');
  });

  it('nobody mints scopes they do not hold (403)', async () => {
    const limited = await createToken(t.app, owner.session, owner.orgId, { scopes: ['tokens:write', 'kv:read'], project_id: projectId });
    expect((await post({ scopes: ['kv:read'] }, limited.secret)).status).toBe(201);
    expectError(await post({ scopes: ['kv:write'] }, limited.secret), 403, 'INSUFFICIENT_SCOPE');
    expectError(await post({ scopes: ['kv:*'] }, limited.secret), 403, 'INSUFFICIENT_SCOPE');
    expectError(await post({ scopes: ['*'] }, limited.secret), 403, 'INSUFFICIENT_SCOPE');
  });

  it('a project token mints tokens for its own project only', async () => {
    const other = await createProject(t.app, owner, 'Other');
    const parent = await createToken(t.app, owner.session, owner.orgId, { scopes: ['tokens:write', 'kv:read'], project_id: projectId });
    const child = await post({ scopes: ['kv:read'] }, parent.secret);
    expect(child.body.project_id).toBe(projectId);
    expectError(await post({ scopes: ['kv:read'], project_id: other }, parent.secret), 404, 'NOT_FOUND');
  });

  it('a test token mints test tokens only', async () => {
    const parent = await createToken(t.app, owner.session, owner.orgId, { scopes: ['tokens:write', 'kv:read'], project_id: projectId, mode: 'test' });
    const child = await post({ scopes: ['kv:read'] }, parent.secret);
    expect(child.body.mode).toBe('test');
    expectError(await post({ scopes: ['kv:read'], mode: 'live' }, parent.secret), 403, 'FORBIDDEN');
  });
});

describe('use, revoke, expire', () => {
  it('records last use, at most once a minute', async () => {
    const token = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(token.secret));
    const first = await t.db.kysely.selectFrom('api_token').select('last_used_at').where('id', '=', token.id).executeTakeFirstOrThrow();
    expect(first.last_used_at).toEqual(expect.any(String));
    await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(token.secret));
    const second = await t.db.kysely.selectFrom('api_token').select('last_used_at').where('id', '=', token.id).executeTakeFirstOrThrow();
    expect(second.last_used_at).toBe(first.last_used_at);
    const listed = (await request(t.app).get(tokensUrl()).set(bearer(owner.session))).body.tokens.find((x: { id: string }) => x.id === token.id);
    expect(listed.last_used_at).toBe(first.last_used_at);
  });

  it('works by Authorization: Bearer and by X-Api-Key', async () => {
    const token = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    expect((await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(token.secret))).status).toBe(200);
    expect((await request(t.app).get(`/core/organizations/${owner.orgId}`).set('X-Api-Key', token.secret)).status).toBe(200);
  });

  it('a revoked token is refused on the very next request and disappears from the list', async () => {
    const token = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'] });
    expect((await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(token.secret))).status).toBe(200);
    const res = await request(t.app).delete(`${tokensUrl()}/${token.id}`).set(bearer(owner.session));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: token.id, deleted: true });
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(token.secret)), 401, 'UNAUTHORIZED');
    const list = await request(t.app).get(tokensUrl()).set(bearer(owner.session));
    expect(list.body.tokens.map((x: { id: string }) => x.id)).not.toContain(token.id);
    expectError(await request(t.app).delete(`${tokensUrl()}/${token.id}`).set(bearer(owner.session)), 404, 'NOT_FOUND');
  });

  it('an expired token is 401', async () => {
    const token = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'], expires_at: '2099-01-01T00:00:00Z' });
    await t.db.kysely.updateTable('api_token').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', token.id).execute();
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(token.secret)), 401, 'UNAUTHORIZED');
  });

  it.each([
    ['a made-up live token', 'sk_live_0000000000000000000000000000000000000000000'],
    ['a made-up test token', 'sk_test_0000000000000000000000000000000000000000000'],
  ])('%s is 401', async (_name, secret) => {
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(secret)), 401, 'UNAUTHORIZED');
  });

  it('another organization’s token cannot be listed or revoked (404)', async () => {
    const other = await signUp(t.app, 'revoker');
    const theirs = await createToken(t.app, other.session, other.orgId, { scopes: ['orgs:read'] });
    expectError(await request(t.app).delete(`${tokensUrl()}/${theirs.id}`).set(bearer(owner.session)), 404, 'NOT_FOUND');
    expectError(await request(t.app).delete(`/core/organizations/${other.orgId}/tokens/${theirs.id}`).set(bearer(owner.session)), 404, 'NOT_FOUND');
    expect((await request(t.app).get(`/core/organizations/${other.orgId}`).set(bearer(theirs.secret))).status).toBe(200);
  });
});

describe('list', () => {
  it('filters by project and pages', async () => {
    const fresh = await signUp(t.app, 'lister');
    const p = await createProject(t.app, fresh);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createToken(t.app, fresh.session, fresh.orgId, { scopes: ['kv:read'], project_id: p })).id);
    await createToken(t.app, fresh.session, fresh.orgId, { scopes: ['orgs:read'] });
    const filtered = await request(t.app).get(`/core/organizations/${fresh.orgId}/tokens`).query({ project_id: p }).set(bearer(fresh.session));
    expect(filtered.body.tokens.map((x: { id: string }) => x.id)).toEqual(ids);
    const page1 = await request(t.app).get(`/core/organizations/${fresh.orgId}/tokens`).query({ limit: 3 }).set(bearer(fresh.session));
    expect(page1.body.tokens).toHaveLength(3);
    const page2 = await request(t.app).get(`/core/organizations/${fresh.orgId}/tokens`).query({ limit: 3, cursor: page1.body.next_cursor }).set(bearer(fresh.session));
    expect(page2.body).toEqual({ tokens: [expect.objectContaining({ project_id: null })], next_cursor: null });
  });

  it('a project token lists its own project’s tokens only', async () => {
    const other = await createProject(t.app, owner, 'Unlisted');
    await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: other });
    const mine = await createToken(t.app, owner.session, owner.orgId, { scopes: ['tokens:read'], project_id: projectId });
    const res = await request(t.app).get(tokensUrl()).set(bearer(mine.secret));
    expect(res.status).toBe(200);
    expect(res.body.tokens.every((x: { project_id: string }) => x.project_id === projectId)).toBe(true);
    expectError(await request(t.app).get(tokensUrl()).query({ project_id: other }).set(bearer(mine.secret)), 404, 'NOT_FOUND');
  });
});

describe('projects', () => {
  it('creates with region enam by default, lists, gets', async () => {
    const res = await request(t.app).post(`/core/organizations/${owner.orgId}/projects`).set(bearer(owner.session)).send({ name: 'Web', description: 'Site' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^proj_[0-9A-HJKMNP-TV-Z]{26}$/),
      org_id: owner.orgId,
      name: 'Web',
      description: 'Site',
      region: 'enam',
      created_at: expect.any(String),
    });
    const weur = await request(t.app).post(`/core/organizations/${owner.orgId}/projects`).set(bearer(owner.session)).send({ name: 'EU', region: 'weur' });
    expect(weur.body).toMatchObject({ region: 'weur', description: null });
    expectError(await request(t.app).post(`/core/organizations/${owner.orgId}/projects`).set(bearer(owner.session)).send({ name: 'Mars', region: 'mars' }), 400, 'INVALID_REQUEST');
    const get = await request(t.app).get(`/core/organizations/${owner.orgId}/projects/${res.body.id}`).set(bearer(owner.session));
    expect(get.body).toEqual(res.body);
    const list = await request(t.app).get(`/core/organizations/${owner.orgId}/projects`).set(bearer(owner.session));
    expect(list.body.projects.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining([res.body.id, weur.body.id]));
  });

  it('deleting a project deletes its data (live and test) and its tokens', async () => {
    const p = await createProject(t.app, owner, 'Temporary');
    const live = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:*'], project_id: p });
    const test = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:*'], project_id: p, mode: 'test' });
    await request(t.app).put('/infra/kv/a').set(bearer(live.secret)).send({ value: 'live' });
    await request(t.app).put('/infra/kv/a').set(bearer(test.secret)).send({ value: 'test' });
    expect(await t.db.kysely.selectFrom('kv_entries').select('mode').where('project_id', '=', p).execute()).toHaveLength(2);

    const res = await request(t.app).delete(`/core/organizations/${owner.orgId}/projects/${p}`).set(bearer(owner.session));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: p, deleted: true });
    expect(await t.db.kysely.selectFrom('kv_entries').select('mode').where('project_id', '=', p).execute()).toEqual([]);
    expect(await t.db.kysely.selectFrom('api_token').select('id').where('project_id', '=', p).execute()).toEqual([]);
    expectError(await request(t.app).get('/infra/kv/a').set(bearer(live.secret)), 401, 'UNAUTHORIZED');
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}/projects/${p}`).set(bearer(owner.session)), 404, 'NOT_FOUND');
    expectError(await request(t.app).delete(`/core/organizations/${owner.orgId}/projects/${p}`).set(bearer(owner.session)), 404, 'NOT_FOUND');
  });

  it('a project of another organization is 404 even through one’s own organization path', async () => {
    const other = await signUp(t.app, 'proj-other');
    const theirs = await createProject(t.app, other);
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}/projects/${theirs}`).set(bearer(owner.session)), 404, 'NOT_FOUND');
    expectError(await request(t.app).get(`/core/organizations/${other.orgId}/projects/${theirs}`).set(bearer(owner.session)), 404, 'NOT_FOUND');
  });
});
