/**
 * The seeds' own examples (000 quick start and authentication, 001 platform, 002 KV), run as
 * written against a real server process: every curl command through `sh` and the real `curl`,
 * every TypeScript example through the SDK. Only the base URL, real ids and real secrets are
 * substituted (the `SUBSTITUTIONS` below, applied to the text), nothing else: a request body the
 * seed shows is the body sent. Each must get the success its seed shows. The one example this API
 * refuses on purpose, `ss.core.orgs.delete('org_…')` without a confirmation, is asserted to fail
 * with the documented error (it also fails to compile: test/sdk/docs-examples.test-d.ts).
 *
 * TypeScript examples: type annotations are stripped by esbuild and their `import` lines are
 * bound to the SDK (`saasignal`), to the previous example's `ss` (`@/lib/saasignal`) and to a
 * `NextResponse` with the call shape of `next/server` (not installed here).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http-client.ts';
import { freePort, type ServerProcess, startServer } from '../support/processes.ts';
import { PASSWORD, uniqueEmail } from '../support/tenants.ts';

const run = promisify(execFile);
const SEED_ORIGIN = 'https://api.saasignal.saastemly.com';

let server: ServerProcess;
let dir: string;
/** Real values, filled in by `beforeAll`: the placeholders of the seeds map onto them. */
const real = {
  session: '',
  userId: '',
  orgId: '',
  projectId: '',
  /** A project token with `*` (`SAASIGNAL_KEY`, `sk_live_abc123...`). */
  key: '',
  /** An organization token with `*`, for the platform examples that show `sk_live_...`. */
  orgKey: '',
};

