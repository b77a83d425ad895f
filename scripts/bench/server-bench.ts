/**
 * The server section: the same keep-alive load (autocannon, 50 connections, fixed duration) on
 * each operation of the scenario table, with real token auth, validation and metering, and on
 * two baselines (bare node:http, bare Express 5) in the same run. With the embedded store, and
 * with PostgreSQL + Redis when they are configured.
 *
 * @module scripts/bench/server-bench
 */
import type { RequestSpec } from 'autocannon';
import { type Api, startApi } from './api-process.ts';
import { call, createTenant, seedOverHttp, type Tenant } from './api-setup.ts';
import { compileTs, freePort, start, waitForAnswer } from './children.ts';
import { type LoadResult, runLoad, sendAmount } from './load.ts';
import { type OpenLoopResult, runOpenLoop } from './open-loop.ts';
import { memory } from './proc-stats.ts';
import { subscribe } from './subscriber.ts';

export interface Timing {
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

export interface Scenario {
  name: string;
  /** What one request does, for the report. */
  what: string;
  /** The target this scenario's throughput is held to, as a fraction of bare Express. */
  minShareOfExpress?: number;
  requests(t: Tenant): RequestSpec[];
}

const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** 100 ops, half sets and half gets, over 50 keys. */
const BATCH_BODY = JSON.stringify({
  ops: Array.from({ length: 100 }, (_, i) =>
    i % 2 === 0 ? { op: 'set', key: `batch:${i / 2}`, value: { n: i, tag: 'bench' } } : { op: 'get', key: `batch:${(i - 1) / 2}` },
  ),
});

/** A rotating path, so writes spread over `n` keys instead of one hot row. */
const rotating = (prefix: string, n: number) => {
  let i = 0;
  return (req: RequestSpec) => ({ ...req, path: `${prefix}${i++ % n}` });
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'kv get',
    what: 'GET /infra/kv/{key}, a small JSON value',
    minShareOfExpress: 0.6,
    requests: (t) => [{ method: 'GET', path: '/infra/kv/bench:hot', headers: bearer(t.secret) }],
  },
  {
    name: 'kv set',
    what: 'PUT /infra/kv/{key} over 1,000 keys',
    minShareOfExpress: 0.5,
    requests: (t) => [
      { method: 'PUT', path: '/infra/kv/bench:set:0', headers: json(t.secret), body: JSON.stringify({ value: { n: 1, s: 'hello' } }), setupRequest: rotating('/infra/kv/bench:set:', 1000) },
    ],
  },
  {
    name: 'kv increment',
    what: 'POST /infra/kv/{key}/increment, one counter',
    requests: (t) => [{ method: 'POST', path: '/infra/kv/bench:counter/increment', headers: json(t.secret), body: '{"delta":1}' }],
  },
  {
    name: 'kv scan',
    what: 'GET /infra/kv?prefix=scan:&limit=100 (100 keys)',
    requests: (t) => [{ method: 'GET', path: '/infra/kv?prefix=scan:&limit=100', headers: bearer(t.secret) }],
  },
  {
    name: 'kv batch',
    what: 'POST /infra/kv, 100 ops (50 set, 50 get)',
    requests: (t) => [{ method: 'POST', path: '/infra/kv', headers: json(t.secret), body: BATCH_BODY }],
  },
  {
    name: 'publish',
    what: 'POST /infra/channels/{channel}/publish, 1 SSE subscriber',
    requests: (t) => [{ method: 'POST', path: '/infra/channels/bench/publish', headers: json(t.secret), body: '{"event":"tick","data":{"n":1}}' }],
  },
  {
    name: 'org list (session)',
    what: 'GET /core/organizations with a session token',
    requests: (t) => [{ method: 'GET', path: '/core/organizations', headers: bearer(t.session) }],
  },
];

export interface StoreRun {
  store: string;
  scenarios: LoadResult[];
  /** Events the subscriber received during the publish scenario (warm-up included). */
  subscriberEvents: number;
  /** Requests the server answered in this run, warm-ups and setup included. */
  totalRequests: number;
  peakRss: number;
  rss: number;
  startMs: number;
  /** Failed answers among the requests sent to reach the RSS check's request count. */
  topUpErrors: number;
  /** Open-loop latency at half the closed loop's throughput, per scenario measured so. */
  openLoop?: Record<string, OpenLoopResult>;
  /**
   * Bare Express 5 in the same open loop at the same rate, right after each scenario's: what
   * the machine itself (shared cores, the load generator beside the server) adds to the tail.
   */
  openLoopControl?: Record<string, OpenLoopResult>;
  /** The V8 heap (from --trace-gc): most used before a collection, and most committed, bytes. */
  heap?: { peakUsed: number; peakCommitted: number };
}

/** Scenarios also measured in an open loop (issue 16). */
const OPEN_LOOP = ['kv get', 'kv set'];

