/**
 * The benchmark's open-loop client (scripts/bench/open-loop.ts) against a loopback server: the
 * requests arrive evenly spread over each second, not in a burst at its start; every request
 * spec of the server bench is sent as given (a rotating path, a JSON body); and a stall of the
 * client itself is counted in the latency of the requests it delayed (no coordinated omission).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOpenLoop } from '../../scripts/bench/open-loop.ts';

interface Arrival {
  at: number;
  method: string;
  path: string;
  body: string;
}

let server: Server;
let base: string;
const arrivals: Arrival[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const at = performance.now();
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      arrivals.push({ at, method: req.method!, path: req.url!, body });
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('runOpenLoop', () => {
  it('spreads the requests evenly over each second and counts every answer', async () => {
    arrivals.length = 0;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const result = await runOpenLoop(base, [{ method: 'GET', path: '/kv/hot' }], 200, 2);
    loop.disable();
    expect(result).toMatchObject({ rate: 200, non2xx: 0, errors: 0 });
    expect(arrivals).toHaveLength(400);
    // The i-th request is due 5i ms after the start (taken as the median of the arrivals'
    // offsets). A stall of this process (client and server alike) makes requests late, and shifts
    // that estimate by at most the stall; a client that sends each second's quota at its start
    // sends most of them hundreds of ms early.
    const offsets = arrivals.map((a, i) => a.at - i * 5);
    const start = [...offsets].sort((x, y) => x - y)[200];
    const early = Math.max(...offsets.map((o) => start - o));
    expect(early).toBeLessThan(loop.max / 1e6 + 30);
  });

  it('sends each spec as given: setupRequest per request, the body with its length', async () => {
    arrivals.length = 0;
    let i = 0;
    const result = await runOpenLoop(
      base,
      [{ method: 'PUT', path: '/kv/k:0', headers: { 'content-type': 'application/json' }, body: '{"value":1}', setupRequest: (r) => ({ ...r, path: `/kv/k:${i++ % 3}` }) }],
      100,
      0.5,
    );
    expect(result.errors).toBe(0);
    // In turn (requests on different connections may arrive out of order when this process stalls).
    const paths = arrivals.map((a) => a.path);
    expect(['/kv/k:0', '/kv/k:1', '/kv/k:2'].map((p) => paths.filter((x) => x === p).length)).toEqual([17, 17, 16]);
    expect(new Set(arrivals.map((a) => `${a.method} ${a.body}`))).toEqual(new Set(['PUT {"value":1}']));
  });

  it('counts answers that are not 2xx', async () => {
    const result = await runOpenLoop(base, [{ method: 'GET', path: '/missing' }], 100, 0.5);
    expect(result).toMatchObject({ non2xx: 50, errors: 0 });
  });

  it('times each request from its scheduled send time, so a stall of the sender is in the latency', async () => {
    const run = runOpenLoop(base, [{ method: 'GET', path: '/kv/hot' }], 200, 2);
    // 250 ms without the event loop, in the middle of the run: ~50 requests go out late.
    await new Promise((r) => setTimeout(r, 800));
    const until = performance.now() + 250;
    while (performance.now() < until);
    const result = await run;
    expect(result.errors).toBe(0);
    expect(result.sendLagP99).toBeGreaterThan(150);
    expect(result.p99).toBeGreaterThanOrEqual(result.sendLagP99!);
  });
});
