/**
 * OAuth fixtures: a PKCE pair, an approved authorization (the consent page's call, with a
 * session), and the form posts a CLI makes to the token, device and revocation endpoints.
 */
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { expect } from 'vitest';
import type { App } from '../../../server/app.ts';
import { bearer, type User } from './platform.ts';

export const CLIENT_ID = 'saasignal-cli';
export const REDIRECT = 'http://127.0.0.1:53682/callback';

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeQuery {
  redirect_uri?: string;
  scope?: string;
  state?: string;
  code_challenge: string;
  code_challenge_method?: string;
  client_id?: string;
  response_type?: string;
}

export function authorizationQuery(q: AuthorizeQuery): Record<string, string> {
  return {
    response_type: q.response_type ?? 'code',
    client_id: q.client_id ?? CLIENT_ID,
    redirect_uri: q.redirect_uri ?? REDIRECT,
    scope: q.scope ?? 'kv:read kv:write',
    state: q.state ?? 'st4te',
    code_challenge: q.code_challenge,
    code_challenge_method: q.code_challenge_method ?? 'S256',
  };
}

/** The consent page's approval: the redirect URL's `code`. */
export async function approve(
  app: App['app'],
  user: User,
  q: AuthorizeQuery,
  choice: { org_id?: string; project_id?: string | null; scopes?: string[] },
): Promise<{ code: string; state: string | null; redirect: URL }> {
  const res = await request(app)
    .post('/core/oauth/authorization')
    .query(authorizationQuery(q))
    .set(bearer(user.session))
    .send({ decision: 'approve', org_id: user.orgId, ...choice });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const redirect = new URL(res.body.redirect_to);
  return { code: redirect.searchParams.get('code')!, state: redirect.searchParams.get('state'), redirect };
}

export const form = (app: App['app'], path: string, fields: Record<string, string | undefined>) =>
  request(app)
    .post(path)
    .type('form')
    .send(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, string>);

export const exchangeCode = (app: App['app'], code: string, verifier: string, redirect = REDIRECT) =>
  form(app, '/oauth/token', { grant_type: 'authorization_code', client_id: CLIENT_ID, code, code_verifier: verifier, redirect_uri: redirect });

export const refresh = (app: App['app'], refreshToken: string, scope?: string) =>
  form(app, '/oauth/token', { grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: refreshToken, scope });

/** A full login: approve with `choice`, exchange the code. */
export async function login(app: App['app'], user: User, choice: { project_id?: string | null; scopes?: string[] }, scope = 'kv:read kv:write') {
  const { verifier, challenge } = pkce();
  const { code } = await approve(app, user, { code_challenge: challenge, scope }, choice);
  const res = await exchangeCode(app, code, verifier);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { access_token: string; refresh_token: string; scope: string; expires_in: number; org_id: string; project_id: string | null };
}

export function expectOAuthError(res: request.Response, status: number, error: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toBe(error);
  expect(typeof res.body.error_description).toBe('string');
}
