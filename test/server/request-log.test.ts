/**
 * The request log (server/http/request-log.ts): one JSON line per request with exactly method,
 * route template, status, duration and request id (the one the client got in X-Request-Id), and
 * none of what a request carries: no key, channel name, credential, query string or value.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../server/log.ts';
import { call } from './support/http.ts';
import { quickStart } from './support/quick-start.ts';
import { openApp, type TestApp } from './support/platform.ts';

const lines: Record<string, unknown>[] = [];
const raw: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      raw.push(line);
      lines.push(JSON.parse(line));
    }
    done();
  },
});

let t: TestApp;
let server: Server;
let base: string;
beforeAll(async () => {
  t = await openApp({ requestLogger: createLogger('info', sink) });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

it('writes one line per request: method, route template, status, duration, request id; never a secret or a value', async () => {
  const { key } = await quickStart(base);
  lines.length = 0;
  raw.length = 0;
  const put = await fetch(`${base}/infra/kv/customer-ssn-123`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Cookie: 'better-auth.session_token=cookie-secret' },
    body: JSON.stringify({ value: 'value-secret-xyz' }),
  });
  expect(put.status).toBe(200);
  const refused = await fetch(`${base}/infra/kv/customer-ssn-123?token=bt_query_secret`, { headers: { Authorization: `Bearer ${key}` } });
  const missing = await call(base, 'GET', '/no/such/path-secret');
  await settle();

  expect(lines).toEqual([
    { level: 'info', time: expect.any(String), request_id: put.headers.get('x-request-id'), method: 'PUT', route: '/infra/kv/:key', status: 200, duration_ms: expect.any(Number), message: 'request' },
    { level: 'info', time: expect.any(String), request_id: refused.headers.get('x-request-id'), method: 'GET', route: '/infra/kv/:key', status: refused.status, duration_ms: expect.any(Number), message: 'request' },
    { level: 'info', time: expect.any(String), request_id: missing.headers.get('x-request-id'), method: 'GET', route: null, status: 404, duration_ms: expect.any(Number), message: 'request' },
  ]);
  const text = raw.join('\n');
  for (const secret of [key, 'customer-ssn', 'value-secret', 'cookie-secret', 'bt_query_secret', 'path-secret']) expect(text).not.toContain(secret);
});

it('LOG_LEVEL=warn leaves successful requests out', async () => {
  const quiet: string[] = [];
  const app = await openApp({
    requestLogger: createLogger('warn', new Writable({ write: (c, _e, done) => (quiet.push(String(c)), done()) })),
  });
  const s = app.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => s.once('listening', resolve));
  try {
    await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/openapi.json`);
    await settle();
    expect(quiet).toEqual([]);
  } finally {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
    await app.close();
  }
});

it('refuses a LOG_LEVEL that is not a level, naming the levels', () => {
  expect(() => createLogger('verbose')).toThrow('LOG_LEVEL=verbose is not a level: use fatal, error, warn, info, debug, trace, silent');
});

it('a client leaving an event stream is its normal end (info); leaving before an answer is complete is a warning, never an error', async () => {
  const { key } = await quickStart(base);
  lines.length = 0;
  // An event stream the client closes once it is open.
  const stream = new AbortController();
  const sse = await fetch(`${base}/infra/channels/room/subscribe`, { headers: { Authorization: `Bearer ${key}` }, signal: stream.signal });
  expect(sse.status).toBe(200);
  await sse.body!.getReader().read();
  stream.abort();
  // A request whose client goes away before the answer: a body announced but never sent in full.
  const { request } = await import('node:http');
  await new Promise<void>((resolve) => {
    const req = request(`${base}/infra/kv/left-early`, { method: 'PUT', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Content-Length': '1000' } });
    req.on('error', () => resolve());
    req.write('{"value":');
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 100);
  });
  await expect.poll(() => lines.length, { timeout: 5000 }).toBe(2);
  const byRoute = Object.fromEntries(lines.map((l) => [String(l.route ?? l.request_id), l]));
  expect(byRoute['/infra/channels/:channel/subscribe']).toMatchObject({ level: 'info', status: 200 });
  expect(byRoute['/infra/channels/:channel/subscribe']).not.toHaveProperty('aborted');
  const left = lines.find((l) => l !== byRoute['/infra/channels/:channel/subscribe'])!;
  expect(left).toMatchObject({ level: 'warn', aborted: true });
  expect(lines.some((l) => l.level === 'error')).toBe(false);
});
