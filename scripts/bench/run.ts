/**
 * `npm run bench`: measures the server, the store at scale and the toolchain against baselines
 * run side by side, then writes BENCHMARKS.md and bench-results.json. Loopback only; every load
 * is bounded in count and time, the whole run by a watchdog; child processes, temp folders, the
 * benchmark's PostgreSQL database and Redis keys are removed even when it fails.
 *
 *   npm run bench                         # the full run (~5 minutes)
 *   npm run bench -- --quick              # shorter loads, 100,000 keys at scale (~2 minutes)
 *   npm run bench -- --only=server,scale  # some sections (toolchain, server, scale, dashboard)
 *   npx -y -p node@24 npm run bench       # the same on Node 24 (every child runs on it too)
 *
 * Node 20 is the reference the targets are judged on: its results are `bench-results.json` and the
 * body of BENCHMARKS.md. A run on another major writes `bench-results.node<major>.json`, and
 * BENCHMARKS.md shows it in a section of its own next to the reference (whichever ran last).
 *
 * PostgreSQL + Redis are measured too when DATABASE_URL (postgres://…) and REDIS_URL are set.
 *
 * @module scripts/bench/run
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { docsAreCurrent } from '../../docs-site/index.ts';
import { cleanUp, start } from './children.ts';
import { describeMachine } from './machine.ts';
import { existingNotes, renderReport } from './report.ts';
import { runScale, type ScaleTiming } from './scale-bench.ts';
import { type BaselineRun, runBaseline, runStore, type StoreRun, type Timing } from './server-bench.ts';
import { configuredSharedStores, provisionSharedStores } from './shared-stores.ts';
import { runDashboard } from './dashboard.ts';
import { checkTargets, type Results } from './targets.ts';
import { runToolchain } from './toolchain-bench.ts';
import { runTwoInstances, type TwoInstancesRun } from './two-instances.ts';

const SECTIONS = ['toolchain', 'server', 'scale', 'dashboard'] as const;
const REPORT = 'BENCHMARKS.md';
/** The Node major the report is built around (the targets are judged on it). */
const REFERENCE_NODE = 20;
const resultsFile = (major: number) => (major === REFERENCE_NODE ? 'bench-results.json' : `bench-results.node${major}.json`);
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const RESULTS = resultsFile(NODE_MAJOR);
/** Other Node majors whose last results the report shows next to this run's. */
const OTHER_NODES = [20, 24].filter((major) => major !== NODE_MAJOR);
/** No run may outlive this, whatever hangs. */
const WATCHDOG_MINUTES = 20;

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const quick = values.quick!;
const sections = values.only ? values.only.split(',').map((s) => s.trim()) : [...SECTIONS];
for (const s of sections) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section ${s} (choose from ${SECTIONS.join(', ')})`);

const timing: Timing = quick ? { connections: 50, seconds: 3, warmupSeconds: 1 } : { connections: 50, seconds: 8, warmupSeconds: 2 };
const scaleTiming: ScaleTiming = quick ? { sizes: [10_000, 100_000], block: 100, blocks: 4, maxSeconds: 30 } : { sizes: [10_000, 1_000_000], block: 200, blocks: 8, maxSeconds: 60 };
const RSS_AFTER = 100_000;
const topUp = quick ? { requests: 0, maxSeconds: 0 } : { requests: RSS_AFTER, maxSeconds: 60 };

const log = (line: string) => console.log(line);
const watchdog = setTimeout(() => {
  console.error(`the benchmark ran for ${WATCHDOG_MINUTES} minutes: stopping it`);
  cleanUp();
  process.exit(2);
}, WATCHDOG_MINUTES * 60_000);
watchdog.unref();

/** The server reads generated/docs at start and rebuilds it in the background when stale: not during a measurement. */
async function ensureDocsBuilt(): Promise<void> {
  if (await docsAreCurrent()) return;
  log('building the docs site first (the server would otherwise build it in the background during the load)');
  const child = start('npm', ['run', '--silent', 'docs:build']);
  const code = await new Promise<number | null>((resolve) => child.process.once('exit', resolve));
  if (code !== 0) throw new Error(`docs:build failed:\n${child.output()}`);
}

async function serverSection(): Promise<NonNullable<Results['server']>> {
  const baselines: BaselineRun[] = [];
  const stores: StoreRun[] = [];
  const skipped: string[] = [];
  let twoInstances: TwoInstancesRun | undefined;
  const baselineRound = async () => {
    for (const name of ['bare node:http', 'bare Express 5'] as const) {
      const b = await runBaseline(name, timing);
      baselines.push(b);
      log(`  ${name}: ${Math.round(b.result.rps)} req/s, p50 ${b.result.p50} ms, p99 ${b.result.p99} ms`);
    }
  };
  await baselineRound();
  stores.push(await runStore({ store: 'embedded (SQLite)' }, timing, topUp, log));
  const shared = configuredSharedStores();
  if (shared) {
    const provisioned = await provisionSharedStores(shared);
    try {
      stores.push(await runStore({ store: 'PostgreSQL + Redis', ...provisioned }, timing, topUp, log));
      twoInstances = await runTwoInstances(provisioned, timing.seconds, timing.connections);
      log(`  one organization on two instances: ${Math.round(twoInstances.rps)} metered req/s (two organizations: ${Math.round(twoInstances.twoOrgsRps ?? 0)}); balance drop ${twoInstances.balanceDrop} μt, announced ${twoInstances.announced} μt`);
    } finally {
      const { redisKeys } = await provisioned.cleanUp();
      if (redisKeys === 0) throw new Error('no Redis key under the run\'s prefix: the server did not use REDIS_KEY_PREFIX, so its keys could not be cleaned up');
    }
  } else {
    skipped.push('PostgreSQL + Redis: not measured in this run (set DATABASE_URL=postgres://… and REDIS_URL to include them).');
  }
  await baselineRound();
  return { baselines, stores, skipped, twoInstances };
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const machine = describeMachine();
  log(`benchmark${quick ? ' (quick)' : ''}: ${sections.join(', ')} on ${machine.cores} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAtStart.toFixed(2)}`);
  const results: Results = {
    options: { quick, sections, ...timing, rssAfterRequests: RSS_AFTER },
    machine,
    startedAt: startedAt.toISOString(),
    seconds: 0,
    loadAtEnd: 0,
  };
  if (sections.includes('toolchain')) {
    log('toolchain');
    results.toolchain = await runToolchain(quick ? 1 : 3, log);
  }
  if (sections.includes('server')) {
    await ensureDocsBuilt();
    log('server');
    results.server = await serverSection();
  }
  if (sections.includes('scale')) {
    await ensureDocsBuilt();
    log('scale');
    results.scale = await runScale(scaleTiming, log);
  }
  if (sections.includes('dashboard')) {
    log('dashboard');
    results.dashboard = await runDashboard(quick ? 3 : 5, log);
  }
  // A section not run this time keeps its last results (and says when they were measured).
  if (existsSync(RESULTS)) {
    const previous = JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;
    for (const section of ['scale', 'toolchain', 'dashboard'] as const) {
      if (!results[section] && previous[section]) {
        (results as unknown as Record<string, unknown>)[section] = previous[section];
        log(`${section}: not run; kept from the run of ${previous.startedAt}`);
      }
    }
  }
  results.seconds = (Date.now() - startedAt.getTime()) / 1000;
  results.loadAtEnd = loadavg()[0];

  const notes = existsSync(REPORT) ? existingNotes(readFileSync(REPORT, 'utf8')) : '';
  writeFileSync(RESULTS, `${JSON.stringify({ ...results, targets: checkTargets(results) }, null, 2)}\n`);
  // The reference run leads the report; the other Node versions' last runs follow it.
  const others = OTHER_NODES.filter((major) => existsSync(resultsFile(major))).map((major) => JSON.parse(readFileSync(resultsFile(major), 'utf8')) as Results);
  const [lead, ...rest] = NODE_MAJOR === REFERENCE_NODE || !others.some((o) => o.machine.node.startsWith(`v${REFERENCE_NODE}.`)) ? [results, ...others] : [...others, results];
  writeFileSync(REPORT, renderReport(lead, notes, rest));
  log(`\nwrote ${REPORT} and ${RESULTS} in ${Math.round(results.seconds)} s`);
  for (const c of checkTargets(results)) log(`  ${c.met === null ? 'not reached' : c.met ? 'met   ' : 'MISSED'}  ${c.target}: ${c.measured}`);

  // A run with failed answers measured something other than the work it names.
  const failed = [...(results.server?.stores ?? []).flatMap((s) => [...s.scenarios.map((x) => ({ ...x, store: s.store })), { name: 'top-up', store: s.store, non2xx: s.topUpErrors, errors: 0 }]), ...(results.server?.baselines ?? []).map((b) => ({ ...b.result, store: 'baseline' }))].filter((x) => x.non2xx > 0 || x.errors > 0);
  for (const f of failed) console.error(`invalid: ${f.store} ${f.name} had ${f.non2xx} non-2xx answers and ${f.errors} errors`);
  return failed.length > 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  console.error(`the benchmark failed; ${REPORT} was left as it was`);
  process.exitCode = 1;
} finally {
  cleanUp();
}
// Stops by itself even if a library left a handle open.
process.exit();
