/**
 * What the document says about HTTP itself, and the server does (issue 14, and issue 13 item 10):
 * the query string as the document serializes it (raw `+`, `&`, `=`, `#`, `%`), text that is not
 * well-formed Unicode refused with 400 on every path, credentialed CORS for trusted origins only,
 * 405 with `Allow`, absolute `error.docs`, 404 for an id of the right kind but not of our form.
 * Requests go over a real socket with the exact bytes written here (no client re-encodes them).
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery } from '../../server/http/url-encoding.ts';
import { bearer, createProject, createToken, openApp, signUp, type TestApp, type User } from './support/platform.ts';

const TRUSTED = 'https://app.example.com';
let t: TestApp;
let server: Server;
let port: number;
let owner: User;
let key: string;

beforeAll(async () => {
  t = await openApp({ trustedOrigins: [TRUSTED] });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
  owner = await signUp(t.app, 'http-contract');
  const projectId = await createProject(t.app, owner);
  key = (await createToken(t.app, owner.session, owner.orgId, { scopes: ['*'], project_id: projectId })).secret;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  expect(t.logs).toEqual([]);
  await t.close();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint: asserted field by field.
  body: any;
}

/** One request with `path` sent byte for byte as written; a header given as `''` is left out. */
function raw(method: string, path: string, options: { headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  const headers = Object.fromEntries(Object.entries({ ...bearer(key), ...options.headers }).filter(([, v]) => v !== ''));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // Not JSON: asserted as text.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) {
      req.setHeader('content-type', 'application/json');
      req.end(options.body);
    } else req.end();
  });
}

const put = (key: string, value: unknown) => raw('PUT', `/infra/kv/${encodeURIComponent(key)}`, { body: JSON.stringify({ value }) });
const scan = async (query: string) => raw('GET', `/infra/kv?${query}`);

describe('query strings: what the document serializes is what the server parses', () => {
  beforeAll(async () => {
    for (const k of ['p+q:1', 'p q:1', 'a&b:1', 'a=b:1', 'a#b:1', '100%:1', 'a:1']) expect((await put(k, 1)).status).toBe(200);
  });

  it.each<[string, string, string[]]>([
    ['a raw + is a plus sign, never a space', 'prefix=p+q', ['p+q:1']],
    ['%20 is a space', 'prefix=p%20q', ['p q:1']],
    ['%2B is a plus sign', 'prefix=p%2Bq', ['p+q:1']],
    ['a raw = after the first is part of the value', 'prefix=a=b', ['a=b:1']],
    ['%26 is an ampersand', 'prefix=a%26b', ['a&b:1']],
    ['%23 is a hash', 'prefix=a%23b', ['a#b:1']],
    ['%25 is a percent sign', 'prefix=100%25', ['100%:1']],
    ['reserved characters such as : may be sent raw', 'prefix=a:', ['a:1']],
  ])('%s', async (_name, query, keys) => {
    const res = await scan(query);
    expect(res.status).toBe(200);
    expect(res.body.keys).toEqual(keys);
  });

  it('a raw & separates parameters: the rest is an unknown parameter (400), not part of the prefix', async () => {
    const res = await scan('prefix=a&b');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
  });

  it('a raw # starts the fragment, which clients never send: the server sees the prefix before it', () => {
    // `fetch`, curl and browsers cut the URL at `#`; the document says to send `%23`.
    expect(new URL('http://x/infra/kv?prefix=a#b').search).toBe('?prefix=a');
  });

  it.each([
    ['a lone %', 'prefix=100%'],
    ['% and one hex digit', 'prefix=%4'],
    ['% and no hex digits', 'prefix=%zz'],
    ['percent-encoded bytes that are not UTF-8', 'prefix=%FF'],
    ['a percent-encoded lone surrogate', 'prefix=%ED%A0%80'],
  ])('%s is 400 INVALID_REQUEST naming the parameter', async (_name, query) => {
    const res = await scan(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: '/query/prefix' }] });
  });

  it('parses as a table: names, values, repeats, empties', () => {
    expect({ ...parseQuery('a=1&b=&c&a=2&d=x%3Dy=z') }).toEqual({ a: ['1', '2'], b: '', c: '', d: 'x=y=z' });
    expect({ ...parseQuery('') }).toEqual({});
    expect({ ...parseQuery('p=%E2%82%AC+1') }).toEqual({ p: '€+1' });
  });
});

