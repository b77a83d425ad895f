/**
 * The server's memory stays bounded whatever `Content-Type` values clients invent. The request
 * validator compiles and caches a validator per distinct header value (TOOLCHAIN.md: +61 MB that
 * never came back after 3,000 `application/json; x=<n>`), before any credential is checked, so an
 * anonymous client could grow it at will. The app runs in this process on a real socket; the heap
 * is measured after full garbage collections (`gc` is exposed at run time), first after 10,000
 * requests that all send the same header (the control), then after 10,000 that each send a new
 * one, and the difference must stay far below what an unbounded cache takes (≈ 20 KB an entry).
 *
 * The other ways to invent a header get 1,000 requests each (an unbounded cache takes ~13 MB): a new media type or charset on
 * requests without a body (GET), a new spelling of UTF-8, a new media type on a body sent where
 * the operation takes none.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { keepAliveAgent, pool } from '../support/load.ts';
import { openApp, type TestApp } from '../server/support/platform.ts';
import { request as httpRequest } from 'node:http';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MAIN = 10_000;
const OTHER = 1_000;
/** The largest heap growth allowed beyond the control's, in bytes: an unbounded cache takes ~200 MB for MAIN. */
const MAIN_BOUND = 8 * 1024 * 1024;
const OTHER_BOUND = 4 * 1024 * 1024;

let t: TestApp;
let server: Server;
let base: string;
const agent = keepAliveAgent(16);
let requests = 0;

beforeAll(async () => {
  // Thousands of anonymous 401s from one address on purpose: the invalid-credential limit (its own
  // suite, test/security/invalid-credentials.test.ts) would turn them into 429s.
  t = await openApp({ rateLimit: { invalidPerMinute: 1e9 } });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  console.log(`resources: ${requests} requests`);
  agent.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
});

/** An anonymous request (the cache fills before credentials are checked) with this header. */
function send(method: string, path: string, contentType: string, body?: string): Promise<number> {
  requests++;
  const url = new URL(base + path);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname,
        headers: { 'content-type': contentType, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap growth over `count` requests made by `make(i)`, and the statuses they got. */
async function growth(count: number, make: (i: number) => Promise<number>): Promise<{ bytes: number; ms: number; statuses: Record<number, number> }> {
  const before = heapUsed();
  const started = performance.now();
  const got = await pool(count, 16, make);
  const ms = performance.now() - started;
  const bytes = heapUsed() - before;
  const statuses: Record<number, number> = {};
  for (const s of got) statuses[s] = (statuses[s] ?? 0) + 1;
  return { bytes, ms, statuses };
}

const body = JSON.stringify({ value: 'x' });
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

it(`${MAIN} distinct application/json parameters grow the heap no more than ${MAIN} identical ones`, async () => {
  // Warm up: the validator's first compilation, the JIT, the sockets.
  await pool(500, 16, () => send('PUT', '/infra/kv/k', 'application/json', body));
  const control = await growth(MAIN, () => send('PUT', '/infra/kv/k', 'application/json; x=0', body));
  const distinct = await growth(MAIN, (i) => send('PUT', '/infra/kv/k', `application/json; x=${i + 1}`, body));
  console.log(`control ${mb(control.bytes)} in ${control.ms.toFixed(0)} ms; distinct ${mb(distinct.bytes)} in ${distinct.ms.toFixed(0)} ms`);
  // Anonymous: every one of them reached the validator and then got its 401.
  expect(control.statuses).toEqual({ 401: MAIN });
  expect(distinct.statuses).toEqual({ 401: MAIN });
  expect(distinct.bytes - control.bytes).toBeLessThan(MAIN_BOUND);
}, 120_000);

// Binary digits as `-` and `_`: a new spelling of UTF-8 for every n (the decoder ignores both).
const utf8Spelling = (n: number) => `utf-8${n.toString(2).replace(/0/g, '-').replace(/1/g, '_')}`;

it.each([
  ['a new media type on a GET', (i: number) => send('GET', '/infra/kv/k', `text/x-${i}`), 401],
  ['a new charset on a GET', (i: number) => send('GET', '/infra/kv/k', `application/json; charset=c${i}`), 401],
  ['a new spelling of UTF-8 on a JSON body', (i: number) => send('PUT', '/infra/kv/k', `application/json; charset=${utf8Spelling(i + 1)}`, body), 401],
  ['a new charset on a JSON body', (i: number) => send('PUT', '/infra/kv/k', `application/json; charset=x-${i}`, body), 415],
  ['a new media type on a body where none is taken', (i: number) => send('DELETE', '/infra/kv/k', `text/x-${i}`, 'x'), 401],
  ['a new media type on a body where JSON is expected', (i: number) => send('POST', '/infra/kv/k/increment', `application/x-${i}+json`, body), 415],
] as const)(`${OTHER} requests with %s stay bounded`, async (_name, make, status) => {
  await pool(100, 16, (i) => make(1_000_000 + i));
  const result = await growth(OTHER, make);
  console.log(`${_name}: ${mb(result.bytes)} in ${result.ms.toFixed(0)} ms`);
  expect(result.statuses).toEqual({ [status]: OTHER });
  expect(result.bytes).toBeLessThan(OTHER_BOUND);
}, 60_000);
