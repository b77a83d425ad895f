/**
 * The document and the real server agree in both directions: `prism proxy … --errors` stands in
 * front of `server/main.ts` (embedded SQLite in a temporary directory) and checks every request
 * against the document before forwarding it, and every answer after. A scenario through the SDK
 * touches every operation; no answer may carry an `sl-violations` header or be Prism's own 422
 * (invalid request) or 500 (invalid response).
 *
 * What Prism does with --errors, measured here and asserted below:
 * - a request that breaks the document (a missing field, no credential at all) is answered by
 *   Prism itself (422, or 401 for a missing credential, as `application/problem+json`) and never
 *   reaches the server;
 * - a request the document allows but the server refuses (wrong password, missing key, taken
 *   slug, …) is forwarded, and the server's own 4xx envelope comes back unchanged;
 * - an event stream is buffered until the upstream response ends, which a subscription never
 *   does: subscriptions are opened against the server directly (the SDK, same code path), and
 *   only the subscribe operation's refusals go through Prism.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, type SaaSignalClient, SaaSignalClient as Client, SaaSignalError } from '../../generated/sdk.ts';
import { operationsById } from '../../server/spec.ts';
import { freePort, type ServerProcess, type Spawned, startPrism, startServer } from '../support/processes.ts';

interface Exchange {
  via: 'proxy' | 'server';
  method: string;
  path: string;
  status: number;
  contentType: string;
  violations: string | null;
  microtokens: number;
}

const exchanges: Exchange[] = [];
const dir = mkdtempSync(join(tmpdir(), 'proxy-contract-'));
let server: ServerProcess;
let prism: Spawned;

/** A fetch that records what each answer looked like, for the SDK to use. */
function recordingFetch(via: Exchange['via']): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const res = await fetch(req);
    const url = new URL(req.url);
    exchanges.push({
      via,
      method: req.method,
      path: url.pathname,
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      violations: res.headers.get('sl-violations'),
      microtokens: Number(res.headers.get('x-microtokens-used') ?? 0),
    });
    return res;
  };
}

const viaProxy = (key?: string) => createClient(key, { baseUrl: prism.url, fetch: recordingFetch('proxy') });
const direct = (key?: string) => createClient(key, { baseUrl: server.url, fetch: recordingFetch('server') });

/** The refusal a call ends with: status and code of the envelope (or Prism's problem). */
async function refusal(call: Promise<unknown>): Promise<{ status: number; code: string }> {
  const err = await call.then(
    () => {
      throw new Error('expected a refusal, got a success');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof SaaSignalError)) throw err;
  return { status: err.status, code: err.code };
}

const last = () => exchanges[exchanges.length - 1];

/** Which operation of the document a recorded request was. */
function operationOf(method: string, path: string): string | undefined {
  for (const op of operationsById.values()) {
    const pattern = new RegExp(`^${op.path.replace(/\{\w+\}/g, '[^/]+')}$`);
    if (op.method.toUpperCase() === method && pattern.test(path)) return op.operationId;
  }
  return undefined;
}

beforeAll(async () => {
  // Prism needs no upstream to start (it is the slower of the two): both start at once.
  const port = await freePort();
  const starting = startServer({
    databaseUrl: join(dir, 'saasignal.db'),
    port,
    env: { SAASIGNAL_RATE_LIMIT: '100000', SAASIGNAL_AUTH_RATE_LIMIT: '100000' },
  });
  [server, prism] = await Promise.all([starting, startPrism({ proxy: `http://127.0.0.1:${port}` })]);
}, 90_000);

