/**
 * OAuth for the CLI in a real browser (Debian's Chromium, driven by playwright-core), against the
 * real server in-process, with a loopback listener standing in for the CLI: a signed-out user opens
 * the consent URL, signs in and comes back to the same request, narrows the scopes, approves; the
 * code the listener receives becomes a token that works for the granted scope and is refused (403)
 * for the unchecked one. Then the device page with a typed code, and the CLI sessions page, where
 * Revoke makes the token a 401. Every page gets an axe-core check (no serious or critical violation).
 *
 * Chromium missing: the suite fails in CI (CI=true) and is skipped, with a message, elsewhere.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardDir, ensureDashboard } from '../../dashboard/index.ts';
import { type App, createApp } from '../../server/app.ts';
import { login, pkce } from '../server/support/oauth.ts';
import { createProject, PASSWORD, signUp, type User } from '../server/support/platform.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const IN_CI = ['true', '1'].includes(String(process.env.CI).toLowerCase());
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`test/browser/oauth.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium). In CI this fails.`);
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('OAuth consent, device and CLI sessions in Chromium', () => {
  let api: App;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let axeSource: string;
  let owner: User;
  let project: string;
  // The CLI's loopback listener: every request it gets, answered like the CLI would.
  let cli: Server;
  let redirectUri: string;
  const callbacks: URL[] = [];
  const pageErrors: string[] = [];
  const state: { access?: string; deviceAccess?: string } = {};

  async function expectAccessible(p: Page, name: string): Promise<void> {
    // Evaluated through the DevTools protocol: the page's own CSP (script-src 'self') stays on.
    await p.evaluate(axeSource);
    const violations = (await p.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } }).axe;
      return (await axe.run(document, { resultTypes: ['violations'] })).violations;
    })) as { id: string; impact: string | null; nodes: { target: string[] }[] }[];
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious, name).toEqual([]);
  }

  const oauthForm = (path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  const kv = (token: string, method: 'GET' | 'PUT', key: string) =>
    fetch(`${base}/infra/kv/${key}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: method === 'PUT' ? JSON.stringify({ value: 'from the CLI' }) : undefined });

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`Chromium is missing at ${CHROMIUM}: CI must install it (apt-get install -y chromium).`);
    await ensureDashboard();
    axeSource = await readFile(AXE, 'utf8');
    api = await createApp({ dbUrl: ':memory:', dashboardDir, validateResponses: true, rateLimit: { livePerMinute: 10_000, authPerMinute: 10_000 }, oauth: { deviceInterval: 1 } });
    await api.warmUp();
    server = await new Promise<Server>((resolve) => {
      const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cli = await new Promise<Server>((resolve) => {
      const s = createServer((req, res) => {
        const url = new URL(req.url!, 'http://127.0.0.1');
        // Chromium also asks for /favicon.ico, sometimes: only the redirect counts.
        if (url.pathname === '/callback') callbacks.push(url);
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end('<!doctype html><html lang="en"><link rel="icon" href="data:,"><title>SaaSignal CLI</title><main><h1>Logged in. You can close this tab.</h1></main></html>');
      }).listen(0, '127.0.0.1', () => resolve(s));
    });
    redirectUri = `http://127.0.0.1:${(cli.address() as AddressInfo).port}/callback`;
    owner = await signUp(api.app, 'oauth-browser', 'Olga Owner');
    project = await createProject(api.app, owner, 'Production');
    // A key for the granted scope to read, set with a token of the same kind.
    const writer = await login(api.app, owner, { project_id: project });
    expect((await kv(writer.access_token, 'PUT', 'greeting')).status).toBe(200);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: base });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (cli ? cli.close(resolve) : resolve(undefined)));
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await api?.close();
    expect(pageErrors).toEqual([]);
  });

  it('signs in keeping the whole request, approves narrowed scopes, and the code becomes a token with exactly them', async () => {
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({ response_type: 'code', client_id: 'saasignal-cli', redirect_uri: redirectUri, scope: 'kv:read kv:write', state: 'st-123', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`/oauth/authorize?${query}`);
    await page.waitForURL(/\/auth\/sign-in\?next=/);
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/oauth/authorize?${query}`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/oauth/authorize' && url.search === `?${query}`);

    const consent = page.getByRole('form', { name: 'Consent' });
    await consent.getByText('SaaSignal CLI').waitFor();
    await expect.poll(() => consent.getByLabel('Project').inputValue()).toBe(project);
    expect(await consent.getByRole('checkbox', { name: 'kv:read' }).isChecked()).toBe(true);
    await consent.getByRole('checkbox', { name: 'kv:write' }).uncheck();
    await expectAccessible(page, 'consent');
    await consent.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL((url) => url.href.startsWith(redirectUri));

    expect(callbacks).toHaveLength(1);
    expect(callbacks[0].searchParams.get('state')).toBe('st-123');
    const token = await oauthForm('/oauth/token', { grant_type: 'authorization_code', client_id: 'saasignal-cli', code: callbacks[0].searchParams.get('code')!, redirect_uri: redirectUri, code_verifier: verifier });
    const body = await token.json();
    expect(token.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ scope: 'kv:read', org_id: owner.orgId, project_id: project });
    state.access = body.access_token;

    const read = await kv(state.access!, 'GET', 'greeting');
    expect(read.status).toBe(200);
    expect((await read.json()).value).toBe('from the CLI');
    const write = await kv(state.access!, 'PUT', 'greeting');
    expect(write.status).toBe(403);
    expect((await write.json()).error.code).toBe('INSUFFICIENT_SCOPE');
  });

  it('Deny sends the browser back with access_denied and no code', async () => {
    const { challenge } = pkce();
    const query = new URLSearchParams({ response_type: 'code', client_id: 'saasignal-cli', redirect_uri: redirectUri, scope: 'kv:read', state: 'no', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`/oauth/authorize?${query}`);
    await page.getByRole('form', { name: 'Consent' }).getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    const denied = callbacks.at(-1)!;
    expect([denied.searchParams.get('error'), denied.searchParams.get('code'), denied.searchParams.get('state')]).toEqual(['access_denied', null, 'no']);
  });

  it('a request for another host is refused on the page and redirects nowhere', async () => {
    const { challenge } = pkce();
    const query = new URLSearchParams({ response_type: 'code', client_id: 'saasignal-cli', redirect_uri: 'https://evil.example/callback', scope: 'kv:read', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`/oauth/authorize?${query}`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('form', { name: 'Consent' }).count()).toBe(0);
    expect(new URL(page.url()).origin).toBe(base);
  });

  it('approves a device code typed into the device page', async () => {
    const start = await oauthForm('/oauth/device/code', { client_id: 'saasignal-cli', scope: 'kv:read kv:write' });
    const codes = await start.json();
    expect(start.status, JSON.stringify(codes)).toBe(200);
    await page.goto('/oauth/device');
    await page.getByLabel('Code shown by the device').fill('NOPE-NOPE');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Code shown by the device').fill(codes.user_code.toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    const consent = page.getByRole('form', { name: 'Consent' });
    await consent.getByRole('checkbox', { name: 'kv:write' }).waitFor();
    await expectAccessible(page, 'device');
    await consent.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Approved' }).waitFor();

    const poll = await oauthForm('/oauth/token', { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'saasignal-cli', device_code: codes.device_code });
    const tokens = await poll.json();
    expect(poll.status, JSON.stringify(tokens)).toBe(200);
    expect(tokens).toMatchObject({ scope: 'kv:read kv:write', project_id: project });
    state.deviceAccess = tokens.access_token;
    expect((await kv(state.deviceAccess!, 'PUT', 'device')).status).toBe(200);
  });

  it('lists the sessions, and Revoke makes that token a 401 while the other keeps working', async () => {
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'CLI sessions' }).click();
    await page.waitForURL(/\/account\/cli-sessions$/);
    const rows = page.getByRole('row').filter({ has: page.getByRole('button', { name: 'Revoke' }) });
    // Three approvals: the fixture's login, the browser's and the device's.
    await expect.poll(() => rows.count()).toBe(3);
    await expectAccessible(page, 'cli-sessions');
    const narrowed = rows.filter({ hasText: 'kv:read', hasNotText: 'kv:write' });
    expect(await narrowed.count()).toBe(1);
    // Revoke asks first, naming the session; Cancel keeps it.
    await narrowed.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke this CLI session?' });
    await expect.poll(() => confirm.textContent()).toMatch(/kv:read/);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await rows.count()).toBe(3);
    expect((await kv(state.access!, 'GET', 'greeting')).status).toBe(200);

    await narrowed.getByRole('button', { name: 'Revoke' }).click();
    await confirm.getByRole('button', { name: 'Revoke session' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await confirm.count()).toBe(0);

    const refused = await kv(state.access!, 'GET', 'greeting');
    expect(refused.status).toBe(401);
    expect((await kv(state.deviceAccess!, 'GET', 'greeting')).status).toBe(200);
  });
});
