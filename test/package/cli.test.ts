/**
 * The `saasignal` CLI as a user gets it: the packed tarball installed into a new project, its
 * `bin` run as separate processes against a real server — commands with an API key, exit codes,
 * a subscription that prints what another process publishes within a second, Node 24 — and
 * `auth login` (authorization code with PKCE through the loopback redirect, and the device code)
 * with the consent given in Chromium on the Dashboard's consent and device pages, and the session
 * revoked on its CLI sessions page.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardDir, ensureDashboard } from '../../dashboard/index.ts';
import { createClient } from '../../generated/sdk.ts';
import { type App, createApp } from '../../server/app.ts';
import { Account, PASSWORD } from '../support/tenants.ts';
import { consumer, pack, run } from './support/consumer.ts';

let dir: string;
let packDir: string;
let configDir: string;
let app: App;
let server: Server;
let base: string;
let account: Account;
let key: string;
let projectId: string;
const children: ChildProcess[] = [];


/** The environment of a user's shell: no credential of the test runner's, a config folder of its own. */
const userEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: configDir, SAASIGNAL_BASE_URL: base, ...extra });

/** Runs the installed bin; resolves with its exit code and output whatever the code. */
async function saasignal(args: string[], env: Record<string, string> = {}, node = [process.execPath]) {
  const bin = join(dir, 'node_modules/saasignal/dist/cli.js');
  return run(node[0], [...node.slice(1), bin, ...args], { cwd: dir, env: userEnv(env), timeout: 120_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) }),
  );
}

beforeAll(async () => {
  packDir = await mkdtemp(join(tmpdir(), 'saasignal-cli-pack-'));
  configDir = await mkdtemp(join(tmpdir(), 'saasignal-cli-config-'));
  dir = await consumer(await pack(packDir));
  await ensureDashboard();
  app = await createApp({ dbUrl: ':memory:', dashboardDir, validateResponses: true, log: () => undefined });
  server = await new Promise<Server>((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  account = await Account.signUp(base, 'cli-e2e');
  const ss = createClient(account.session, { baseUrl: base });
  const project = await ss.core.orgs.createProject(account.orgId, { name: 'CLI' });
  projectId = project.id;
  key = (await ss.core.orgs.createToken({ org_id: account.orgId, name: 'cli', project_id: project.id, scopes: ['kv:read', 'kv:write', 'channels:publish', 'channels:subscribe'] })).secret;
}, 300_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await new Promise((resolve) => server?.close(resolve));
  await app?.close();
  for (const d of [dir, packDir, configDir]) if (d) await rm(d, { recursive: true, force: true });
});

describe('the installed saasignal bin, with an API key', () => {
  it('npx saasignal --help lists the command groups; kv set / get work', async () => {
    const help = await run('npx', ['--no-install', 'saasignal', '--help'], { cwd: dir, env: userEnv() });
    for (const group of ['auth', 'kv', 'channels', 'orgs', 'projects', 'tokens', 'members', 'balance', 'usage', 'completion']) expect(help.stdout).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
    expect(await saasignal(['kv', 'set', 'greeting', 'hello', '--api-key', key])).toMatchObject({ code: 0 });
    const got = await saasignal(['kv', 'get', 'greeting', '--json'], { SAASIGNAL_API_KEY: key });
    expect(JSON.parse(got.stdout)).toEqual({ key: 'greeting', value: 'hello', expires_at: null });
  });

  it.each([
    [['kv', 'get'], /missing required argument 'key'/],
    [['kv', 'incr', 'n', '--delta', 'x'], /Expected a number/],
    [['no-such-command'], /unknown command 'no-such-command'/],
    [[], /Usage: saasignal/],
  ])('usage error %j: exit 2', async (args, message) => {
    const r = await saasignal(args, { SAASIGNAL_API_KEY: key });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('an API error: exit 1 with the message and request id', async () => {
    const r = await saasignal(['kv', 'get', 'absent'], { SAASIGNAL_API_KEY: key });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^Error: No key named "absent" in this project\.\n404 NOT_FOUND · request id req_\w+\n$/);
  });

  it('channels subscribe room prints an event another process publishes, within a second', async () => {
    const bin = join(dir, 'node_modules/saasignal/dist/cli.js');
    const sub = spawn(process.execPath, [bin, 'channels', 'subscribe', 'room', '--json'], { cwd: dir, env: userEnv({ SAASIGNAL_API_KEY: key }) });
    children.push(sub);
    const lines: { at: number; event: { event: string; data: unknown; published_at: string } }[] = [];
    let buffer = '';
    sub.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        lines.push({ at: Date.now(), event: JSON.parse(buffer.slice(0, i)) });
        buffer = buffer.slice(i + 1);
      }
    });
    const seen = async (event: string, ms: number) => {
      for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 20))) {
        const line = lines.find((l) => l.event.event === event);
        if (line || Date.now() >= end) return line;
      }
    };
    // Until the subscription is open, a publish may precede it: publish a warm-up until one arrives.
    for (let i = 0; i < 20 && !(await seen('warmup', 500)); i++) await createClient(key, { baseUrl: base }).infra.channels.publish('room', { event: 'warmup' });
    expect(await seen('warmup', 0)).toBeDefined();

    const published = await saasignal(['channels', 'publish', 'room', 'greet', '--data', '{"from":"another process"}', '--json'], { SAASIGNAL_API_KEY: key });
    expect(published.code).toBe(0);
    const line = await seen('greet', 5000);
    expect(line?.event.data).toEqual({ from: 'another process' });
    // From the server's publish to the subscriber's printed line.
    expect((line?.at ?? Infinity) - Date.parse(line?.event.published_at ?? '')).toBeLessThan(1000);

    // Ctrl-C ends it cleanly.
    const exited = new Promise<number | null>((resolve) => sub.once('exit', (code) => resolve(code)));
    sub.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);

  it('runs on Node 24 (the node package from the registry)', async () => {
    const r = await saasignal(['kv', 'get', 'greeting', '--json'], { SAASIGNAL_API_KEY: key }, ['npx', '-y', '-p', 'node@24', 'node']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).value).toBe('hello');
  }, 240_000);
});

