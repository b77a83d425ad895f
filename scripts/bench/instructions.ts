/**
 * Instructions per request, counted by valgrind's callgrind: the measure behind the profiling
 * notes in BENCHMARKS.md. Unlike time, an instruction count does not depend on what else the
 * machine is doing, so a before/after comparison holds on a busy shared machine (two runs of the
 * same code agree within ~1%). The server runs under callgrind with instrumentation off; after a
 * warm-up (the JIT settles), counting is switched on for exactly N requests.
 *
 *   tsx scripts/bench/instructions.ts                          # kv get, 1,000 requests
 *   tsx scripts/bench/instructions.ts --scenario="kv set" --requests=500
 *   tsx scripts/bench/instructions.ts --target=express         # the bare Express baseline
 *   tsx scripts/bench/instructions.ts --checkout=/tmp/old      # another checkout's server (before/after)
 *   tsx scripts/bench/instructions.ts --checkout=/tmp/old --start=tsx   # one from before scripts/start.mjs
 *   tsx scripts/bench/instructions.ts --annotate=30            # and the 30 costliest functions, by binary
 *
 * What callgrind names: V8's runtime, builtins, GC and interpreter (in the node binary), libuv,
 * OpenSSL, SQLite and libc; code the JIT compiled has no symbols and shows as `???`.
 *
 * Needs valgrind (`apt-get install valgrind`). Slow: about a minute to start the server, then
 * roughly 10 ms per request.
 *
 * @module scripts/bench/instructions
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon, { type RequestSpec } from 'autocannon';
import { START_SCRIPT, startNodeArgs, UNTHROTTLED_ENV } from './api-process.ts';
import { call, createTenant, seedOverHttp } from './api-setup.ts';
import { cleanUp, compileTs, freePort, start, tempDir, waitForAnswer } from './children.ts';
import { SCENARIOS } from './server-bench.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'kv get' },
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '2000' },
    target: { type: 'string', default: 'api' },
    checkout: { type: 'string', default: '.' },
    connections: { type: 'string', default: '1' },
    // `tsx`: the API as `node --import tsx server/main.ts` (checkouts older than scripts/start.mjs).
    start: { type: 'string', default: 'npm' },
    annotate: { type: 'string', default: '0' },
  },
});
const requests = Number(values.requests);
/**
 * V8 on one thread: with concurrent compilation and GC threads, how much of their work lands in
 * the counted window depends on scheduling, and counts drifted by 20% between runs.
 */
const NODE_FLAGS = ['--single-threaded'];
/** What each target runs: the API as `npm start` runs it, the baselines compiled like it. */
const targets: Record<string, () => Promise<string[]>> = {
  api: async () => (values.start === 'tsx' ? ['--import', 'tsx', 'server/main.ts'] : [...startNodeArgs(values.checkout), START_SCRIPT]),
  express: async () => [await compileTs('scripts/bench/bare-express.ts')],
  http: async () => [await compileTs('scripts/bench/bare-http.ts')],
};
const entry = targets[values.target!];
if (!entry) throw new Error(`--target: one of ${Object.keys(targets).join(', ')}`);

async function main(): Promise<void> {
  const port = await freePort();
  const out = tempDir('callgrind');
  const child = start(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(out, 'cg.%p')}`, process.execPath, ...NODE_FLAGS, ...(await entry())],
    { cwd: resolve(values.checkout!), env: { ...UNTHROTTLED_ENV, PORT: String(port), DATABASE_URL: join(tempDir('data'), 'saasignal.db'), REDIS_URL: '' } },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForAnswer(`${base}/bench-probe`, child, 600_000, 500);
  let spec: RequestSpec[];
  if (values.target === 'api') {
    const tenant = await createTenant(base, 'callgrind');
    await call(base, 'PUT', '/infra/kv/bench:hot', tenant.secret, { value: { hello: 'world' } });
    await seedOverHttp(base, tenant.secret, 'scan:', 100, { n: 1 });
    const scenario = SCENARIOS.find((s) => s.name === values.scenario);
    if (!scenario) throw new Error(`--scenario: one of ${SCENARIOS.map((s) => s.name).join(', ')}`);
    spec = scenario.requests(tenant);
  } else {
    spec = [{ method: 'GET', path: '/infra/kv/hello', headers: { authorization: 'Bearer sk_live_baseline' } }];
  }
  const control = (...args: string[]) => execFileSync('callgrind_control', [...args, String(child.pid)], { stdio: 'ignore' });
  // One connection by default: with several, how many requests share one event-loop turn depends
  // on timing, and so does the work per request.
  const fire = (amount: number) => autocannon({ url: base, connections: Number(values.connections), amount, timeout: 120, requests: spec });
  await fire(Number(values.warmup));
  control('--zero');
  control('--instr=on');
  const result = await fire(requests);
  control('--dump=measured');
  control('--instr=off');
  const answered = result['2xx'] + result.non2xx;
  if (answered !== requests || result.non2xx > 0) throw new Error(`expected ${requests} 2xx answers, got ${result['2xx']} (+${result.non2xx} non-2xx, ${result.errors} errors)`);
  const dump = readdirSync(out).find((f) => f.endsWith('.1'));
  const total = Number(/^summary: (\d+)/m.exec(readFileSync(join(out, dump ?? 'missing'), 'utf8'))?.[1]);
  await child.stop();
  if (Number(values.annotate) > 0) {
    const annotated = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', join(out, dump!)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const lines = annotated.split('\n').filter((l) => /^\s*[\d,]+ \(/.test(l));
    console.log(lines.slice(0, Number(values.annotate) + 1).join('\n'));
  }
  console.log(`${values.target === 'api' ? values.scenario : `bare ${values.target}`} (${values.checkout}): ${Math.round(total / requests).toLocaleString('en-US')} instructions per request (${requests} requests)`);
}

try {
  await main();
} finally {
  cleanUp();
}
process.exit();