/** Watches `--trace-gc` lines (`Scavenge 45.2 (60.1) -> 44.9 (60.1) MB`) for the heap's peaks. */
function watchHeap(api: Api): { peakUsed: number; peakCommitted: number } {
  const heap = { peakUsed: 0, peakCommitted: 0 };
  api.child.process.stdout?.on('data', (chunk: Buffer) => {
    for (const m of String(chunk).matchAll(/: (?:Scavenge|Mark-Compact|Mark-sweep)[^\n]*? ([\d.]+) \(([\d.]+)\) ->/g)) {
      heap.peakUsed = Math.max(heap.peakUsed, Number(m[1]) * 1024 * 1024);
      heap.peakCommitted = Math.max(heap.peakCommitted, Number(m[2]) * 1024 * 1024);
    }
  });
  return heap;
}

export interface BaselineRun {
  name: 'bare node:http' | 'bare Express 5';
  result: LoadResult;
}

/** What a baseline answers: the same small JSON a KV get returns. */
const BASELINE_REQUESTS: RequestSpec[] = [{ method: 'GET', path: '/infra/kv/hello', headers: { authorization: 'Bearer sk_live_baseline' } }];

async function startBaseline(name: BaselineRun['name']) {
  const port = await freePort();
  const script = await compileTs(name === 'bare node:http' ? 'scripts/bench/bare-http.ts' : 'scripts/bench/bare-express.ts');
  const child = start(process.execPath, [script], { env: { PORT: String(port) } });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForAnswer(`${base}/infra/kv/hello`, child);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { base, child };
}

export async function runBaseline(name: BaselineRun['name'], timing: Timing): Promise<BaselineRun> {
  const { base, child } = await startBaseline(name);
  try {
    return { name, result: await runLoad({ name, url: base, ...timing, requests: BASELINE_REQUESTS }, child.pid) };
  } finally {
    await child.stop();
  }
}

async function prepare(api: Api): Promise<Tenant> {
  const tenant = await createTenant(api.base, 'load');
  await seedOverHttp(api.base, tenant.secret, 'scan:', 100, { n: 1 });
  await call(api.base, 'PUT', '/infra/kv/bench:hot', tenant.secret, { value: { hello: 'world' } });
  return tenant;
}

export interface StoreConfig {
  store: string;
  databaseUrl?: string;
  redisUrl?: string;
  redisPrefix?: string;
}

/** After the scenarios, KV gets until the server has answered this many requests (0: none). */
export interface TopUp {
  requests: number;
  maxSeconds: number;
}

export async function runStore(config: StoreConfig, timing: Timing, topUp: TopUp, log: (line: string) => void): Promise<StoreRun> {
  const api = await startApi({ databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, nodeArgs: ['--trace-gc'] });
  const heap = watchHeap(api);
  const control = await startBaseline('bare Express 5').catch(async (err) => {
    await api.stop();
    throw err;
  });
  try {
    const tenant = await prepare(api);
    const scenarios: LoadResult[] = [];
    const openLoop: Record<string, OpenLoopResult> = {};
    const openLoopControl: Record<string, OpenLoopResult> = {};
    let subscriberEvents = 0;
    let totalRequests = 0;
    for (const scenario of SCENARIOS) {
      const subscriber = scenario.name === 'publish' ? await subscribe(api.base, 'bench', tenant.secret) : null;
      try {
        const result = await runLoad({ name: scenario.name, url: api.base, ...timing, requests: scenario.requests(tenant) }, api.child.pid);
        scenarios.push(result);
        totalRequests += result.sent;
        log(`  ${config.store} ${scenario.name}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${Math.round(result.cpuUsPerRequest)} µs CPU/req`);
        if (OPEN_LOOP.includes(scenario.name)) {
          const open = await runOpenLoop(api.base, scenario.requests(tenant), result.rps / 2, timing.seconds);
          openLoop[scenario.name] = open;
          totalRequests += open.rps * timing.seconds;
          const floor = await runOpenLoop(control.base, BASELINE_REQUESTS, result.rps / 2, timing.seconds);
          openLoopControl[scenario.name] = floor;
          log(`  ${config.store} ${scenario.name} open loop at ${open.rate} req/s: p50 ${open.p50} ms, p99 ${open.p99} ms (sent late: p99 ${open.sendLagP99} ms; bare Express 5 at that rate: p99 ${floor.p99} ms)`);
        }
      } finally {
        if (subscriber) {
          // Let the last events arrive before counting.
          await new Promise((r) => setTimeout(r, 200));
          subscriberEvents = subscriber.events();
          await subscriber.close();
        }
      }
    }
    let topUpErrors = 0;
    if (totalRequests < topUp.requests) {
      const get = SCENARIOS[0];
      const sent = await sendAmount({ name: 'top-up', url: api.base, connections: timing.connections, requests: get.requests(tenant) }, Math.ceil(topUp.requests - totalRequests), topUp.maxSeconds);
      totalRequests += sent.answered;
      topUpErrors = sent.non2xx + sent.errors;
      log(`  ${config.store}: ${sent.answered} more KV gets, ${totalRequests} requests in all`);
    }
    const mem = memory(api.child.pid);
    return {
      topUpErrors, store: config.store, scenarios, subscriberEvents, totalRequests: Math.round(totalRequests), peakRss: mem.peakRss, rss: mem.rss, startMs: api.startMs, openLoop, openLoopControl, heap };
  } finally {
    await control.child.stop();
    await api.stop();
  }
}
