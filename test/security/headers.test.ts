/**
 * Security headers (issue 13, item 17), as a browser receives them: `nosniff` on every answer
 * (JSON, errors, the document, the docs site, unknown routes); `Cache-Control: no-store` on every
 * answer that carries a secret or a session; a Content-Security-Policy with `frame-ancestors
 * 'none'` on the docs page and on API answers; a page's own policy through `pageHeaders`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../docs-site/html.ts';
import { API_CSP, helmetWith, pageHeaders, parseCsp, replayed, securityHeaders } from '../../server/http/security-headers.ts';
import { bearer, createProject, openApp, PASSWORD, type TestApp, uniqueEmail } from '../server/support/platform.ts';

let t: TestApp;
let docsDir: string;
beforeAll(async () => {
  docsDir = await mkdtemp(join(tmpdir(), 'headers-docs-'));
  await writeFile(join(docsDir, 'index.html'), '<!doctype html><title>docs</title>');
  t = await openApp({ docsDir });
});
afterAll(async () => {
  await t.close();
  await rm(docsDir, { recursive: true, force: true });
});

const directives = (header: string | undefined) => parseCsp(header ?? '');

describe('every answer', () => {
  it.each([
    ['an operation', (app: TestApp['app']) => request(app).get('/api/auth/get-session')],
    ['the document', (app: TestApp['app']) => request(app).get('/openapi.json')],
    ['the docs page', (app: TestApp['app']) => request(app).get('/docs/')],
    ['an unknown route', (app: TestApp['app']) => request(app).get('/nowhere')],
    ['a malformed body', (app: TestApp['app']) => request(app).post('/api/auth/sign-in/email').set('Content-Type', 'application/json').send('{')],
    ['a preflight', (app: TestApp['app']) => request(app).options('/infra/kv/a').set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'PUT')],
  ])('%s carries X-Content-Type-Options: nosniff and cannot be framed', async (_name, send) => {
    const res = await send(t.app);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(directives(res.headers['content-security-policy'])['frame-ancestors']).toEqual(["'none'"]);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('API answers may load nothing at all', async () => {
    const res = await request(t.app).get('/api/auth/get-session');
    expect(directives(res.headers['content-security-policy'])['default-src']).toEqual(["'none'"]);
    // Browser code on other origins reads the API with browser tokens: not blocked by CORP.
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });
});

describe('Cache-Control: no-store', () => {
  it('on sign-up, sign-in, token creation and browser tokens, and their errors', async () => {
    const email = uniqueEmail('nostore');
    const signUpRes = await request(t.app).post('/api/auth/sign-up/email').send({ email, password: PASSWORD, name: 'No Store' });
    const signInRes = await request(t.app).post('/api/auth/sign-in/email').send({ email, password: PASSWORD });
    const wrong = await request(t.app).post('/api/auth/sign-in/email').send({ email, password: 'not-the-password' });
    const session = signInRes.body.token;
    const orgId = signUpRes.body.default_org_id;
    const project = await createProject(t.app, { email, userId: '', session, cookie: '', orgId });
    const token = await request(t.app).post(`/core/organizations/${orgId}/tokens`).set(bearer(session)).send({ name: 'k', scopes: ['*'], project_id: project });
    const browser = await request(t.app).post('/core/tokens/browser').set(bearer(token.body.secret)).send({ ttl: 60 });
    const getSession = await request(t.app).get('/api/auth/get-session').set(bearer(session));
    const answers = { signUpRes, signInRes, wrong, token, browser, getSession };
    expect(Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, [r.status, r.headers['cache-control']]]))).toEqual({
      signUpRes: [200, 'no-store'],
      signInRes: [200, 'no-store'],
      wrong: [401, 'no-store'],
      token: [201, 'no-store'],
      browser: [200, 'no-store'],
      getSession: [200, 'no-store'],
    });
  });

  it('not on the document and the docs (public, cacheable)', async () => {
    expect((await request(t.app).get('/openapi.json')).headers['cache-control']).toBeUndefined();
    expect((await request(t.app).get('/docs/')).headers['cache-control']).not.toContain('no-store');
  });
});

describe('pages', () => {
  it("the docs page: its own policy (inline Redoc, nothing from the network) plus frame-ancestors 'none'", async () => {
    const res = await request(t.app).get('/docs/');
    expect(res.status).toBe(200);
    expect(directives(res.headers['content-security-policy'])).toEqual({ ...parseCsp(CONTENT_SECURITY_POLICY), 'frame-ancestors': ["'none'"] });
  });

  it('pageHeaders gives a page its own policy (the Dashboard: its API on the same origin, data: images)', async () => {
    const app = express();
    app.use(securityHeaders());
    app.use('/app', pageHeaders({ 'default-src': ["'self'"], 'connect-src': ["'self'"], 'img-src': ["'self'", 'data:'] }));
    app.get('/app', (_req, res) => {
      res.type('html').send('<!doctype html>');
    });
    app.get('/api', (_req, res) => {
      res.json({});
    });
    const page = await request(app).get('/app');
    expect(directives(page.headers['content-security-policy'])).toEqual({
      'default-src': ["'self'"],
      'connect-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'frame-ancestors': ["'none'"],
    });
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(directives((await request(app).get('/api')).headers['content-security-policy'])['default-src']).toEqual(["'none'"]);
  });

  it('Strict-Transport-Security only behind https', () => {
    const hsts = async (env: NodeJS.ProcessEnv) => {
      const app = express();
      app.use(securityHeaders(env));
      app.get('/', (_req, res) => {
        res.json({});
      });
      return (await request(app).get('/')).headers['strict-transport-security'];
    };
    return Promise.all([
      expect(hsts({ SAASIGNAL_BASE_URL: 'https://api.example.com' })).resolves.toMatch(/max-age=\d+/),
      expect(hsts({ SAASIGNAL_BASE_URL: 'http://localhost:3000' })).resolves.toBeUndefined(),
    ]);
  });

  it.each([
    ['the API policy over http', API_CSP, false],
    ['the API policy behind https', API_CSP, true],
    ["the docs page's policy", parseCsp(CONTENT_SECURITY_POLICY), false],
  ])('recorded once, helmet\'s headers are what helmet sets on each answer (%s)', async (_name, policy, https) => {
    const headersOf = async (middleware: express.RequestHandler) => {
      const app = express();
      app.use(middleware);
      app.get('/', (_req, res) => {
        res.json({});
      });
      const { headers } = await request(app).get('/');
      return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'date' && name !== 'etag'));
    };
    const helmetHeaders = await headersOf(helmetWith(policy, https));
    expect(Object.keys(helmetHeaders)).toContain('content-security-policy');
    expect(await headersOf(replayed(helmetWith(policy, https)))).toEqual(helmetHeaders);
  });
});

