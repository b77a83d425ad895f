/**
 * The SDK runtime with an injected fetch (no global mocks): retries and what is never retried,
 * the waits the server asks for, timeouts and AbortSignal, idempotency keys, auto-pagination,
 * raw answers, withOptions, and debug logging that never prints a secret.
 */
import { describe, expect, it } from 'vitest';
import { APIConnectionError, APITimeoutError, createClient, NotFoundError, RateLimitedError, SaaSignalError, ServiceUnavailableError } from '../../generated/sdk.ts';
import { backoffMs, serverWaitMs } from '../../package/src/runtime/retry.ts';

type Answer = Response | Error | ((req: Request) => Response | Promise<Response>);

/** A fetch that answers from a script, one entry per attempt, and records each request. */
function scripted(...answers: Answer[]) {
  const seen: Request[] = [];
  const at: number[] = [];
  const fetch = async (input: string, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req);
    at.push(Date.now());
    const a = answers[Math.min(seen.length - 1, answers.length - 1)];
    if (a instanceof Error) throw a;
    return typeof a === 'function' ? a(req) : a.clone();
  };
  return { fetch: fetch as unknown as typeof globalThis.fetch, seen, at };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const envelope = (code: string) => ({ error: { code, message: code.toLowerCase(), docs: '/docs', request_id: 'req_1' } });
const base = 'http://127.0.0.1:9';
const client = (f: typeof fetch, options = {}) => createClient('sk_live_secret_value', { baseUrl: base, fetch: f, ...options });

describe('retries', () => {
  it.each([
    ['a dropped connection', new TypeError('fetch failed')],
    ['503', json(503, envelope('SERVICE_UNAVAILABLE'), { 'retry-after': '0' })],
    ['500', json(500, envelope('INTERNAL'))],
    ['408', json(408, {})],
    ['409 with Retry-After (the same idempotency key still running)', json(409, envelope('IDEMPOTENCY_KEY_IN_USE'), { 'retry-after': '0' })],
  ])('retries a GET after %s', async (_name, first) => {
    const { fetch, seen } = scripted(first, json(200, { key: 'k', value: 1, expires_at: null }));
    await expect(client(fetch).infra.kv.get('k')).resolves.toMatchObject({ value: 1 });
    expect(seen).toHaveLength(2);
  });

  it('gives up after maxRetries (default 2: three attempts) with the last error', async () => {
    const { fetch, seen } = scripted(json(503, envelope('SERVICE_UNAVAILABLE'), { 'retry-after': '0' }));
    const err = await client(fetch).infra.kv.get('k').catch((e) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.headers.get('retry-after')).toBe('0');
    expect(seen).toHaveLength(3);
  });

  it('throws APIConnectionError when no attempt got an answer', async () => {
    const { fetch, seen } = scripted(new TypeError('fetch failed'));
    const err = await client(fetch, { maxRetries: 1 }).infra.kv.get('k').catch((e) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(err).toBeInstanceOf(SaaSignalError);
    expect(err).toMatchObject({ status: 0, code: 'CONNECTION_ERROR' });
    expect(seen).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 409])('never retries %i', async (status) => {
    const { fetch, seen } = scripted(json(status, envelope('X')));
    await expect(client(fetch).infra.kv.get('k')).rejects.toBeInstanceOf(SaaSignalError);
    expect(seen).toHaveLength(1);
  });

  it('retries a POST with the same Idempotency-Key on every attempt', async () => {
    const { fetch, seen } = scripted(new TypeError('socket hang up'), json(503, {}, { 'retry-after': '0' }), json(200, { key: 'c', value: 1 }));
    await expect(client(fetch).infra.kv.increment('c')).resolves.toMatchObject({ value: 1 });
    const keys = seen.map((r) => r.headers.get('idempotency-key'));
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(keys).size).toBe(1);
  });

  it('makes a new key for each call, and takes the caller’s', async () => {
    const { fetch, seen } = scripted(json(200, { value: 1 }));
    const ss = client(fetch);
    await ss.infra.kv.increment('c');
    await ss.infra.kv.increment('c');
    await ss.infra.kv.increment('c', {}, { idempotencyKey: 'my-key-1' });
    const keys = seen.map((r) => r.headers.get('idempotency-key'));
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[2]).toBe('my-key-1');
  });

  it('never retries a POST without an Idempotency-Key', async () => {
    const { fetch, seen } = scripted(new TypeError('socket hang up'), json(200, { value: 1 }));
    const err = await client(fetch).infra.kv.increment('c', {}, { idempotencyKey: null }).catch((e) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers.has('idempotency-key')).toBe(false);
  });

  it('never retries a PATCH (not safe to repeat)', async () => {
    const { fetch, seen } = scripted(json(503, {}, { 'retry-after': '0' }), json(200, {}));
    await expect(client(fetch).core.orgs.update('org_1', { name: 'x' })).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(seen).toHaveLength(1);
  });

  it('waits as Retry-After says (seconds) after a 429', async () => {
    const { fetch, at } = scripted(json(429, envelope('RATE_LIMITED'), { 'retry-after': '1' }), json(200, { value: 1 }));
    await client(fetch).infra.kv.get('k');
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(950);
  });

  it('hands back a 429 whose wait is longer than a minute, with its headers', async () => {
    const { fetch, seen } = scripted(json(429, envelope('RATE_LIMITED'), { 'retry-after': '120' }));
    const err = await client(fetch).infra.kv.get('k').catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.headers.get('retry-after')).toBe('120');
    expect(seen).toHaveLength(1);
  });
});