async function ok(res: Promise<Awaited<ReturnType<typeof call>>>, what: string) {
  const answer = await res;
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const asOwner = () => ({ token: real.session });

/** What the examples act upon and destroy: made fresh for each group of examples. */
async function victims() {
  const base = server.url;
  const orgName = `Doomed ${Date.now()}`;
  const org = await ok(call(base, 'POST', '/core/organizations', { ...asOwner(), body: { name: orgName } }), 'org');
  const orgToken = await ok(call(base, 'POST', `/core/organizations/${org.id}/tokens`, { ...asOwner(), body: { name: 'org key', scopes: ['*'] } }), 'org token');
  const project = await ok(call(base, 'POST', `/core/organizations/${real.orgId}/projects`, { ...asOwner(), body: { name: 'Doomed' } }), 'project');
  const token = await ok(call(base, 'POST', `/core/organizations/${real.orgId}/tokens`, { ...asOwner(), body: { name: 'doomed', scopes: ['orgs:read'] } }), 'token');
  // A member: invited, signed up, accepted.
  const email = uniqueEmail('seed-member');
  const invitation = await ok(call(base, 'POST', `/core/organizations/${real.orgId}/members/invite`, { ...asOwner(), body: { email, scopes: ['kv:read'] } }), 'invite');
  const member = await ok(call(base, 'POST', '/api/auth/sign-up/email', { body: { email, password: PASSWORD, name: 'Member' } }), 'member sign-up');
  // With the emailed link's secret, which proves the invited address (issue 13, item 6).
  const secret = new URL(invitation.accept_url).searchParams.get('token');
  await ok(call(base, 'POST', `/core/invitations/${invitation.id}/accept`, { token: member.token, body: { token: secret } }), 'accept');
  return { orgId: org.id as string, orgName, orgKey: orgToken.secret as string, projectId: project.id as string, tokenId: token.id as string, memberId: member.user.id as string };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seed-examples-'));
  const port = await freePort();
  server = await startServer({
    databaseUrl: join(dir, 'seed.db'),
    port,
    env: { SAASIGNAL_BASE_URL: `http://127.0.0.1:${port}` },
  });
  const base = server.url;
  const signUp = await ok(call(base, 'POST', '/api/auth/sign-up/email', { body: { email: uniqueEmail('seed'), password: PASSWORD, name: 'Seed' } }), 'sign-up');
  real.session = signUp.token;
  real.userId = signUp.user.id;
  real.orgId = signUp.default_org_id;
  real.projectId = (await ok(call(base, 'POST', `/core/organizations/${real.orgId}/projects`, { ...asOwner(), body: { name: 'Seeds' } }), 'project')).id;
  real.key = (await ok(call(base, 'POST', `/core/organizations/${real.orgId}/tokens`, { ...asOwner(), body: { name: 'key', scopes: ['*'], project_id: real.projectId } }), 'key')).secret;
  real.orgKey = (await ok(call(base, 'POST', `/core/organizations/${real.orgId}/tokens`, { ...asOwner(), body: { name: 'org key', scopes: ['*'] } }), 'org key')).secret;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Placeholder text of the seeds -> real value: `extra` first (per example), then the common ones,
 * longest first so that `sk_live_abc123...` wins over `sk_live_...`.
 */
function substitute(text: string, extra: [string, string][] = []): string {
  const pairs: [string, string][] = [
    ...extra,
    [SEED_ORIGIN, server.url],
    ['sk_live_abc123...', real.key],
    ['sk_live_...', real.orgKey],
    ['<session_token>', real.session],
    ['{org_id}', real.orgId],
    ['org_123', real.orgId],
  ];
  let out = text;
  for (const [from, to] of pairs) out = out.split(from).join(to);
  return out;
}

interface CurlAnswer {
  status: number;
  body: unknown;
}

/** Runs one seed curl command as written (after substitution), adding only where to write the answer. */
async function curl(command: string, extra: [string, string][] = []): Promise<CurlAnswer> {
  const out = join(dir, `answer-${Math.random().toString(36).slice(2)}`);
  const { stdout } = await run('sh', ['-c', `${substitute(command, extra)} -sS -o '${out}' -w '%{http_code}'`], {
    env: { ...process.env, SAASIGNAL_KEY: real.key },
    timeout: 15_000,
  });
  const text = readFileSync(out, 'utf8');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: the assertion shows the text.
  }
  return { status: Number(stdout), body };
}

const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<Record<string, unknown>>;

/**
 * Runs one seed TypeScript example as written (after substitution): its imports are bound to
 * `modules`, its exports are returned.
 */
async function runTs(
  source: string,
  modules: Record<string, Record<string, unknown>>,
  /** Names the example uses without defining them (the seeds' `ss`, a recording `console`). */
  globals: Record<string, unknown> = {},
  extra: [string, string][] = [],
  /** The example is the body of a function (it may `return`), not a module. */
  { functionBody = false } = {},
): Promise<Record<string, unknown>> {
  const exported: string[] = [];
  const text = substitute(source, extra)
    .replace(/^import\s+\{([^}]+)\}\s+from\s+'([^']+)'\s*$/gm, (_all, names: string, from: string) => {
      if (!(from in modules)) throw new Error(`no module ${from} for the example`);
      return `const {${names}} = __modules[${JSON.stringify(from)}];`;
    })
    .replace(/^export\s+(const|async function|function)\s+(\w+)/gm, (_all, kind: string, name: string) => {
      exported.push(name);
      return `${kind} ${name}`;
    });
  // Top-level constants (outside any brace) are returned too, so that the test reads what the
  // example computed; the imports' bindings are not.
  let depth = 0;
  for (const line of substitute(source, extra).split('\n')) {
    if (depth === 0 && !line.startsWith('import ')) {
      const one = /^(?:export\s+)?const\s+(\w+)\s*=/.exec(line);
      const many = /^const\s+\{([^}]+)\}\s*=/.exec(line);
      if (one && !exported.includes(one[1])) exported.push(one[1]);
      if (many) exported.push(...many[1].split(',').map((n) => n.trim()));
    }
    depth += (line.match(/[{([]/g) ?? []).length - (line.match(/[})\]]/g) ?? []).length;
  }
  // esbuild refuses a top-level `return` in a module: a function body is stripped inside a function.
  const wrapped = functionBody ? `async function __example() {\n${text}\nreturn { ${exported.join(', ')} };\n}` : text;
  const { code } = await transform(wrapped, { loader: 'ts', format: 'esm', target: 'es2022' });
  if (functionBody) return new AsyncFunction('__modules', ...Object.keys(globals), `${code}\nreturn __example();`)(modules, ...Object.values(globals));
  const names = Object.keys(globals);
  return new AsyncFunction('__modules', ...names, `${code}\nreturn { ${exported.join(', ')} };`)(modules, ...names.map((n) => globals[n]));
}