/** The bin started in the background: its output so far, a wait for a line on stderr, and its exit. */
function started(args: string[]) {
  const bin = join(dir, 'node_modules/saasignal/dist/cli.js');
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: userEnv() });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms = 30_000): Promise<RegExpExecArray> => {
    for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 50))) {
      const m = pattern.exec(out.stderr);
      if (m) return m;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${pattern} in the CLI's stderr:\n${out.stderr}`);
    }
  };
  return { child, out, exit, waitFor };
}

/** The login needs the server's OAuth metadata operation; this suite runs where the document has it. */
const HAS_OAUTH = Boolean(JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')).paths['/.well-known/oauth-authorization-server']);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The browser half of the login is the user's: Debian's Chromium (playwright-core) opens the URL
 * the CLI prints, signs in on the Dashboard, narrows the scopes on the consent page and approves;
 * the Dashboard then sends the browser to the CLI's loopback server.
 */
describe.runIf(HAS_OAUTH)('saasignal auth login against the real server, approved in Chromium', () => {
  const authFile = () => join(configDir, 'saasignal', 'auth.json');
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'] });
    page = await browser.newPage({ baseURL: base });
  }, 60_000);
  afterAll(() => browser?.close());

  /** Opens the consent URL; signs in first when the browser has no session. */
  async function consent(authorizeUrl: string) {
    await page.goto(authorizeUrl);
    const form = page.getByRole('form', { name: 'Consent' });
    const signIn = page.getByRole('button', { name: 'Sign in' });
    await form.or(signIn).first().waitFor();
    if (await signIn.isVisible()) {
      await page.getByLabel('Email').fill(account.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await signIn.click();
    }
    await form.waitFor();
    await expect.poll(() => form.getByLabel('Project').inputValue()).toBe(projectId);
    return form;
  }

  it('login with narrowed scopes: 0600 file, kv works, an ungranted scope is a clear 403, a revoked session a clear failure', async () => {
    const login = started(['auth', 'login', '--no-browser', '--scopes', 'kv:read,kv:write,channels:publish']);
    const url = (await login.waitFor(/http:\/\/\S+\/oauth\/authorize\?\S+/))[0];
    const form = await consent(url);
    await form.getByRole('checkbox', { name: 'channels:publish' }).uncheck();
    await form.getByRole('button', { name: 'Approve' }).click();
    expect(await login.exit).toBe(0);
    await expect.poll(() => page.content()).toContain('You can close this tab');
    expect(login.out.stdout).toContain(`Logged in to ${base}.`);

    expect((await stat(authFile())).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(authFile(), 'utf8')).logins[base];
    expect(stored).toMatchObject({ org_id: account.orgId, project_id: projectId, scope: 'kv:read kv:write', flow: 'browser' });
    expect(stored.access_token).toMatch(/^oat_/);

    expect(await saasignal(['kv', 'set', 'from-cli', '{"via":"oauth"}'])).toMatchObject({ code: 0 });
    expect(JSON.parse((await saasignal(['kv', 'get', 'from-cli', '--json'])).stdout).value).toEqual({ via: 'oauth' });

    const denied = await saasignal(['channels', 'publish', 'room', 'nope']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/lacks the scope "channels:publish"[\s\S]*Your login was granted: kv:read kv:write\.[\s\S]*403 INSUFFICIENT_SCOPE · request id req_\w+/);

    // Revoked where the Dashboard lists the user's CLI sessions.
    await page.goto('/account/cli-sessions');
    const rows = page.getByRole('row').filter({ has: page.getByRole('button', { name: 'Revoke' }) });
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    await rows.first().getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog', { name: 'Revoke this CLI session?' }).getByRole('button', { name: 'Revoke session' }).click();
    await expect.poll(() => rows.count()).toBe(0);
    const after = await saasignal(['kv', 'get', 'from-cli']);
    expect(after).toMatchObject({ code: 1, stdout: '' });
    expect(after.stderr).toBe(`Error: Your CLI login to ${base} is no longer valid (revoked, or expired): run \`saasignal auth login\` again.\n`);
  }, 180_000);

  it('the device flow: the code the CLI prints, entered for the signed-in user', async () => {
    const login = started(['auth', 'login', '--device', '--scopes', 'kv:read']);
    const [, uri, code] = await login.waitFor(/open\n\n {2}(\S+)\n\nand enter the code\n\n {2}(\S+)\n/);
    expect(uri).toBe(`${base}/oauth/device`);
    // Typed into the Dashboard's device page, as on another machine.
    await page.goto('/oauth/device');
    await page.getByLabel('Code shown by the device').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
    const form = page.getByRole('form', { name: 'Consent' });
    await expect.poll(() => form.getByLabel('Project').inputValue()).toBe(projectId);
    expect(await form.getByRole('checkbox').count()).toBe(1);
    await form.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Approved' }).waitFor();
    expect(await login.exit).toBe(0);
    expect(JSON.parse(await readFile(authFile(), 'utf8')).logins[base]).toMatchObject({ flow: 'device', scope: 'kv:read', project_id: projectId });
    expect(JSON.parse((await saasignal(['kv', 'get', 'from-cli', '--json'])).stdout).value).toEqual({ via: 'oauth' });
    expect((await saasignal(['auth', 'logout'])).stdout).toBe(`Logged out of ${base} (session revoked).\n`);
    expect((await saasignal(['kv', 'get', 'from-cli'])).code).toBe(1);
  }, 180_000);
});
