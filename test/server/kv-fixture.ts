/**
 * Fixtures for the KV and channel suites: the real app (in-memory SQLite, response validation
 * on) and a project with tokens, made the way a user makes them (sign up, create a project,
 * create a token), so that these suites exercise authentication and metering too.
 */
import request from 'supertest';
import { type App, createApp } from '../../server/app.ts';

let counter = 0;

export async function openApp(): Promise<App> {
  return createApp({ dbUrl: ':memory:', validateResponses: true, log: () => {} });
}

export interface ProjectTokens {
  orgId: string;
  projectId: string;
  session: string;
  /** Token secrets by name: `live` (every KV/channel scope), `test` (sandbox), `readOnly`. */
  live: string;
  test: string;
  readOnly: string;
}

const ALL = ['kv:read', 'kv:write', 'channels:publish', 'channels:subscribe'];

/** Signs up a new user and creates a project and its tokens. */
export async function newProject(app: App['app']): Promise<ProjectTokens> {
  const email = `kv-${process.pid}-${Date.now()}-${counter++}@example.com`;
  const signUp = await request(app).post('/api/auth/sign-up/email').send({ email, password: 'a-long-secure-passphrase', name: 'KV Tester' });
  if (signUp.status !== 200) throw new Error(`sign-up: ${signUp.status} ${JSON.stringify(signUp.body)}`);
  const session = signUp.body.token as string;
  const orgId = signUp.body.default_org_id as string;
  const auth = { Authorization: `Bearer ${session}` };
  const project = await request(app).post(`/core/organizations/${orgId}/projects`).set(auth).send({ name: 'KV project' });
  if (project.status !== 201) throw new Error(`create project: ${project.status} ${JSON.stringify(project.body)}`);
  const projectId = project.body.id as string;
  const token = async (name: string, scopes: string[], mode: 'live' | 'test' = 'live') => {
    const res = await request(app)
      .post(`/core/organizations/${orgId}/tokens`)
      .set(auth)
      .send({ name, scopes, project_id: projectId, mode });
    if (res.status !== 201) throw new Error(`create token: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.secret as string;
  };
  return {
    orgId,
    projectId,
    session,
    live: await token('live', ALL),
    test: await token('test', ALL, 'test'),
    readOnly: await token('read only', ['kv:read', 'channels:subscribe']),
  };
}

export const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