afterAll(async () => {
  console.log(`proxy contract: ${exchanges.length} requests (${exchanges.filter((x) => x.via === 'proxy').length} through Prism)`);
  await prism?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PASSWORD = 'a-long-secure-passphrase';
const email = (tag: string) => `proxy-${tag}-${process.pid}-${Date.now()}@example.com`;

it('a scenario touching every operation passes the proxy with zero violations either way', async () => {
  const anonymous = viaProxy();

  // Probes.
  expect(await anonymous.health.live()).toEqual({ status: 'ok' });
  expect((await anonymous.health.ready()).status).toBe('ready');

  // Accounts.
  const ownerEmail = email('owner');
  const signedUp = await anonymous.auth.signUp({ email: ownerEmail, password: PASSWORD, name: 'Owner' });
  expect(signedUp.token).toEqual(expect.any(String));
  expect(await refusal(anonymous.auth.signIn({ email: ownerEmail, password: 'not-the-password' }))).toEqual({ status: 401, code: 'INVALID_CREDENTIALS' });
  const signedIn = await anonymous.auth.signIn({ email: ownerEmail, password: PASSWORD });
  const owner = viaProxy(signedIn.token!);
  expect((await owner.auth.getSession()).user.email).toBe(ownerEmail);
  const inviteeEmail = email('invitee');
  const invitee = viaProxy((await anonymous.auth.signUp({ email: inviteeEmail, password: PASSWORD, name: 'Invitee' })).token!);

  // Organizations.
  const slug = `proxy-${process.pid}-${Date.now()}`;
  const org = await owner.core.orgs.create({ name: 'Proxy Org', slug });
  expect(await owner.core.orgs.get(org.id)).toEqual(org);
  expect((await owner.core.orgs.update(org.id, { name: 'Proxy Org Renamed' })).name).toBe('Proxy Org Renamed');
  expect((await owner.core.orgs.list()).organizations.map((o) => o.id)).toContain(org.id);
  expect(await refusal(owner.core.orgs.create({ name: 'Again', slug }))).toEqual({ status: 409, code: 'SLUG_TAKEN' });

  // Members: invite, the invitee lists and accepts, scopes changed, removed.
  const invitation = await owner.core.orgs.invite(org.id, { email: inviteeEmail, scopes: ['orgs:read', 'projects:read'] });
  const listed = await invitee.core.invitations.list();
  expect(listed.invitations.map((i) => i.id)).toEqual([invitation.id]);
  const joined = await invitee.core.invitations.accept(invitation.id);
  expect(joined.scopes).toEqual(['orgs:read', 'projects:read']);
  expect((await invitee.core.orgs.myScopes(org.id)).scopes).toEqual(['orgs:read', 'projects:read']);
  expect(await refusal(invitee.core.orgs.invite(org.id, { email: email('nobody') }))).toEqual({ status: 403, code: 'INSUFFICIENT_SCOPE' });
  expect((await owner.core.orgs.listMembers(org.id)).members).toHaveLength(2);
  expect((await owner.core.orgs.updateMemberScopes(org.id, joined.user_id, { scopes: ['orgs:read'] })).scopes).toEqual(['orgs:read']);
  await owner.core.orgs.removeMember(org.id, joined.user_id);
  expect(await refusal(invitee.core.orgs.get(org.id))).toEqual({ status: 404, code: 'NOT_FOUND' });
  // The organization's side of invitations: a pending one listed, then revoked.
  const pending = await owner.core.orgs.invite(org.id, { email: email('pending'), scopes: ['orgs:read'] });
  expect((await owner.core.orgs.listInvitations(org.id)).invitations.map((i) => i.id)).toEqual([pending.id]);
  await owner.core.orgs.revokeInvitation(org.id, pending.id);
  expect((await owner.core.orgs.listInvitations(org.id)).invitations).toEqual([]);

  // Projects.
  const project = await owner.core.orgs.createProject(org.id, { name: 'Proxied', region: 'weur' });
  expect(await owner.core.orgs.getProject(org.id, project.id)).toEqual(project);
  expect((await owner.core.orgs.listProjects(org.id)).projects).toEqual([project]);

  // Tokens, live and test.
  const live = await owner.core.orgs.createToken({ org_id: org.id, project_id: project.id, name: 'live', scopes: ['kv:*', 'channels:*'] });
  const test = await owner.core.orgs.createToken({ org_id: org.id, project_id: project.id, name: 'test', scopes: ['kv:*'], mode: 'test' });
  const readOnly = await owner.core.orgs.createToken({ org_id: org.id, project_id: project.id, name: 'read', scopes: ['kv:read'] });
  expect((await owner.core.orgs.listTokens(org.id, { project_id: project.id })).tokens.map((t) => t.id).sort()).toEqual([live.id, test.id, readOnly.id].sort());
  // The Dashboard's own short-lived token: the member's KV and channel scopes, never listed.
  const dashboardToken = await owner.core.orgs.createDashboardToken(org.id, project.id);
  expect(dashboardToken.secret).toMatch(/^sk_live_/);
  expect((await owner.core.orgs.listTokens(org.id, { project_id: project.id })).tokens).toHaveLength(3);

  // KV, metered: the balance drops by exactly the X-Microtokens-Used the proxy let through.
  const before = await owner.core.billing.tokenBalance(org.id);
  const firstMetered = exchanges.length;
  const kv = viaProxy(live.secret);
  expect(await kv.infra.kv.set('greeting', { hello: 'world' }, { ttl: 3600 })).toMatchObject({ key: 'greeting', value: { hello: 'world' } });
  expect(await refusal(kv.infra.kv.set('greeting', 'again', { if_not_exists: true }))).toEqual({ status: 409, code: 'KEY_EXISTS' });
  expect((await kv.infra.kv.get('greeting')).value).toEqual({ hello: 'world' });
  expect(await refusal(kv.infra.kv.get('missing'))).toEqual({ status: 404, code: 'NOT_FOUND' });
  expect(await kv.infra.kv.increment('counter', { delta: 5 })).toMatchObject({ key: 'counter', value: 5 });
  expect(await kv.infra.kv.increment('counter')).toMatchObject({ value: 6 });
  expect(await refusal(kv.infra.kv.increment('greeting'))).toEqual({ status: 409, code: 'NOT_A_NUMBER' });
  expect((await kv.infra.kv.scan({ prefix: 'gr', limit: 10 })).keys).toEqual(['greeting']);
  const batch = await kv.infra.kv.batch([
    { op: 'set', key: 'batched', value: [1, 2, 3] },
    { op: 'get', key: 'counter' },
    { op: 'delete', key: 'nothing-here' },
  ]);
  expect(batch.results.map((r) => r.status)).toEqual(['ok', 'ok', 'not_found']);
  await kv.infra.kv.delete('batched');
  expect(await refusal(viaProxy(readOnly.secret).infra.kv.set('greeting', 1))).toEqual({ status: 403, code: 'INSUFFICIENT_SCOPE' });

  // The sandbox: a test token sees none of the live data and is never charged.
  const sandbox = viaProxy(test.secret);
  expect(await refusal(sandbox.infra.kv.get('greeting'))).toEqual({ status: 404, code: 'NOT_FOUND' });
  await sandbox.infra.kv.set('greeting', 'sandboxed');
  expect(last()).toMatchObject({ status: 200, microtokens: 0 });

  // Channels: the subscription directly on the server (Prism buffers streams), the publish through Prism.
  const listening = new AbortController();
  const events = direct(live.secret).infra.channels.subscribe('news', { signal: listening.signal });
  const received = events.next();
  let published: Awaited<ReturnType<SaaSignalClient['infra']['channels']['publish']>> | undefined;
  for (let i = 0; i < 50 && !published; i++) {
    const res = await kv.infra.channels.publish('news', { event: 'ping', data: { n: i } });
    if (res.delivered === 1) published = res;
    else await new Promise((r) => setTimeout(r, 50));
  }
  expect(published).toBeDefined();
  const event = await received;
  expect(event.value).toEqual({ id: published!.id, event: 'ping', data: expect.any(Object), published_at: published!.published_at });
  listening.abort();
  await events.return(undefined).catch(() => undefined);

  // Browser tokens: minted through Prism, used through Prism, refused where their scopes end.
  const bt = await Client.createBrowserToken({ apiKey: live.secret, baseUrl: prism.url, fetch: recordingFetch('proxy'), scopes: ['kv:read'], ttl: 120 });
  const browser = viaProxy(bt.token);
  expect((await browser.infra.kv.get('greeting')).value).toEqual({ hello: 'world' });
  expect(await refusal(browser.infra.channels.subscribe('news').next())).toEqual({ status: 403, code: 'INSUFFICIENT_SCOPE' });
  expect(await refusal(viaProxy(live.secret).core.tokens.createBrowserToken({ scopes: ['*'] }))).toEqual({ status: 403, code: 'INSUFFICIENT_SCOPE' });

  const metered = exchanges.slice(firstMetered).reduce((sum, x) => sum + x.microtokens, 0);
  expect(metered).toBeGreaterThan(0);
  const after = await owner.core.billing.tokenBalance(org.id);
  expect(before.total - after.total).toBeCloseTo(metered / 1_000_000, 9);
  // Usage of this cycle shows the calls just metered.
  const usage = await owner.core.billing.usage(org.id);
  expect(usage.by_operation.map((u) => u.operation_id)).toContain('setValue');

  // Revocation: the very next request with the token, or a browser token made from it, is a 401.
  await owner.core.orgs.revokeToken(org.id, live.id);
  expect(await refusal(kv.infra.kv.get('greeting'))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
  expect(await refusal(browser.infra.kv.get('greeting'))).toEqual({ status: 401, code: 'UNAUTHORIZED' });

  // OAuth, the CLI's login: the consent page's operations through the SDK, the protocol's form
  // posts (RFC 6749, 8628, 7009) as an OAuth client sends them, all through Prism.
  const oauthFetch = recordingFetch('proxy');
  const post = async (path: string, fields: Record<string, string>) => {
    const res = await oauthFetch(`${prism.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
    return { status: res.status, body: res.status === 200 && path === '/oauth/revoke' ? null : await res.json() };
  };
  const metadata = await (await oauthFetch(`${prism.url}/.well-known/oauth-authorization-server`)).json();
  expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  const verifier = randomBytes(32).toString('base64url');
  const authorization = {
    response_type: 'code', client_id: 'saasignal-cli', redirect_uri: 'http://127.0.0.1:53682/callback', scope: 'kv:read kv:write', state: 'proxy',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  };
  expect((await owner.core.oauth.getAuthorization(authorization)).scopes).toEqual(['kv:read', 'kv:write']);
  const consented = await owner.core.oauth.decideAuthorization(authorization, { decision: 'approve', org_id: org.id, project_id: project.id, scopes: ['kv:read'] });
  const code = new URL(consented.redirect_to).searchParams.get('code')!;
  const exchange = { grant_type: 'authorization_code', client_id: 'saasignal-cli', code, code_verifier: verifier, redirect_uri: authorization.redirect_uri };
  const issued = await post('/oauth/token', exchange);
  expect(issued).toMatchObject({ status: 200, body: { token_type: 'Bearer', scope: 'kv:read' } });
  expect((await viaProxy(issued.body.access_token).infra.kv.get('greeting')).value).toEqual({ hello: 'world' });
  expect(await refusal(viaProxy(issued.body.access_token).infra.kv.set('greeting', 1))).toEqual({ status: 403, code: 'INSUFFICIENT_SCOPE' });
  expect(await post('/oauth/token', exchange)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  const device = await post('/oauth/device/code', { client_id: 'saasignal-cli', scope: 'kv:read' });
  expect((await owner.core.oauth.getDevice(device.body.user_code)).scopes).toEqual(['kv:read']);
  const poll = { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'saasignal-cli', device_code: device.body.device_code };
  expect(await post('/oauth/token', poll)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
  expect(await owner.core.oauth.decideDevice({ user_code: device.body.user_code, decision: 'deny' })).toEqual({ status: 'denied' });
  const again = await owner.core.oauth.decideAuthorization(authorization, { decision: 'approve', org_id: org.id, project_id: project.id });
  const second = await post('/oauth/token', { ...exchange, code: new URL(again.redirect_to).searchParams.get('code')! });
  const rotated = await post('/oauth/token', { grant_type: 'refresh_token', client_id: 'saasignal-cli', refresh_token: second.body.refresh_token });
  expect(rotated.status).toBe(200);
  const grants = (await owner.core.oauth.listGrants()).grants;
  expect(grants).toHaveLength(1);
  await owner.core.oauth.revokeGrant(grants[0].id);
  expect(await refusal(viaProxy(rotated.body.access_token).infra.kv.get('greeting'))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
  expect(await post('/oauth/revoke', { token: rotated.body.refresh_token, client_id: 'saasignal-cli' })).toEqual({ status: 200, body: null });

  // Deleting the project and the organization, then signing out.
  expect(await refusal(owner.core.orgs.delete(org.id, { confirm_name: 'Proxy Org' }))).toEqual({ status: 400, code: 'CONFIRMATION_MISMATCH' });
  await owner.core.orgs.deleteProject(org.id, project.id);
  expect(await refusal(owner.core.orgs.getProject(org.id, project.id))).toEqual({ status: 404, code: 'NOT_FOUND' });
  await owner.core.orgs.delete(org.id, { confirm_name: 'Proxy Org Renamed' });
  expect(await refusal(owner.core.orgs.get(org.id))).toEqual({ status: 404, code: 'NOT_FOUND' });
  await owner.auth.signOut();
  expect(await refusal(owner.auth.getSession())).toEqual({ status: 401, code: 'UNAUTHORIZED' });

  // Every operation of the document was called through the proxy (subscribe: its refusal).
  const proxied = new Set(exchanges.filter((x) => x.via === 'proxy').map((x) => operationOf(x.method, x.path)));
  expect([...operationsById.keys()].filter((id) => !proxied.has(id))).toEqual([]);
  expect(exchanges.filter((x) => operationOf(x.method, x.path) === undefined)).toEqual([]);

  // Zero violations: no sl-violations header, no answer of Prism's own, every body the server's.
  // RFC 7009's answer is a 200 without a body.
  const bodiless = (x: Exchange) => x.path === '/oauth/revoke' && x.status === 200;
  const suspicious = exchanges.filter((x) => x.violations !== null || x.status === 422 || x.status >= 500 || (!bodiless(x) && !x.contentType.match(/^(application\/json|text\/event-stream)/)));
  expect(suspicious).toEqual([]);
  expect(exchanges.filter((x) => x.status >= 400).length).toBeGreaterThanOrEqual(15);
}, 60_000);

it('a request that breaks the document is answered by Prism and never reaches the server', async () => {
  const anonymous = viaProxy();
  const ownerEmail = email('invalid');
  const { token } = await anonymous.auth.signUp({ email: ownerEmail, password: PASSWORD, name: 'Invalid' });
  const owner = viaProxy(token!);
  const [org] = (await owner.core.orgs.list()).organizations;

  // An unknown field: the document's bodies are closed. Prism answers 422 itself…
  const extra = { name: 'Ghost', colour: 'blue' } as unknown as { name: string };
  expect(await refusal(owner.core.orgs.createProject(org.id, extra))).toEqual({ status: 422, code: 'HTTP_422' });
  expect(last()).toMatchObject({ status: 422, contentType: 'application/problem+json' });
  // …and the server never saw it (it would have said 400; nothing was created either way).
  expect((await direct(token!).core.orgs.listProjects(org.id)).projects).toEqual([]);

  // The server's own answer to the same request, for comparison: its 400 envelope.
  expect(await refusal(direct(token!).core.orgs.createProject(org.id, extra))).toEqual({ status: 400, code: 'INVALID_REQUEST' });

  // No credential at all: Prism checks the security requirement before the server does.
  expect(await refusal(anonymous.core.orgs.list())).toEqual({ status: 401, code: 'HTTP_401' });
  expect(last()).toMatchObject({ status: 401, contentType: 'application/problem+json' });
  expect(await refusal(direct().core.orgs.list())).toEqual({ status: 401, code: 'UNAUTHORIZED' });

  // A credential the document allows but the server refuses goes through: the server's 401.
  expect(await refusal(viaProxy('sk_live_0000000000000000000000000000000000000000000').infra.kv.get('x'))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
  expect(last()).toMatchObject({ status: 401, contentType: expect.stringMatching(/^application\/json/), violations: null });
});