/** Runs `fn` with the SDK's environment (base URL and key) pointing at the test server. */
async function withSdkEnv<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  process.env.SAASIGNAL_BASE_URL = server.url;
  process.env.SAASIGNAL_KEY = real.key;
  process.env.SAASIGNAL_API_KEY = real.key;
  try {
    return await fn();
  } finally {
    for (const name of ['SAASIGNAL_BASE_URL', 'SAASIGNAL_KEY', 'SAASIGNAL_API_KEY']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

const sdk = async () => (await import('saasignal')) as unknown as Record<string, unknown> & { createClient(key?: string): any };
const NextResponse = { json: (body: unknown) => Response.json(body) };

describe('seed 000: quick start and authentication', () => {
  it('curl: store a value, read it back, publish an event', async () => {
    const put = await curl(`curl -X PUT https://api.saasignal.saastemly.com/infra/kv/hello \\
-H "Authorization: Bearer $SAASIGNAL_KEY" \\
-H "Content-Type: application/json" \\
-d '{"value": "world"}'`);
    expect(put).toEqual({ status: 200, body: { key: 'hello', value: 'world', expires_at: null } });

    const get = await curl(`curl https://api.saasignal.saastemly.com/infra/kv/hello \\
-H "Authorization: Bearer $SAASIGNAL_KEY"`);
    // The seed: # {"key": "hello", "value": "world", "expires_at": null}
    expect(get).toEqual({ status: 200, body: { key: 'hello', value: 'world', expires_at: null } });

    const publish = await curl(`curl -X POST https://api.saasignal.saastemly.com/infra/channels/my-channel/publish \\
-H "Authorization: Bearer $SAASIGNAL_KEY" \\
-H "Content-Type: application/json" \\
-d '{"event": "ping", "data": {"hello": "world"}}'`);
    expect(publish.status).toBe(200);
    expect(publish.body).toMatchObject({ channel: 'my-channel', event: 'ping' });
  });

  it('TypeScript: initialize the client and make the first call from an API route', async () => {
    await withSdkEnv(async () => {
      const lib = await runTs(`import { createClient } from 'saasignal'
export const ss = createClient(process.env.SAASIGNAL_KEY!)`, { saasignal: await sdk() });
      const route = await runTs(`import { ss } from '@/lib/saasignal'
import { NextResponse } from 'next/server'
export async function POST(req: Request) {
const session = await req.json()
await ss.infra.kv.set(\`session:\${session.userId}\`, session, { ttl: 86400 })
return NextResponse.json({ ok: true })
}`, { '@/lib/saasignal': lib, 'next/server': { NextResponse } });
      const POST = route.POST as (req: Request) => Promise<Response>;
      const res = await POST(new Request('http://localhost/api/session', { method: 'POST', body: JSON.stringify({ userId: 'u_seed', role: 'admin' }) }));
      expect(await res.json()).toEqual({ ok: true });
      const stored = await call(server.url, 'GET', '/infra/kv/session:u_seed', { token: real.key });
      expect(stored.body).toMatchObject({ key: 'session:u_seed', value: { userId: 'u_seed', role: 'admin' }, expires_at: expect.any(String) });
    });
  });

  it('authentication: curl with a project token, createClient with a key and from the environment', async () => {
    await call(server.url, 'PUT', '/infra/kv/mykey', { token: real.key, body: { value: 'mine' } });
    const get = await curl(`curl https://api.saasignal.saastemly.com/infra/kv/mykey \\
-H "Authorization: Bearer sk_live_abc123..."`);
    expect(get).toEqual({ status: 200, body: { key: 'mykey', value: 'mine', expires_at: null } });

    await withSdkEnv(async () => {
      const clients = await runTs(`import { createClient } from 'saasignal'
// Reads SAASIGNAL_TOKEN or SAASIGNAL_API_KEY from env automatically if no arg passed
const ss = createClient('sk_live_abc123...')
// Or set SAASIGNAL_API_KEY in your environment:
const ss2 = createClient()`, { saasignal: await sdk() });
      for (const client of [clients.ss, clients.ss2] as any[]) expect((await client.infra.kv.get('mykey')).value).toBe('mine');
    });
  });

  it('browser tokens: curl and SaaSignalClient.createBrowserToken', async () => {
    const res = await curl(`curl -X POST https://api.saasignal.saastemly.com/core/tokens/browser \\
-H "Authorization: Bearer sk_live_abc123..." \\
-H "Content-Type: application/json" \\
-d '{ "scopes": ["channels:subscribe", "kv:read"], "ttl": 900 }'`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.stringMatching(/^bt_/),
      expires_at: expect.any(String),
      ttl: 900,
      scopes: ['channels:subscribe', 'kv:read'],
      project_id: real.projectId,
      org_id: real.orgId,
    });

    await withSdkEnv(async () => {
      const out = await runTs(`import { SaaSignalClient } from 'saasignal'
// Server-side: create a browser token for the client
const { token, expires_at } = await SaaSignalClient.createBrowserToken({
apiKey: 'sk_live_abc123...',
scopes: ['channels:subscribe', 'kv:read'],
ttl: 900,
})
// Send \`token\` (bt_...) to the browser — it's safe to expose`, { saasignal: await sdk() });
      expect(out).toEqual({ token: expect.stringMatching(/^bt_/), expires_at: expect.any(String) });
    });
  });

  it('token model: the balance by curl with a session and by the SDK', async () => {
    const res = await curl(`curl "https://api.saasignal.saastemly.com/core/tokens/balance?org_id=org_123" \\
-H "Authorization: Bearer <session_token>"`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ org_id: real.orgId, included_remaining: expect.any(Number), topup_balance: expect.any(Number), total: expect.any(Number) });

    await withSdkEnv(async () => {
      const ss = (await sdk()).createClient(real.session);
      const logged: unknown[] = [];
      const out = await runTs(`const balance = await ss.core.billing.tokenBalance('org_123')
console.log(balance.total) // 4.82`, {}, { ss, console: { log: (v: unknown) => logged.push(v) } });
      expect(out.balance).toMatchObject({ org_id: real.orgId });
      expect(logged).toEqual([expect.any(Number)]);
    });
  });
});

