/**
 * Fixtures for the platform suites: the real app (in-memory SQLite, response validation on, its
 * error log captured instead of printed) and users, organizations, projects and tokens made the
 * way a client makes them, through the API.
 */
import request, { type Response } from 'supertest';
import { expect } from 'vitest';
import { type AppOptions, type App, createApp } from '../../../server/app.ts';

export interface TestApp extends App {
  /** What the server logged (unexpected errors, undocumented statuses). */
  logs: { message: string; fields: Record<string, unknown> }[];
}

export async function openApp(options: AppOptions = {}): Promise<TestApp> {
  const logs: TestApp['logs'] = [];
  const app = await createApp({
    dbUrl: ':memory:',
    validateResponses: true,
    log: (message, fields) => logs.push({ message, fields }),
    ...options,
  });
  return { ...app, logs };
}

let counter = 0;
export const PASSWORD = 'a-long-secure-passphrase';

export const uniqueEmail = (tag = 'user') => `${tag}-${process.pid}-${Date.now()}-${counter++}@example.com`;

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The one-time secret of an invitation's emailed link, from the `accept_url` of the answer to inviteMember. */
export const inviteToken = (invitation: { accept_url?: string }): string => new URL(invitation.accept_url!).searchParams.get('token')!;

export interface User {
  email: string;
  userId: string;
  /** The session token. */
  session: string;
  /** `better-auth.session_token=…` as a Cookie header value. */
  cookie: string;
  orgId: string;
}

export async function signUp(app: App['app'], tag = 'user', name = 'Test User'): Promise<User> {
  const email = uniqueEmail(tag);
  const res = await request(app).post('/api/auth/sign-up/email').send({ email, password: PASSWORD, name });
  if (res.status !== 200) throw new Error(`sign-up: ${res.status} ${JSON.stringify(res.body)}`);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return {
    email,
    userId: res.body.user.id,
    session: res.body.token,
    cookie: setCookie[0].split(';')[0],
    orgId: res.body.default_org_id,
  };
}

export async function createProject(app: App['app'], user: User, name = 'Project', orgId = user.orgId): Promise<string> {
  const res = await request(app).post(`/core/organizations/${orgId}/projects`).set(bearer(user.session)).send({ name });
  if (res.status !== 201) throw new Error(`create project: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export interface TokenRequest {
  scopes: string[];
  project_id?: string;
  mode?: 'live' | 'test';
  expires_at?: string;
  name?: string;
}

/** Creates a token with the given credential (a session or another token). */
export async function createToken(app: App['app'], credential: string, orgId: string, body: TokenRequest): Promise<{ id: string; secret: string }> {
  const res = await request(app)
    .post(`/core/organizations/${orgId}/tokens`)
    .set(bearer(credential))
    .send({ name: 'token', ...body });
  if (res.status !== 201) throw new Error(`create token: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, secret: res.body.secret };
}

const REQUEST_ID = /^req_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Asserts the error envelope: status, code, request id in body and header, docs link. */
export function expectError(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['x-request-id']).toMatch(REQUEST_ID);
  expect(res.body.error).toMatchObject({ message: expect.any(String), docs: expect.stringMatching(new RegExp(`^https?://[^/]+/docs#section/Errors/${code}$`)), request_id: res.headers['x-request-id'] });
  expect(JSON.stringify(res.body)).not.toMatch(/\s+at .+\(.+:\d+:\d+\)/);
}

export { REQUEST_ID };