describe('how long to wait', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, 7000],
    [{ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }, 0],
    [{ ratelimit: '"per-credential";r=0;t=4' }, 4000],
    [{ ratelimit: '"per-credential";r=5;t=4' }, undefined],
    [{ ratelimit: 'limit=10, remaining=0, reset=2' }, 2000],
    [{ 'ratelimit-remaining': '0', 'ratelimit-reset': '6' }, 6000],
    [{}, undefined],
    [{ 'retry-after': 'soon' }, undefined],
  ])('%o -> %s ms', (headers, ms) => {
    expect(serverWaitMs(new Headers(headers), now)).toBe(ms);
  });

  it('backs off exponentially from 0.5 s to at most 8 s, with jitter', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffMs(n, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffMs(0, () => 0)).toBe(375);
  });
});

describe('timeouts and AbortSignal', () => {
  /** Answers only when the request is aborted (with the abort reason), like a server that hangs. */
  const hang = (req: Request) =>
    new Promise<Response>((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason)));

  it('per call: APITimeoutError after the timeout, retried like a connection error', async () => {
    const { fetch, seen } = scripted(hang);
    const started = Date.now();
    const err = await client(fetch).infra.kv.get('k', { timeout: 100, maxRetries: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(APITimeoutError);
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(seen).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('per client, through withOptions', async () => {
    const { fetch } = scripted(hang);
    const err = await client(fetch).withOptions({ timeout: 50, maxRetries: 0 }).infra.kv.get('k').catch((e) => e);
    expect(err).toBeInstanceOf(APITimeoutError);
  });

  it('an AbortSignal stops the call and its retries at once', async () => {
    const { fetch, seen } = scripted(hang);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('user gave up')), 50);
    await expect(client(fetch).infra.kv.get('k', { signal: ctl.signal })).rejects.toThrow('user gave up');
    expect(seen).toHaveLength(1);
  });
});

describe('options and raw answers', () => {
  it('withOptions merges headers and keeps the credential; the original is unchanged', async () => {
    const { fetch, seen } = scripted(json(200, {}));
    const ss = client(fetch, { headers: { 'x-a': '1' } });
    await ss.withOptions({ headers: { 'x-b': '2' } }).infra.kv.get('k');
    await ss.infra.kv.get('k', { headers: { 'x-c': '3' } });
    expect([...seen[0].headers].filter(([k]) => k.startsWith('x-') || k === 'authorization')).toEqual([
      ['authorization', 'Bearer sk_live_secret_value'], ['x-a', '1'], ['x-b', '2'],
    ]);
    expect(seen[1].headers.get('x-b')).toBeNull();
    expect(seen[1].headers.get('x-c')).toBe('3');
  });

  it('withResponse gives the body and the raw answer (X-Microtokens-Used)', async () => {
    const { fetch } = scripted(json(200, { key: 'k', value: 1, expires_at: null }, { 'x-microtokens-used': '1' }));
    const { data, response } = await client(fetch).infra.kv.get('k').withResponse();
    expect(data.value).toBe(1);
    expect(response.headers.get('x-microtokens-used')).toBe('1');
    expect(response.status).toBe(200);
  });

  it('error.headers and the typed error for a status', async () => {
    const { fetch } = scripted(json(404, envelope('NOT_FOUND'), { 'x-request-id': 'req_1' }));
    const err = await client(fetch).infra.kv.get('k').catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.headers.get('x-request-id')).toBe('req_1');
  });
});

