/**
 * Names refuse control characters (issue 13, item 20): organization, project, token and user
 * names with NUL, other C0 controls, DEL or C1 controls are a 400 `INVALID_REQUEST` naming the
 * field, on SQLite and on PostgreSQL (where NUL in text used to be a 500), and the pattern is in
 * the document for every client to see.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { document } from '../../server/spec.ts';
import { bearer, createProject, createToken, expectError, openApp, PASSWORD, signUp, type TestApp, type User, uniqueEmail } from '../server/support/platform.ts';

const PG = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';
const schema = `names_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG });

const BAD = ['NUL\u0000inside', 'tab\there', 'line\nbreak', 'escape\u001b[31m', 'del\u007f', 'c1\u0085next'];

describe('the document', () => {
  it('every name field of a request carries the no-control-characters pattern', () => {
    const names = [
      document.components.schemas.SignUpRequest.properties.name,
      document.components.schemas.CreateOrganizationRequest?.properties.name,
      document.components.schemas.UpdateOrganizationRequest?.properties.name,
      document.components.schemas.CreateProjectRequest?.properties.name,
      document.components.schemas.CreateTokenRequest?.properties.name,
    ];
    for (const name of names) expect(name?.pattern).toBe('^[^\\x00-\\x1f\\x7f-\\x9f]+$');
  });
});

describe.each(['sqlite', 'postgres'] as const)('on %s', (store) => {
  let t: TestApp;
  let user: User;
  let projectId: string;
  let apiToken: string;
  beforeAll(async () => {
    if (store === 'postgres') {
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
    }
    const dbUrl = store === 'postgres' ? `${PG}${PG.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}` : ':memory:';
    t = await openApp({ dbUrl });
    user = await signUp(t.app, `names-${store}`);
    projectId = await createProject(t.app, user);
    apiToken = (await createToken(t.app, user.session, user.orgId, { scopes: ['*'] })).secret;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    if (store === 'postgres') {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });

  it.each(BAD.map((name) => [JSON.stringify(name), name]))('refuses the name %s everywhere with 400 and the field', async (_label, name) => {
    const answers = {
      signUp: await request(t.app).post('/api/auth/sign-up/email').send({ email: uniqueEmail('nul'), password: PASSWORD, name }),
      createOrganization: await request(t.app).post('/core/organizations').set(bearer(user.session)).send({ name }),
      updateOrganization: await request(t.app).patch(`/core/organizations/${user.orgId}`).set(bearer(user.session)).send({ name }),
      createProject: await request(t.app).post(`/core/organizations/${user.orgId}/projects`).set(bearer(user.session)).send({ name }),
      createToken: await request(t.app).post(`/core/organizations/${user.orgId}/tokens`).set(bearer(apiToken)).send({ name, scopes: ['kv:read'], project_id: projectId }),
    };
    for (const [op, res] of Object.entries(answers)) {
      expect({ op, status: res.status, code: res.body?.error?.code }).toEqual({ op, status: 400, code: 'INVALID_REQUEST' });
      expectError(res, 400, 'INVALID_REQUEST');
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/body/name' })]));
    }
    expect(t.logs).toEqual([]);
  });

  it('still accepts names in any script, with spaces and symbols', async () => {
    const name = 'Ünïcødé 名前 — “quoted” & <tags> 🚀';
    const res = await request(t.app).post(`/core/organizations/${user.orgId}/projects`).set(bearer(user.session)).send({ name });
    expect({ status: res.status, name: res.body.name }).toEqual({ status: 201, name });
  });
});
