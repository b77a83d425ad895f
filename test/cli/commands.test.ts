/**
 * The CLI's API commands, run in-process against an in-process server: output for people and
 * for scripts, exit codes (0, 1 with the envelope's message and request id, 2 for usage),
 * credential precedence, pagination and a subscription that prints what another client publishes.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../generated/sdk.ts';
import { type App, createApp } from '../../server/app.ts';
import { Account } from '../support/tenants.ts';
import { cli, isolate } from './harness.ts';

let app: App;
let server: Server;
let base: string;
let key: string;
let readOnly: string;
let orgId: string;

async function token(account: Account, scopes: string[]): Promise<string> {
  const ss = createClient(account.session, { baseUrl: base });
  const project = await ss.core.orgs.createProject(account.orgId, { name: `p${Date.now()}` });
  return (await ss.core.orgs.createToken({ org_id: account.orgId, name: 'cli', scopes: scopes as never, project_id: project.id })).secret;
}

beforeAll(async () => {
  app = await createApp({ dbUrl: ':memory:', validateResponses: true, log: () => undefined });
  server = await new Promise<Server>((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const account = await Account.signUp(base, 'cli');
  orgId = account.orgId;
  key = await token(account, ['kv:read', 'kv:write', 'channels:publish', 'channels:subscribe', 'orgs:read', 'billing:read']);
  readOnly = await token(account, ['kv:read']);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await app?.close();
});

beforeEach(async () => {
  await isolate();
  process.env.SAASIGNAL_BASE_URL = base;
});

describe('API commands', () => {
  it('kv set / get / incr / scan / delete, as tables and as JSON', async () => {
    process.env.SAASIGNAL_API_KEY = key;
    expect(await cli(['kv', 'set', 'cli:a', '{"n":1}', '--ttl', '600'])).toMatchObject({ code: 0, stderr: '' });
    const got = await cli(['kv', 'get', 'cli:a']);
    expect(got.stdout).toMatch(/^key\s+cli:a\nvalue\s+\{"n":1\}\nexpires_at\s+\d{4}-/);
    expect(JSON.parse((await cli(['kv', 'get', 'cli:a', '--json'])).stdout)).toMatchObject({ key: 'cli:a', value: { n: 1 } });
    await cli(['kv', 'set', 'cli:word', 'hello']);
    expect(JSON.parse((await cli(['--json', 'kv', 'get', 'cli:word'])).stdout).value).toBe('hello');
    expect(JSON.parse((await cli(['kv', 'incr', 'cli:n', '--delta', '5', '--json'])).stdout).value).toBe(5);
    const scan = await cli(['kv', 'scan', '--prefix', 'cli:']);
    expect(scan.stdout.split('\n').sort()).toEqual(['', 'cli:a', 'cli:n', 'cli:word']);
    expect((await cli(['kv', 'delete', 'cli:a'])).code).toBe(0);
    expect((await cli(['kv', 'get', 'cli:a'])).code).toBe(1);
  });

  it('pages: the first page with a hint, or every page with --all', async () => {
    process.env.SAASIGNAL_API_KEY = key;
    for (const k of ['pg:1', 'pg:2', 'pg:3']) await cli(['kv', 'set', k, '1']);
    const first = await cli(['kv', 'scan', '--prefix', 'pg:', '--limit', '2', '--json']);
    expect(JSON.parse(first.stdout).keys).toHaveLength(2);
    const page = await cli(['kv', 'scan', '--prefix', 'pg:', '--limit', '2']);
    expect(page.stderr).toMatch(/^More: add --cursor \S+, or --all for every page\.\n$/);
    const all = await cli(['kv', 'scan', '--prefix', 'pg:', '--limit', '2', '--all', '--json']);
    expect(JSON.parse(all.stdout).sort()).toEqual(['pg:1', 'pg:2', 'pg:3']);
  });

  it('an API error exits 1 with the envelope message, code and request id on stderr', async () => {
    const missing = await cli(['kv', 'get', 'nope', '--api-key', key]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^Error: No key named "nope" in this project\.\n404 NOT_FOUND · request id req_\w+\n$/);
    const denied = await cli(['kv', 'set', 'k', '1', '--api-key', readOnly]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/lacks the scope "kv:write"[\s\S]*403 INSUFFICIENT_SCOPE · request id req_/);
  });

  it('no server at the base URL: exit 1 naming it', async () => {
    const r = await cli(['kv', 'get', 'k', '--api-key', key, '--base-url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: Cannot reach http:\/\/127\.0\.0\.1:9/);
  });

  it.each([
    ['a missing argument', ['kv', 'get'], /missing required argument 'key'/],
    ['an unknown command', ['kv', 'fetch', 'x'], /unknown command 'fetch'/],
    ['a number that is not one', ['kv', 'incr', 'k', '--delta', 'lots'], /'--delta <value>' argument 'lots' is invalid\. Expected a number/],
    ['an unknown scope', ['tokens', 'create', 'n', '--scopes', 'kv:read,kv:fly', '--org-id', 'org_x'], /Unknown: kv:fly/],
    ['a missing required option', ['orgs', 'delete', 'org_x'], /required option '--confirm-name <value>' not specified/],
    ['JSON that is not', ['kv', 'batch', '[{'], /Expected JSON/],
    ['an organization nobody named, without a login', ['projects', 'list'], /--org-id is required: no stored login/],
    ['a shell it has no completion for', ['completion', 'fish'], /value 'fish' is invalid for argument 'shell'\. Allowed choices are bash, zsh/],
    ['a group without a verb', ['kv'], /Usage: saasignal kv/],
  ])('%s is a usage error: exit 2', async (_name, args, message) => {
    process.env.SAASIGNAL_API_KEY = key;
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--help of a command is the operation summary, its fields and its route; exit 0', async () => {
    const r = await cli(['kv', 'set', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: saasignal kv set \[options\] <key> <value>\n\nSet a value\n/);
    expect(r.stdout).toMatch(/--if-not-exists/);
    expect(r.stdout).toMatch(/PUT \/infra\/kv\/\{key\} · scope kv:write/);
  });

  it('credentials: --api-key over SAASIGNAL_API_KEY over SAASIGNAL_KEY over SAASIGNAL_TOKEN', async () => {
    process.env.SAASIGNAL_TOKEN = 'sk_live_wrong';
    expect((await cli(['kv', 'scan'])).code).toBe(1);
    process.env.SAASIGNAL_KEY = key;
    expect((await cli(['kv', 'scan'])).code).toBe(0);
    process.env.SAASIGNAL_API_KEY = 'sk_live_wrong';
    expect((await cli(['kv', 'scan'])).stderr).toMatch(/401/);
    expect((await cli(['kv', 'scan', '--api-key', key])).code).toBe(0);
    const refused = await cli(['auth', 'status', '--json']);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(new RegExp(`^Error: The key from SAASIGNAL_API_KEY is not valid at ${base} \\(revoked, expired, or mistyped\\)\\.\\n401 \\w+ · request id req_\\w+\\n$`));
    process.env.SAASIGNAL_API_KEY = key;
    const status = await cli(['auth', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toEqual({ base_url: base, credential: 'SAASIGNAL_API_KEY', valid: true, stored_login: 'no' });
  });

  it('org commands take --org-id; balance prints its fields', async () => {
    process.env.SAASIGNAL_API_KEY = key;
    const r = await cli(['balance', '--org-id', orgId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^org_id\\s+${orgId}\\n`));
  });

  it('channels subscribe prints an event another client publishes, within a second; Ctrl-C ends it with 0', async () => {
    process.env.SAASIGNAL_API_KEY = key;
    const stop = new AbortController();
    let seen: (line: string) => void;
    const printed = new Promise<string>((resolve) => (seen = resolve));
    const sub = cli(['channels', 'subscribe', 'cli-room'], { interrupt: stop.signal, onStdout: (t) => seen(t) });
    // Published until the subscription is open and prints it.
    const started = Date.now();
    let publishedAt = 0;
    const publisher = setInterval(() => {
      publishedAt = Date.now();
      void createClient(key, { baseUrl: base }).infra.channels.publish('cli-room', { event: 'hello', data: { n: 1 } });
    }, 200);
    const line = await printed;
    clearInterval(publisher);
    expect(Date.now() - publishedAt).toBeLessThan(1000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(line).toMatch(/^\d\d:\d\d:\d\d {2}hello {2}\{"n":1\}\n$/);
    stop.abort();
    expect(await sub).toMatchObject({ code: 0 });
  });
});
