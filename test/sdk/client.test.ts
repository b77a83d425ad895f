/**
 * The generated SDK at run time, with an injected fetch (no global mocks): each method sends
 * the request the document describes, returns the body, and turns failures into typed errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BadRequestError, ConflictError, createClient, InsufficientTokensError, NotFoundError, RateLimitedError,
  SaaSignalClient, SaaSignalError, UnauthorizedError,
} from '../../generated/sdk.ts';

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
}

function fakeFetch(status = 200, payload: unknown = { ok: true }, headers: Record<string, string> = {}) {
  const seen: Seen[] = [];
  const fetch = async (input: Request | string | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const text = await req.text();
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: text ? JSON.parse(text) : undefined });
    return new Response(JSON.stringify(payload), { status, headers: { 'content-type': 'application/json', ...headers } });
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

const base = 'http://127.0.0.1:9';
const client = (f: typeof fetch) => createClient('sk_live_test', { baseUrl: base, fetch: f });

// [name, call, method, path+query, body]
const calls: [string, (ss: SaaSignalClient) => Promise<unknown>, string, string, unknown][] = [
  ['kv.get', (ss) => ss.infra.kv.get('session:u_123'), 'GET', '/infra/kv/session%3Au_123', undefined],
  ['kv.set', (ss) => ss.infra.kv.set('a/b', { x: 1 }, { ttl: 60 }), 'PUT', '/infra/kv/a%2Fb', { value: { x: 1 }, ttl: 60 }],
  ['kv.set null value', (ss) => ss.infra.kv.set('k', null), 'PUT', '/infra/kv/k', { value: null }],
  ['kv.delete', (ss) => ss.infra.kv.delete('k'), 'DELETE', '/infra/kv/k', undefined],
  ['kv.increment', (ss) => ss.infra.kv.increment('c', { ttl: 60 }), 'POST', '/infra/kv/c/increment', { ttl: 60 }],
  ['kv.increment no body', (ss) => ss.infra.kv.increment('c'), 'POST', '/infra/kv/c/increment', {}],
  ['kv.scan', (ss) => ss.infra.kv.scan({ prefix: 'session:', limit: 50 }), 'GET', '/infra/kv?prefix=session%3A&limit=50', undefined],
  ['kv.batch', (ss) => ss.infra.kv.batch([{ op: 'get', key: 'a' }]), 'POST', '/infra/kv', { ops: [{ op: 'get', key: 'a' }] }],
  ['channels.publish', (ss) => ss.infra.channels.publish('my-channel', { event: 'ping' }), 'POST', '/infra/channels/my-channel/publish', { event: 'ping' }],
  ['orgs.list', (ss) => ss.core.orgs.list(), 'GET', '/core/organizations', undefined],
  ['orgs.create', (ss) => ss.core.orgs.create({ name: 'Acme' }), 'POST', '/core/organizations', { name: 'Acme' }],
  ['orgs.update', (ss) => ss.core.orgs.update('org_1', { name: 'B' }), 'PATCH', '/core/organizations/org_1', { name: 'B' }],
  ['orgs.delete', (ss) => ss.core.orgs.delete('org_1', { confirm_name: 'Acme' }), 'DELETE', '/core/organizations/org_1', { confirm_name: 'Acme' }],
  ['orgs.updateMemberScopes', (ss) => ss.core.orgs.updateMemberScopes('org_1', 'usr_2', { scopes: ['kv:read'] }), 'PUT', '/core/organizations/org_1/members/usr_2/scopes', { scopes: ['kv:read'] }],
  ['orgs.listTokens', (ss) => ss.core.orgs.listTokens('org_1', { project_id: 'proj_1' }), 'GET', '/core/organizations/org_1/tokens?project_id=proj_1', undefined],
  ['orgs.createToken', (ss) => ss.core.orgs.createToken({ org_id: 'org_1', name: 'K', scopes: ['kv:read'] }), 'POST', '/core/organizations/org_1/tokens', { name: 'K', scopes: ['kv:read'] }],
  ['orgs.revokeToken', (ss) => ss.core.orgs.revokeToken('org_1', 'tok_1'), 'DELETE', '/core/organizations/org_1/tokens/tok_1', undefined],
  ['billing.tokenBalance', (ss) => ss.core.billing.tokenBalance('org_123'), 'GET', '/core/tokens/balance?org_id=org_123', undefined],
  ['invitations.accept', (ss) => ss.core.invitations.accept('inv_1', { token: 's3cret' }), 'POST', '/core/invitations/inv_1/accept', { token: 's3cret' }],
  ['invitations.accept no token', (ss) => ss.core.invitations.accept('inv_1'), 'POST', '/core/invitations/inv_1/accept', {}],
];

describe('SDK requests', () => {
  it.each(calls)('%s', async (_name, call, method, path, body) => {
    const { fetch, seen } = fakeFetch(200, { done: true });
    await expect(call(client(fetch))).resolves.toEqual({ done: true });
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe(method);
    expect(seen[0].url).toBe(base + path);
    expect(seen[0].body).toEqual(body);
    expect(seen[0].headers.get('authorization')).toBe('Bearer sk_live_test');
  });
});

describe('SDK errors', () => {
  it.each([
    [400, BadRequestError, 'INVALID_REQUEST'],
    [401, UnauthorizedError, 'UNAUTHORIZED'],
    [402, InsufficientTokensError, 'INSUFFICIENT_TOKENS'],
    [404, NotFoundError, 'NOT_FOUND'],
    [409, ConflictError, 'KEY_EXISTS'],
    [429, RateLimitedError, 'RATE_LIMITED'],
  ] as const)('%i becomes %o with code, message and request id', async (status, Cls, code) => {
    const envelope = { error: { code, message: 'nope', docs: '/docs', request_id: 'req_1' } };
    const { fetch } = fakeFetch(status, envelope);
    const err = await client(fetch).infra.kv.get('k').catch((e) => e);
    expect(err).toBeInstanceOf(Cls);
    expect(err).toBeInstanceOf(SaaSignalError);
    expect(err).toMatchObject({ status, code, message: 'nope', requestId: 'req_1', name: Cls.name });
  });

  it('keeps an unlisted status as SaaSignalError', async () => {
    const { fetch } = fakeFetch(418, {}, { 'x-request-id': 'req_2' });
    const err = await client(fetch).infra.kv.get('k').catch((e) => e);
    expect(err.constructor).toBe(SaaSignalError);
    expect(err).toMatchObject({ status: 418, requestId: 'req_2' });
  });

  it.each(['.', '..', ''])('refuses the key %j before sending (HTTP clients cannot address it)', async (key) => {
    const { fetch, seen } = fakeFetch();
    await expect(client(fetch).infra.kv.get(key)).rejects.toBeInstanceOf(BadRequestError);
    expect(seen).toHaveLength(0);
  });
});

describe('credentials', () => {
  afterEach(() => vi.unstubAllEnvs());

  it.each([
    [{ SAASIGNAL_API_KEY: 'sk_live_env' }, 'Bearer sk_live_env'],
    [{ SAASIGNAL_TOKEN: 'tok_env' }, 'Bearer tok_env'],
    [{ SAASIGNAL_KEY: 'sk_live_quickstart' }, 'Bearer sk_live_quickstart'],
    [{ SAASIGNAL_API_KEY: 'sk_live_a', SAASIGNAL_TOKEN: 'b' }, 'Bearer sk_live_a'],
    [{ SAASIGNAL_API_KEY: 'sk_live_a', SAASIGNAL_KEY: 'sk_live_k' }, 'Bearer sk_live_a'],
    [{ SAASIGNAL_KEY: 'sk_live_k', SAASIGNAL_TOKEN: 'b' }, 'Bearer sk_live_k'],
  ])('createClient() reads %o', async (env, header) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    const { fetch, seen } = fakeFetch();
    await createClient(undefined, { baseUrl: base, fetch }).core.orgs.list();
    expect(seen[0].headers.get('authorization')).toBe(header);
  });

  it('SaaSignalClient.createBrowserToken uses apiKey as the credential', async () => {
    const { fetch, seen } = fakeFetch(200, { token: 'bt_x', expires_at: '2026-01-01T00:00:00.000Z' });
    const res = await SaaSignalClient.createBrowserToken({ apiKey: 'sk_live_parent', scopes: ['kv:read'], ttl: 900, baseUrl: base, fetch });
    expect(res.token).toBe('bt_x');
    expect(seen[0]).toMatchObject({ method: 'POST', url: `${base}/core/tokens/browser`, body: { scopes: ['kv:read'], ttl: 900 } });
    expect(seen[0].headers.get('authorization')).toBe('Bearer sk_live_parent');
  });
});

describe('channels.subscribe', () => {
  it('parses server-sent events, ignoring comments; reconnects with Last-Event-ID until the server answers 204', async () => {
    const sse =
      ': keep-alive\n\n' +
      'id: evt_1\nevent: ping\ndata: {"id":"evt_1","event":"ping","data":{"n":1},"published_at":"2026-01-01T00:00:00.000Z"}\n\n' +
      'id: evt_2\nevent: pong\ndata: {"id":"evt_2","event":"pong","data":null,"published_at":"2026-01-01T00:00:01.000Z"}\n\n';
    const lastIds: (string | null)[] = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      lastIds.push(new Headers(init.headers).get('last-event-id'));
      return lastIds.length === 1
        ? new Response(new Blob([sse]).stream(), { status: 200, headers: { 'content-type': 'text/event-stream' } })
        : new Response(null, { status: 204 });
    }) as unknown as typeof globalThis.fetch;
    const events = [];
    for await (const ev of client(fetch).infra.channels.subscribe('c')) events.push(ev);
    expect(events).toEqual([
      { id: 'evt_1', event: 'ping', data: { n: 1 }, published_at: '2026-01-01T00:00:00.000Z' },
      { id: 'evt_2', event: 'pong', data: null, published_at: '2026-01-01T00:00:01.000Z' },
    ]);
    expect(lastIds).toEqual([null, 'evt_2']);
  });
});
