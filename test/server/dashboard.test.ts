/**
 * Serving the Dashboard (server/http/dashboard.ts) from a fixture build: index.html, never cached,
 * with the Dashboard's CSP, for exactly the Dashboard's own pages; fingerprinted assets cached
 * immutably; every other path still the API's JSON envelope; a 503 envelope while it is not built.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_PATHS, isDashboardPath, PUBLIC_PATHS, safeNext } from '../../dashboard/src/paths.ts';
import { type App, createApp } from '../../server/app.ts';

const INDEX = '<!doctype html><title>SaaSignal Dashboard</title><script type="module" src="/assets/index-AbC123.js"></script>';

let dir: string;
let built: App;
let unbuilt: App;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-dist-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
  built = await createApp({ dbUrl: ':memory:', dashboardDir: dir });
  unbuilt = await createApp({ dbUrl: ':memory:', dashboardDir: join(dir, 'missing') });
});
afterAll(async () => {
  await built.close();
  await unbuilt.close();
  await rm(dir, { recursive: true, force: true });
});

describe('which paths are the Dashboard', () => {
  it.each([
    ['/', true],
    ['/auth/sign-in', true],
    ['/auth/sign-up', true],
    ['/invitations', true],
    ['/invitations/inv_01JNXS', true],
    ['/orgs/org_1', true],
    ['/orgs/org_1/projects/proj_1/kv', true],
    ['/orgs/org_1/usage', true],
    ['/orgs/org_1/nothing-here', false],
    ['/orgs/', false],
    ['/core/organizations', false],
    ['/infra/kv/a', false],
    ['/api/auth/get-session', false],
    ['/docs', false],
    ['/auth/sign-in/extra', false],
    ['/orgs/%E0%A4%A', false],
    ['/oauth/authorize', true],
    ['/oauth/device', true],
    ['/oauth/device/code', false],
    ['/oauth/token', false],
    ['/account/cli-sessions', true],
  ])('%s → %s', (path, want) => {
    expect(isDashboardPath(path)).toBe(want);
  });
});

describe('where sign-in may return to (?next=)', () => {
  const origin = 'http://localhost:3000';
  it.each([
    ['/oauth/authorize?client_id=saasignal-cli&scope=kv%3Aread+kv%3Awrite', '/oauth/authorize?client_id=saasignal-cli&scope=kv%3Aread+kv%3Awrite'],
    ['/invitations/inv_1', '/invitations/inv_1'],
    ['//evil.example/x', null],
    ['/\\evil.example/x', null],
    ['/\\/evil.example', null],
    ['https://evil.example/', null],
    ['javascript:alert(1)', null],
    ['', null],
    [null, null],
  ])('%s → %s', (next, want) => {
    expect(safeNext(next, origin)).toBe(want);
  });
});

describe('a built Dashboard', () => {
  it.each([...PUBLIC_PATHS, ...APP_PATHS.map((p) => p.replace(/:(\w+)/g, 'x_$1'))])('GET %s is index.html, not cached, with the Dashboard CSP', async (path) => {
    const res = await request(built.app).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toBe(INDEX);
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });

  it('serves fingerprinted assets cached immutably for a year', async () => {
    const res = await request(built.app).get('/assets/index-AbC123.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it.each(['/assets/index-missing.js', '/orgs/x/nothing-here', '/core/nothing', '/nothing'])('GET %s is the JSON 404 envelope', async (path) => {
    const res = await request(built.app).get(path);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', request_id: expect.stringMatching(/^req_/) });
  });

  it('leaves the API alone: a POST to a Dashboard path is not the page, and API answers carry no Dashboard CSP', async () => {
    const post = await request(built.app).post('/orgs/x').send({});
    expect(post.headers['content-type']).toMatch(/^application\/json/);
    const api = await request(built.app).get('/core/organizations');
    expect(api.status).toBe(401);
    expect(api.headers['content-security-policy'] ?? '').not.toContain("connect-src 'self'");
  });
});

describe('a Dashboard not built yet (npm start builds it in the background)', () => {
  it('answers its pages with 503 SERVICE_UNAVAILABLE and Retry-After', async () => {
    const res = await request(unbuilt.app).get('/');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('Dashboard') });
  });
});