describe('auto-pagination (x-pagination)', () => {
  const pages: Record<string, unknown> = {
    '': { keys: ['a', 'b'], next_cursor: 'YQ' },
    YQ: { keys: ['c'], next_cursor: 'Yw' },
    Yw: { keys: [], next_cursor: null },
  };
  const byCursor = (req: Request) => json(200, pages[new URL(req.url).searchParams.get('cursor') ?? '']);

  it('for await walks every item of every page, keeping the query', async () => {
    const { fetch, seen } = scripted(byCursor);
    const keys: string[] = [];
    for await (const key of client(fetch).infra.kv.scan({ prefix: 'p', limit: 2 })) keys.push(key);
    expect(keys).toEqual(['a', 'b', 'c']);
    expect(seen.map((r) => r.url.replace(base, ''))).toEqual(['/infra/kv?prefix=p&limit=2', '/infra/kv?prefix=p&limit=2&cursor=YQ', '/infra/kv?prefix=p&limit=2&cursor=Yw']);
  });

  it('a single page stays one await away', async () => {
    const { fetch, seen } = scripted(byCursor);
    const result = await client(fetch).infra.kv.scan({ prefix: 'p' });
    expect(result.keys).toEqual(['a', 'b']);
    expect(result.next_cursor).toBe('YQ');
    expect(seen).toHaveLength(1);
  });

  it('stops with an error on a cursor that comes back (no endless loop)', async () => {
    const { fetch } = scripted(json(200, { organizations: [{ id: 'org_1' }], next_cursor: 'same' }));
    const ids: string[] = [];
    await expect(async () => {
      for await (const org of client(fetch).core.orgs.list()) ids.push(org.id);
    }).rejects.toThrow(/came back twice/);
    expect(ids).toEqual(['org_1', 'org_1']);
  });
});

describe('SAASIGNAL_LOG=debug', () => {
  it('logs each attempt and retry, and never a secret', async () => {
    const lines: string[] = [];
    const logger = { debug: (message: string, details?: unknown) => lines.push(`${message} ${JSON.stringify(details ?? {})}`) };
    const { fetch } = scripted(
      json(503, {}, { 'retry-after': '0' }),
      json(201, { id: 'tok_1', secret: 'sk_live_new_secret_shown_once' }),
    );
    const ss = client(fetch, { logLevel: 'debug', logger, headers: { cookie: 'better-auth.session_token=abc' } });
    await ss.core.orgs.createToken({ org_id: 'org_1', name: 'k', scopes: ['kv:read'] });
    const subscribeFetch = scripted(new Response(null, { status: 204 })).fetch;
    for await (const _ of client(subscribeFetch, { logLevel: 'debug', logger }).infra.channels.subscribe('c', { headers: {} })) void _;
    await createClient('bt_browser.token.value', { baseUrl: `${base}/?token=bt_x`, fetch: subscribeFetch, logLevel: 'debug', logger }).infra.kv.get('k').catch(() => undefined);
    const all = lines.join('\n');
    expect(all).toMatch(/POST .*\/core\/organizations\/org_1\/tokens attempt 1/);
    expect(all).toMatch(/retry in \d+ ms/);
    for (const secret of ['secret_value', 'sk_live_new', 'abc', 'bt_browser', 'bt_x']) expect(all).not.toContain(secret);
  });

  it('is off by default', async () => {
    const lines: string[] = [];
    const { fetch } = scripted(json(200, {}));
    await client(fetch, { logger: { debug: (m: string) => lines.push(m) } }).infra.kv.get('k');
    expect(lines).toEqual([]);
  });
});