describe('seed 001: platform', () => {
  it('curl: every example, in the seed order', async () => {
    const v = await victims();
    const member: [string, string][] = [['{user_id}', v.memberId]];
    const project: [string, string][] = [['{project_id}', v.projectId]];
    const expectOk = (res: CurlAnswer, status: number) => expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.anything() });

    // Organizations
    const list = await curl(`curl https://api.saasignal.saastemly.com/core/organizations \\
  -H "Authorization: Bearer <session_token>"`);
    expectOk(list, 200);
    expect((list.body as { organizations: { id: string }[] }).organizations.map((o) => o.id)).toContain(real.orgId);
    const created = await curl(`curl -X POST https://api.saasignal.saastemly.com/core/organizations \\
  -H "Authorization: Bearer <session_token>" \\
  -H "Content-Type: application/json" \\
  -d '{"name":"example"}'`);
    expectOk(created, 201);
    expect(created.body).toMatchObject({ name: 'example' });
    expectOk(await curl(`curl https://api.saasignal.saastemly.com/core/organizations/{org_id} \\
  -H "Authorization: Bearer sk_live_..."`), 200);
    expectOk(await curl(`curl -X PATCH https://api.saasignal.saastemly.com/core/organizations/{org_id} \\
  -H "Authorization: Bearer sk_live_..." \\
  -H "Content-Type: application/json" \\
  -d '{}'`), 200);
    const deleted = await curl(`curl -X DELETE https://api.saasignal.saastemly.com/core/organizations/{org_id} \\
  -H "Authorization: Bearer sk_live_..." \\
  -H "Content-Type: application/json" \\
  -d '{"confirm_name":"..."}'`, [['{org_id}', v.orgId], ['sk_live_...', v.orgKey], ['"..."', JSON.stringify(v.orgName)]]);
    expect(deleted).toEqual({ status: 200, body: { id: v.orgId, deleted: true } });

    // Members
    expectOk(await curl(`curl https://api.saasignal.saastemly.com/core/organizations/{org_id}/members \\
  -H "Authorization: Bearer sk_live_..."`), 200);
    const invited = await curl(`curl -X POST https://api.saasignal.saastemly.com/core/organizations/{org_id}/members/invite \\
  -H "Authorization: Bearer sk_live_..." \\
  -H "Content-Type: application/json" \\
  -d '{"email":"..."}'`, [['"..."', JSON.stringify(uniqueEmail('invitee'))]]);
    expectOk(invited, 202);
    expectOk(await curl(`curl https://api.saasignal.saastemly.com/core/organizations/{org_id}/my-scopes \\
  -H "Authorization: Bearer sk_live_..."`), 200);
    const scoped = await curl(`curl -X PUT https://api.saasignal.saastemly.com/core/organizations/{org_id}/members/{user_id}/scopes \\
  -H "Authorization: Bearer sk_live_..." \\
  -H "Content-Type: application/json" \\
  -d '{"scopes":[]}'`, member);
    expectOk(scoped, 200);
    expect(scoped.body).toMatchObject({ user_id: v.memberId, scopes: [] });
    expectOk(await curl(`curl -X DELETE https://api.saasignal.saastemly.com/core/organizations/{org_id}/members/{user_id} \\
  -H "Authorization: Bearer sk_live_..."`, member), 200);

    // Projects
    expectOk(await curl(`curl https://api.saasignal.saastemly.com/core/organizations/{org_id}/projects \\
  -H "Authorization: Bearer sk_live_..."`), 200);
    const newProject = await curl(`curl -X POST https://api.saasignal.saastemly.com/core/organizations/{org_id}/projects \\
  -H "Authorization: Bearer sk_live_..." \\
  -H "Content-Type: application/json" \\
  -d '{"name":"example"}'`);
    expectOk(newProject, 201);
    expect(newProject.body).toMatchObject({ name: 'example', region: 'enam' });
    expectOk(await curl(`curl https://api.saasignal.saastemly.com/core/organizations/{org_id}/projects/{project_id} \\
  -H "Authorization: Bearer sk_live_..."`, project), 200);
    expectOk(await curl(`curl -X DELETE https://api.saasignal.saastemly.com/core/organizations/{org_id}/projects/{project_id} \\
  -H "Authorization: Bearer sk_live_..."`, project), 200);

    // Tokens
    expectOk(await curl(`curl https://api.saasignal.saastemly.com/core/organizations/{org_id}/tokens \\
  -H "Authorization: Bearer sk_live_..."`), 200);
    const minted = await curl(`curl -X POST https://api.saasignal.saastemly.com/core/organizations/{org_id}/tokens \\
  -H "Authorization: Bearer sk_live_..." \\
  -H "Content-Type: application/json" \\
  -d '{"name":"example","scopes":[]}'`);
    expectOk(minted, 201);
    expect(minted.body).toMatchObject({ name: 'example', scopes: [], secret: expect.stringMatching(/^sk_live_/) });
    expect(await curl(`curl -X DELETE https://api.saasignal.saastemly.com/core/organizations/{org_id}/tokens/{token_id} \\
  -H "Authorization: Bearer sk_live_..."`, [['{token_id}', v.tokenId]])).toEqual({ status: 200, body: { id: v.tokenId, deleted: true } });

    // Browser token
    const browser = await curl(`curl -X POST https://api.saasignal.saastemly.com/core/tokens/browser \\
  -H "Authorization: Bearer sk_live_abc123..." \\
  -H "Content-Type: application/json" \\
  -d '{ "scopes": ["channels:subscribe", "kv:read"], "ttl": 900 }'`);
    expect(browser.status).toBe(200);
    expect(browser.body).toMatchObject({ ttl: 900, scopes: ['channels:subscribe', 'kv:read'], project_id: real.projectId, org_id: real.orgId });
  });

  it('TypeScript: every example, in the seed order', async () => {
    const v = await victims();
    const ids: [string, string][] = [
      ['org_01JNXS...', real.orgId],
      ['proj_01JNXS...', v.projectId],
      ['tok_01JNXS...', v.tokenId],
      ["'u_123'", `'${v.memberId}'`],
    ];
    await withSdkEnv(async () => {
      const { createClient, SaaSignalClient } = await sdk();
      const ss = createClient(real.session);
      const ts = (source: string, extra: [string, string][] = ids) => runTs(source, {}, { ss, SaaSignalClient }, extra);

      expect((await ts(`const orgs = await ss.core.orgs.list()`)).orgs).toMatchObject({ organizations: expect.any(Array) });
      expect((await ts(`const org = await ss.core.orgs.create({ name: 'Acme Corp' })`)).org).toMatchObject({ name: 'Acme Corp' });
      expect((await ts(`const org = await ss.core.orgs.get('org_01JNXS...')`)).org).toMatchObject({ id: real.orgId });
      await ts(`await ss.core.orgs.update('org_01JNXS...', { name: 'Acme Inc' })`);
      // Refused on purpose (see the reference, Delete an organization): without confirm_name it
      // does not compile, and at run time the server answers 400 INVALID_REQUEST.
      await expect(ts(`await ss.core.orgs.delete('org_01JNXS...')`, [['org_01JNXS...', v.orgId]])).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
      expect((await call(server.url, 'GET', `/core/organizations/${v.orgId}`, asOwner())).status).toBe(200);

      expect((await ts(`const members = await ss.core.orgs.listMembers('org_01JNXS...')`)).members).toMatchObject({ members: expect.any(Array) });
      await ts(`await ss.core.orgs.invite('org_01JNXS...', {
  email: 'alice@acme.com',
  scopes: ['kv:read', 'kv:write', 'channels:publish'],
})`);
      expect((await ts(`const scopes = await ss.core.orgs.myScopes('org_01JNXS...')`)).scopes).toMatchObject({ scopes: ['*'] });
      await ts(`await ss.core.orgs.updateMemberScopes('org_01JNXS...', 'u_123', {
  scopes: ['kv:read', 'channels:subscribe'],
})`);
      await ts(`await ss.core.orgs.removeMember('org_01JNXS...', 'u_123')`);

      expect((await ts(`const projects = await ss.core.orgs.listProjects('org_01JNXS...')`)).projects).toMatchObject({ projects: expect.any(Array) });
      expect((await ts(`const project = await ss.core.orgs.createProject('org_01JNXS...', { name: 'Production' })`)).project).toMatchObject({ name: 'Production' });
      expect((await ts(`const project = await ss.core.orgs.getProject('org_01JNXS...', 'proj_01JNXS...')`)).project).toMatchObject({ id: v.projectId });
      expect((await ts(`const tokens = await ss.core.orgs.listTokens('org_01JNXS...')`)).tokens).toMatchObject({ tokens: expect.any(Array) });
      // Before the project is deleted: the token is minted for it.
      expect((await ts(`const token = await ss.core.orgs.createToken({
  org_id: 'org_01JNXS...',
  project_id: 'proj_01JNXS...',
  name: 'Production Key',
  scopes: ['kv:read', 'kv:write', 'channels:publish'],
})`)).token).toMatchObject({ project_id: v.projectId, secret: expect.stringMatching(/^sk_live_/) });
      await ts(`await ss.core.orgs.deleteProject('org_01JNXS...', 'proj_01JNXS...')`);
      await ts(`await ss.core.orgs.revokeToken('org_01JNXS...', 'tok_01JNXS...')`);

      const browser = await ts(`const { token, expires_at } = await SaaSignalClient.createBrowserToken({
  apiKey: 'sk_live_abc123...',
  scopes: ['channels:subscribe', 'kv:read'],
  ttl: 900,
})
// token is a short-lived bt_* JWT safe for browser use`);
      expect(browser).toEqual({ token: expect.stringMatching(/^bt_/), expires_at: expect.any(String) });
    });
  });
});

