/**
 * Where a request's CPU goes: the API under `node --cpu-prof` and a load scenario, then the
 * profile's self time by function and by package (node_modules/<name>, node: internals, ours).
 * The method behind the profiling notes in BENCHMARKS.md, next to ./instructions.ts (which counts,
 * but cannot name, the instructions of JIT-compiled code).
 *
 *   tsx scripts/bench/profile.ts                                  # kv get, 10 s, 10 connections
 *   tsx scripts/bench/profile.ts --scenario="kv set" --seconds=20 --top=40
 *   tsx scripts/bench/profile.ts --database=postgres://… --redis=redis://…
 *   tsx scripts/bench/profile.ts --node-args="--no-async-context-frame"   # extra flags for the server
 *
 * @module scripts/bench/profile
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startApi } from './api-process.ts';
import { call, createTenant, seedOverHttp } from './api-setup.ts';
import { cleanUp, tempDir } from './children.ts';
import { SCENARIOS } from './server-bench.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'kv get' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    top: { type: 'string', default: '30' },
    database: { type: 'string' },
    redis: { type: 'string' },
    'node-args': { type: 'string', default: '' },
  },
});

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  /** µs between samples */
  timeDeltas: number[];
  endTime: number;
}

/**
 * The samples of the load run only (not start-up, warm-up or shutdown): those in the window
 * `[end - tail - duration, end - tail]`, times in µs measured by this process.
 */
function loadSamples(profile: Profile, durationUs: number, tailUs: number): number[] {
  const times: number[] = [];
  let t = profile.endTime;
  for (let i = profile.samples.length - 1; i >= 0; i--) {
    times[i] = t;
    t -= profile.timeDeltas[i];
  }
  const to = profile.endTime - tailUs;
  return profile.samples.filter((_, i) => times[i] <= to && times[i] >= to - durationUs);
}

/** `node_modules/<pkg>` (scoped too), `node:` internals, or the file under the checkout. */
function packageOf(url: string): string {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return 'node: internals';
  if (url === '') return '(native, GC, idle)';
  return url.includes('/.cache/saasignal/') ? 'ours (bundle)' : url.replace(/^.*\/(server|scripts)\//, '$1/');
}

function summarize(profile: Profile, samples: number[], top: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const id of samples) self.set(id, (self.get(id) ?? 0) + 1);
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').reduce((s, n) => s + (self.get(n.id) ?? 0), 0);
  const busy = samples.length - idle;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, count] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const name = `${functionName || '(anonymous)'} ${packageOf(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + count);
    byPackage.set(packageOf(url), (byPackage.get(packageOf(url)) ?? 0) + count);
  }
  const pct = (n: number) => `${((100 * n) / busy).toFixed(1).padStart(5)}%`;
  // AsyncLocalStorage through async_hooks (Node 20; Node 24 with --no-async-context-frame): the
  // hook functions every promise runs once one store is in use (better-auth's).
  const hooks = [...byFunction].filter(([name]) => /^(promiseInitHook|promiseResolveHook|promiseBeforeHook|promiseAfterHook|trackPromise|_propagate|emitInitNative|emitBeforeNative|emitAfterNative|executionAsyncResource|fastPromiseHook) /.test(name)).reduce((s, [, n]) => s + n, 0);
  console.log(`\nbusy samples: ${busy} (idle ${idle}); async_hooks (AsyncLocalStorage) functions: ${pct(hooks)} of busy, self\n\nself time by package:`);
  for (const [name, n] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${name}`);
  console.log('\nself time by function:');
  for (const [name, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${name}`);
}

async function main(): Promise<void> {
  const dir = tempDir('cpuprof');
  const api = await startApi({ databaseUrl: values.database, redisUrl: values.redis, redisPrefix: `prof:${process.pid}:`, nodeArgs: [...values['node-args']!.split(' ').filter(Boolean), '--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const tenant = await createTenant(api.base, 'profile');
  await call(api.base, 'PUT', '/infra/kv/bench:hot', tenant.secret, { value: { hello: 'world' } });
  await seedOverHttp(api.base, tenant.secret, 'scan:', 100, { n: 1 });
  const scenario = SCENARIOS.find((s) => s.name === values.scenario);
  if (!scenario) throw new Error(`--scenario: one of ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const load = (seconds: number) => autocannon({ url: api.base, connections: Number(values.connections), duration: seconds, requests: scenario.requests(tenant) });
  await load(3);
  const started = performance.now();
  const result = await load(Number(values.seconds));
  const ended = performance.now();
  console.log(`${values.scenario}: ${Math.round(result.requests.average)} req/s, ${result.non2xx} non-2xx`);
  await api.child.stop(30_000);
  const tailUs = (performance.now() - ended) * 1000;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written: ${api.child.output().slice(-500)}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  summarize(profile, loadSamples(profile, (ended - started) * 1000, tailUs), Number(values.top));
}

try {
  await main();
} finally {
  cleanUp();
}
process.exit();
