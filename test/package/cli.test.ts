/**
 * The `saasignal` CLI as a user gets it: the packed tarball installed into a new project, its
 * `bin` run as separate processes against a real server — commands with an API key, exit codes,
 * a subscription that prints what another process publishes within a second, Node 24 — and
 * `auth login` (authorization code with PKCE through the loopback redirect, and the device code)
 * with the consent given as the Dashboard's consent page gives it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../generated/sdk.ts';
import { type App, createApp } from '../../server/app.ts';
import { Account } from '../support/tenants.ts';
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
  app = await createApp({ dbUrl: ':memory:', validateResponses: true, log: () => undefined });
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

/** The OAuth operations of the document (the server side of the login), typed loosely: they come with the OAuth server. */
interface OAuthApi {
  getAuthorization(query: Record<string, string>): Promise<{ client: { client_id: string } }>;
  decideAuthorization(query: Record<string, string>, body: Record<string, unknown>): Promise<{ redirect_to: string }>;
  getDevice(userCode: string): Promise<{ scopes: string[] }>;
  decideDevice(body: Record<string, unknown>): Promise<unknown>;
  listGrants(): Promise<{ grants: { id: string; project_id: string | null }[] }>;
  revokeGrant(id: string): Promise<unknown>;
}
const oauth = () => (createClient(account.session, { baseUrl: base }).core as unknown as { oauth: OAuthApi }).oauth;
/** The login needs the server's OAuth metadata operation; this suite runs where the document has it. */
const HAS_OAUTH = Boolean(JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')).paths['/.well-known/oauth-authorization-server']);

/**
 * The consent page's answer, as the Dashboard sends it for the signed-in user (the page itself
 * is the Dashboard's suite's): the organization, the project and the scopes granted.
 */
async function approve(authorizeUrl: string, scopes: string[]): Promise<void> {
  const query = Object.fromEntries(new URL(authorizeUrl).searchParams);
  const asked = await oauth().getAuthorization(query);
  expect(asked.client.client_id).toBe('saasignal-cli');
  const { redirect_to } = await oauth().decideAuthorization(query, { decision: 'approve', org_id: account.orgId, project_id: projectId, scopes });
  // The browser follows the redirect to the CLI's loopback server.
  const landing = await fetch(redirect_to);
  expect(await landing.text()).toContain('You can close this tab');
}

describe.runIf(HAS_OAUTH)('saasignal auth login against the real server', () => {
  const authFile = () => join(configDir, 'saasignal', 'auth.json');

  it('login with narrowed scopes: 0600 file, kv works, an ungranted scope is a clear 403, a revoked session a clear failure', async () => {
    const login = started(['auth', 'login', '--no-browser', '--scopes', 'kv:read,kv:write,channels:publish']);
    const url = (await login.waitFor(/http:\/\/\S+\/oauth\/authorize\?\S+/))[0];
    await approve(url, ['kv:read', 'kv:write']);
    expect(await login.exit).toBe(0);
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
    const mine = (await oauth().listGrants()).grants.filter((g) => g.project_id === projectId);
    expect(mine).toHaveLength(1);
    await oauth().revokeGrant(mine[0].id);
    const after = await saasignal(['kv', 'get', 'from-cli']);
    expect(after).toMatchObject({ code: 1, stdout: '' });
    expect(after.stderr).toBe(`Error: Your CLI login to ${base} is no longer valid (revoked, or expired): run \`saasignal auth login\` again.\n`);
  }, 180_000);

  it('the device flow: the code the CLI prints, entered for the signed-in user', async () => {
    const login = started(['auth', 'login', '--device', '--scopes', 'kv:read']);
    const [, uri, code] = await login.waitFor(/open\n\n {2}(\S+)\n\nand enter the code\n\n {2}(\S+)\n/);
    expect(uri).toBe(`${base}/oauth/device`);
    expect((await oauth().getDevice(code)).scopes).toEqual(['kv:read']);
    await oauth().decideDevice({ user_code: code, decision: 'approve', org_id: account.orgId, project_id: projectId, scopes: ['kv:read'] });
    expect(await login.exit).toBe(0);
    expect(JSON.parse(await readFile(authFile(), 'utf8')).logins[base]).toMatchObject({ flow: 'device', scope: 'kv:read', project_id: projectId });
    expect(JSON.parse((await saasignal(['kv', 'get', 'from-cli', '--json'])).stdout).value).toEqual({ via: 'oauth' });
    expect((await saasignal(['auth', 'logout'])).stdout).toBe(`Logged out of ${base} (session revoked).\n`);
    expect((await saasignal(['kv', 'get', 'from-cli'])).code).toBe(1);
  }, 180_000);
});
