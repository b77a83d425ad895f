/**
 * Authorization rules, table-driven: which credential may call which operation where.
 * 401: no credential or an invalid one. 403: a valid credential of the wrong kind, bound to the
 * wrong level (organization vs project), or without the scope. 404: another tenant's object.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasScope, isPlatformScope } from '../../server/auth/scopes.ts';
import { bearer, createProject, createToken, expectError, openApp, signUp, type TestApp, type User } from './support/platform.ts';

describe('hasScope', () => {
  it.each([
    [['kv:read'], 'kv:read', true],
    [['kv:read'], 'kv:write', false],
    [['kv:*'], 'kv:write', true],
    [['kv:*'], 'kv:*', true],
    [['kv:*'], 'channels:publish', false],
    [['*'], 'kv:write', true],
    [['*'], '*', true],
    [['orgs:*', 'projects:*', 'tokens:*', 'billing:*'], '*', false],
    [['kv:read'], 'kv:*', false],
    [[], 'kv:read', false],
  ] as const)('%j grants %s: %s', (held, required, want) => {
    expect(hasScope(held, required)).toBe(want);
  });

  it.each([
    ['orgs:read', true],
    ['billing:*', true],
    ['*', true],
    ['kv:read', false],
    ['channels:*', false],
  ])('%s is a platform scope: %s', (scope, want) => {
    expect(isPlatformScope(scope)).toBe(want);
  });
});

interface World {
  owner: User;
  stranger: User;
  projectId: string;
  otherProjectId: string;
  tokens: Record<string, string>;
}

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await openApp();
  const [owner, stranger] = await Promise.all([signUp(t.app, 'authz-owner'), signUp(t.app, 'authz-stranger')]);
  const projectId = await createProject(t.app, owner, 'Main');
  const otherProjectId = await createProject(t.app, owner, 'Other');
  const tok = async (scopes: string[], project_id?: string, mode?: 'test') =>
    (await createToken(t.app, owner.session, owner.orgId, { scopes, project_id, mode })).secret;
  const tokens = {
    orgRead: await tok(['orgs:read']),
    orgAll: await tok(['orgs:*', 'projects:*', 'tokens:*', 'billing:*']),
    orgStar: await tok(['*']),
    projKvRead: await tok(['kv:read'], projectId),
    projKvAll: await tok(['kv:*'], projectId),
    projPlatform: await tok(['orgs:*', 'projects:*', 'billing:read'], projectId),
    projStar: await tok(['*'], projectId),
    strangerStar: (await createToken(t.app, stranger.session, stranger.orgId, { scopes: ['*'] })).secret,
    session: owner.session,
    strangerSession: stranger.session,
  };
  w = { owner, stranger, projectId, otherProjectId, tokens };
  await request(t.app).put('/infra/kv/seen').set(bearer(tokens.projKvAll)).send({ value: 'yes' });
});
afterAll(async () => {
  expect(t.logs).toEqual([]);
  await t.close();
});

type Row = [name: string, credential: keyof World['tokens'] | null, call: (w: World) => [method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: object], status: number, code?: string];

const org = (w: World) => `/core/organizations/${w.owner.orgId}`;
const rows: Row[] = [
  // Sessions: the member's scopes in the organization of the path; trusted where there is none.
  ['owner session reads its organization', 'session', (w) => ['get', org(w)], 200],
  ['a stranger’s session: 404, not 403', 'strangerSession', (w) => ['get', org(w)], 404, 'NOT_FOUND'],
  ['a session on KV: wrong kind', 'session', () => ['get', '/infra/kv/seen'], 403, 'FORBIDDEN'],
  ['a session may list its invitations', 'session', () => ['get', '/core/invitations'], 200],
  // Organization tokens: their organization, their scopes.
  ['org token with orgs:read reads its organization', 'orgRead', (w) => ['get', org(w)], 200],
  ['org token on another organization: 404', 'orgRead', (w) => ['get', `/core/organizations/${w.stranger.orgId}`], 404, 'NOT_FOUND'],
  ['org token without projects:read', 'orgRead', (w) => ['get', `${org(w)}/projects`], 403, 'INSUFFICIENT_SCOPE'],
  ['org token with projects:* lists projects', 'orgAll', (w) => ['get', `${org(w)}/projects`], 200],
  ['org token with orgs:* updates the organization', 'orgAll', (w) => ['patch', org(w), {}], 200],
  ['org token with orgs:* lacks the * that deletion needs', 'orgAll', (w) => ['delete', org(w), { confirm_name: 'x' }], 403, 'INSUFFICIENT_SCOPE'],
  ['org token with billing:* reads the balance', 'orgAll', (w) => ['get', `/core/tokens/balance?org_id=${w.owner.orgId}`], 200],
  ['org token on KV: needs a project', 'orgStar', () => ['get', '/infra/kv/seen'], 403, 'FORBIDDEN'],
  ['org token lists its own organization only', 'orgRead', () => ['get', '/core/organizations'], 200],
  ['org token may not create organizations', 'orgStar', () => ['post', '/core/organizations', { name: 'X' }], 403, 'FORBIDDEN'],
  ['another tenant’s * token on our balance: 404', 'strangerStar', (w) => ['get', `/core/tokens/balance?org_id=${w.owner.orgId}`], 404, 'NOT_FOUND'],
  // Project tokens: their project only.
  ['project token reads KV', 'projKvRead', () => ['get', '/infra/kv/seen'], 200],
  ['project token without kv:write', 'projKvRead', () => ['put', '/infra/kv/seen', { value: 1 }], 403, 'INSUFFICIENT_SCOPE'],
  ['project token with kv:* writes', 'projKvAll', () => ['put', '/infra/kv/other', { value: 1 }], 200],
  ['batch: each op needs its scope', 'projKvRead', () => ['post', '/infra/kv', { ops: [{ op: 'get', key: 'seen' }, { op: 'delete', key: 'seen' }] }], 403, 'INSUFFICIENT_SCOPE'],
  ['batch of reads with kv:read', 'projKvRead', () => ['post', '/infra/kv', { ops: [{ op: 'get', key: 'seen' }] }], 200],
  ['project token reads its organization', 'projPlatform', (w) => ['get', org(w)], 200],
  ['project token cannot update the organization', 'projPlatform', (w) => ['patch', org(w), {}], 403, 'FORBIDDEN'],
  ['project token cannot list members', 'projStar', (w) => ['get', `${org(w)}/members`], 403, 'FORBIDDEN'],
  ['project token cannot create projects', 'projStar', (w) => ['post', `${org(w)}/projects`, { name: 'X' }], 403, 'FORBIDDEN'],
  ['project token gets its project', 'projPlatform', (w) => ['get', `${org(w)}/projects/${w.projectId}`], 200],
  ['project token on a sibling project: 404', 'projPlatform', (w) => ['get', `${org(w)}/projects/${w.otherProjectId}`], 404, 'NOT_FOUND'],
  ['project token cannot delete a sibling project', 'projStar', (w) => ['delete', `${org(w)}/projects/${w.otherProjectId}`], 404, 'NOT_FOUND'],
  ['project token reads the balance', 'projPlatform', (w) => ['get', `/core/tokens/balance?org_id=${w.owner.orgId}`], 200],
  // No or bad credentials.
  ['no credential', null, (w) => ['get', org(w)], 401, 'UNAUTHORIZED'],
  ['no credential on KV', null, () => ['get', '/infra/kv/seen'], 401, 'UNAUTHORIZED'],
];

describe('who may call what', () => {
  it.each(rows)('%s -> %s', async (_name, credential, call, status, code) => {
    const [method, path, body] = call(w);
    let req = request(t.app)[method](path);
    if (credential) req = req.set(bearer(w.tokens[credential]));
    const res = body ? await req.send(body) : await req;
    if (code) expectError(res, status, code);
    else expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.anything() });
  });

  it('a project token sees its own project only in the list', async () => {
    const res = await request(t.app).get(`${org(w)}/projects`).set(bearer(w.tokens.projPlatform));
    expect(res.body.projects.map((p: { id: string }) => p.id)).toEqual([w.projectId]);
  });

  it('an org token lists exactly its organization', async () => {
    const res = await request(t.app).get('/core/organizations').set(bearer(w.tokens.orgRead));
    expect(res.body).toEqual({ organizations: [expect.objectContaining({ id: w.owner.orgId })], next_cursor: null });
  });

  it('404s for other tenants carry no data about the object', async () => {
    const res = await request(t.app).get(`/core/organizations/${w.owner.orgId}/projects/${w.projectId}`).set(bearer(w.tokens.strangerStar));
    expectError(res, 404, 'NOT_FOUND');
    expect(JSON.stringify(res.body)).not.toContain(w.projectId);
  });

  it('test tokens act on a separate sandbox of the project', async () => {
    const test = (await createToken(t.app, w.owner.session, w.owner.orgId, { scopes: ['kv:*'], project_id: w.projectId, mode: 'test' })).secret;
    expectError(await request(t.app).get('/infra/kv/seen').set(bearer(test)), 404, 'NOT_FOUND');
    await request(t.app).put('/infra/kv/seen').set(bearer(test)).send({ value: 'sandbox' });
    expect((await request(t.app).get('/infra/kv/seen').set(bearer(test))).body.value).toBe('sandbox');
    expect((await request(t.app).get('/infra/kv/seen').set(bearer(w.tokens.projKvRead))).body.value).toBe('yes');
  });
});
