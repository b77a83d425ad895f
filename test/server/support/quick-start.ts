/**
 * The docs' quick start as a client runs it over HTTP: sign up, create a project and a token, set
 * and get `hello`. Shared by the in-process suite and the `npm start` suite.
 */
import { expect } from 'vitest';
import { call } from './http.ts';

/** The quick start's steps; returns what a later step (or test) needs. */
export async function quickStart(base: string, email = `quickstart-${Date.now()}@example.com`) {
  const signUp = await call(base, 'POST', '/api/auth/sign-up/email', { body: { email, password: 'a-long-secure-passphrase', name: 'Alice Doe' } });
  expect(signUp.status).toBe(200);
  const session = signUp.body.token as string;
  const orgId = signUp.body.default_org_id as string;

  const project = await call(base, 'POST', `/core/organizations/${orgId}/projects`, { token: session, body: { name: 'Production' } });
  expect(project.status).toBe(201);

  const token = await call(base, 'POST', `/core/organizations/${orgId}/tokens`, {
    token: session,
    body: { name: 'Quick start', project_id: project.body.id, scopes: ['kv:read', 'kv:write', 'channels:publish', 'channels:subscribe'] },
  });
  expect(token.status).toBe(201);
  const key = token.body.secret as string;
  expect(key).toMatch(/^sk_live_/);

  const put = await call(base, 'PUT', '/infra/kv/hello', { token: key, body: { value: 'world' } });
  expect(put.status).toBe(200);
  expect(put.body).toEqual({ key: 'hello', value: 'world', expires_at: null });

  const get = await call(base, 'GET', '/infra/kv/hello', { token: key });
  expect(get.status).toBe(200);
  expect(get.body).toEqual({ key: 'hello', value: 'world', expires_at: null });
  expect(get.headers.get('x-microtokens-used')).toBe('1');

  return { session, orgId, projectId: project.body.id as string, key };
}