describe('text that is not well-formed Unicode is refused with 400 on every path', () => {
  const LONE = '\\ud800';
  it.each<[string, string, string, string | undefined, string]>([
    ['a key in the path (get)', 'GET', '/infra/kv/a%ED%A0%80', undefined, '/path'],
    ['a key in the path (set)', 'PUT', '/infra/kv/%ED%A0%80', '{"value":1}', '/path'],
    ['a key in the path (delete)', 'DELETE', '/infra/kv/%ED%A0%80', undefined, '/path'],
    ['a key in the path (increment)', 'POST', '/infra/kv/%ED%A0%80/increment', '{}', '/path'],
    ['a channel name (publish)', 'POST', '/infra/channels/%ED%A0%80/publish', '{"event":"x"}', '/path'],
    ['a channel name (subscribe)', 'GET', '/infra/channels/%ED%A0%80/subscribe', undefined, '/path'],
    ['a batch key', 'POST', '/infra/kv', `{"ops":[{"op":"get","key":"a${LONE}"}]}`, '/body/ops/0/key'],
    ['a batch set key', 'POST', '/infra/kv', `{"ops":[{"op":"set","key":"${LONE}b","value":1}]}`, '/body/ops/0/key'],
    ['a value', 'PUT', '/infra/kv/ok', `{"value":{"text":"x${LONE}"}}`, '/body/value/text'],
    ['an event payload', 'POST', '/infra/channels/c/publish', `{"event":"x","data":"${LONE}"}`, '/body/data'],
  ])('%s', async (_name, method, path, body, where) => {
    const res = await raw(method, path, { body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: [expect.objectContaining({ path: where })] });
  });

  it('a key with a paired surrogate (an emoji) is fine, and a scan never meets an ill-formed key', async () => {
    expect((await put('emoji:😀', 1)).status).toBe(200);
    expect((await scan('prefix=emoji%3A')).body.keys).toEqual(['emoji:😀']);
  });
});

describe('CORS', () => {
  it('a trusted origin gets credentialed CORS, on answers and on preflights', async () => {
    const res = await raw('GET', '/infra/kv/nope', { headers: { Origin: TRUSTED } });
    expect(res.headers['access-control-allow-origin']).toBe(TRUSTED);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers.vary).toMatch(/Origin/);
    const pre = await raw('OPTIONS', '/core/organizations', { headers: { Origin: TRUSTED, 'Access-Control-Request-Method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(TRUSTED);
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
  });

  it('any other origin gets * without credentials, so the browser never sends the cookie', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null']) {
      const res = await raw('GET', '/infra/kv/nope', { headers: { Origin: origin } });
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('a trusted origin using the session cookie is served as that user', async () => {
    const res = await raw('GET', '/core/organizations', { headers: { Origin: TRUSTED, Cookie: owner.cookie, Authorization: '' } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(TRUSTED);
  });
});

describe('shared responses and copy-paste conventions', () => {
  it('a method the path does not take is 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const res = await raw('PATCH', '/infra/kv/k', { body: '{}' });
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(String(res.headers.allow).split(/,\s*/).sort()).toEqual(['DELETE', 'GET', 'PUT']);
  });

  it('error.docs is an absolute URL on the server’s origin', async () => {
    const res = await raw('GET', '/infra/kv/missing');
    expect(res.status).toBe(404);
    expect(res.body.error.docs).toMatch(/^https?:\/\/[^/]+\/docs#section\/Errors\/NOT_FOUND$/);
  });

  it.each([
    ['an organization', '/core/organizations/org_123'],
    ['a project', () => `/core/organizations/${owner.orgId}/projects/proj_123`],
    ['a token', () => `/core/organizations/${owner.orgId}/tokens/tok_123`],
    ['a member', () => `/core/organizations/${owner.orgId}/members/usr_123`],
    ['the balance of an organization', '/core/tokens/balance?org_id=org_123'],
  ])('an id of the right kind but not of our form is 404 (%s)', async (_name, path) => {
    const url = typeof path === 'string' ? path : path();
    const method = url.includes('/members/') || url.includes('/tokens/tok_') ? 'DELETE' : 'GET';
    const res = await raw(method, url, { headers: bearer(owner.session) });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('an id of another kind is 400', async () => {
    const res = await raw('GET', `/core/organizations/proj_01JNXS9B2C3D4E5F6G7H8J9KMN`, { headers: bearer(owner.session) });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'INVALID_REQUEST' });
  });
});