describe('seed 002: KV', () => {
  it('curl: every example', async () => {
    const key: [string, string][] = [['{key}', 'session:u_123']];
    await call(server.url, 'PUT', '/infra/kv/session:u_123', { token: real.key, body: { value: { userId: 'u_123', role: 'admin' } } });
    const get = await curl(`curl https://api.saasignal.saastemly.com/infra/kv/{key} \\
-H "Authorization: Bearer sk_live_..."`, [...key, ['sk_live_...', real.key]]);
    expect(get).toEqual({ status: 200, body: { key: 'session:u_123', value: { userId: 'u_123', role: 'admin' }, expires_at: null } });
    const set = await curl(`curl -X PUT https://api.saasignal.saastemly.com/infra/kv/{key} \\
-H "Authorization: Bearer sk_live_..." \\
-H "Content-Type: application/json" \\
-d '{"value":{"example":"data"}}'`, [...key, ['sk_live_...', real.key]]);
    expect(set).toEqual({ status: 200, body: { key: 'session:u_123', value: { example: 'data' }, expires_at: null } });
    const del = await curl(`curl -X DELETE https://api.saasignal.saastemly.com/infra/kv/{key} \\
-H "Authorization: Bearer sk_live_..."`, [...key, ['sk_live_...', real.key]]);
    expect(del).toEqual({ status: 200, body: { key: 'session:u_123', deleted: true } });
    const inc = await curl(`curl -X POST https://api.saasignal.saastemly.com/infra/kv/{key}/increment \\
-H "Authorization: Bearer sk_live_..." \\
-H "Content-Type: application/json" \\
-d '{}'`, [['{key}', 'counter:seed'], ['sk_live_...', real.key]]);
    expect(inc).toEqual({ status: 200, body: { key: 'counter:seed', value: 1, expires_at: null } });
    const scan = await curl(`curl https://api.saasignal.saastemly.com/infra/kv \\
-H "Authorization: Bearer sk_live_..."`, [['sk_live_...', real.key]]);
    expect(scan.status).toBe(200);
    expect(scan.body).toMatchObject({ keys: expect.arrayContaining(['counter:seed']), next_cursor: null });
    // The seed's own empty batch: a free no-op.
    const batch = await curl(`curl -X POST https://api.saasignal.saastemly.com/infra/kv \\
-H "Authorization: Bearer sk_live_..." \\
-H "Content-Type: application/json" \\
-d '{"ops":[]}'`, [['sk_live_...', real.key]]);
    expect(batch).toEqual({ status: 200, body: { results: [] } });
  });

  it('TypeScript: every example', async () => {
    await withSdkEnv(async () => {
      const { createClient } = await sdk();
      const ss = createClient(real.key);
      const ts = (source: string, globals: Record<string, unknown> = {}) => runTs(source, {}, { ss, ...globals });

      await ts(`await ss.infra.kv.set('session:u_123', { userId: 'u_123', role: 'admin' }, { ttl: 86400 })`);
      const { entry } = await ts(`const entry = await ss.infra.kv.get('session:u_123')
// entry.value, entry.expires_at`);
      expect(entry).toEqual({ key: 'session:u_123', value: { userId: 'u_123', role: 'admin' }, expires_at: expect.any(String) });
      await ts(`await ss.infra.kv.delete('session:u_123')`);

      // The example is the body of a route handler (it returns): run as one.
      const limited = await runTs(`// Rate limit: max 100 req/min
const { value } = await ss.infra.kv.increment(\`ratelimit:\${userId}\`, { ttl: 60 })
if (value > 100) return new Response('Rate limited', { status: 429 })`, {}, { ss, userId: 'u_seed' }, [], { functionBody: true });
      expect(limited).toEqual({ value: 1 });
      expect((await call(server.url, 'GET', '/infra/kv/ratelimit:u_seed', { token: real.key })).body).toMatchObject({ value: 1 });

      await call(server.url, 'PUT', '/infra/kv/session:u_1', { token: real.key, body: { value: 1 } });
      const { result } = await ts(`const result = await ss.infra.kv.scan({ prefix: 'session:', limit: 50 })
// result.keys, result.next_cursor`);
      expect(result).toMatchObject({ keys: expect.arrayContaining(['session:u_1']), next_cursor: null });

      const { results } = await ts(`const results = await ss.infra.kv.batch([
{ op: 'get', key: 'config:flags' },
{ op: 'set', key: 'session:new', value: { userId: 'u_456' }, ttl: 3600 },
{ op: 'delete', key: 'session:old' },
])`);
      expect((results as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(['not_found', 'ok', 'not_found']);
    });
  });
});
