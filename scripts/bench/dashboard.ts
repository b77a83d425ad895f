/**
 * The Dashboard section (issue 10): what a first visit to `/` costs a browser. The API runs as
 * `npm start` runs it (./api-process.ts) with the Dashboard built and current; Chromium
 * (playwright-core, the system's /usr/bin/chromium, never a downloaded one) opens `/` in a fresh
 * context each time, so every load is cold. A signed-out visitor lands on the sign-in page.
 *
 * - First-load JavaScript: every script the page requested before it was interactive, gzipped
 *   (zlib level 6, what a compressing proxy sends), and raw (what this server sends: it does not
 *   compress). Target: ≤ 200 KB gzipped.
 * - Time to interactive: from navigation start until the sign-in form is in the page (React
 *   renders it with its handlers attached) and no long task (≥ 50 ms) follows within 500 ms: the
 *   later of the form's appearance and the end of the last long task. No target is set for it.
 *
 * Loopback only: Chromium resolves no host name (`--host-resolver-rules`), the API listens on
 * 127.0.0.1, and every wait is bounded.
 *
 * @module scripts/bench/dashboard
 * @see https://web.dev/articles/tti
 */
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { ensureDashboard } from '../../dashboard/index.ts';
import { startApi } from './api-process.ts';
import type { TargetCheck } from './targets.ts';

export const FIRST_LOAD_LIMIT = 200 * 1024;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** A load that takes longer than this is a failure, not a measurement. */
const LOAD_TIMEOUT_MS = 30_000;
/** Quiet time after the last long task before the page counts as interactive. */
const QUIET_MS = 500;

export interface DashboardRun {
  /** The scripts of the first visit, in request order. */
  scripts: { path: string; rawBytes: number; gzipBytes: number }[];
  rawBytes: number;
  gzipBytes: number;
  /** Per cold load, ms from navigation start. */
  ttiMs: number[];
  fcpMs: number[];
}

/** Runs in the page before any of its scripts: records long tasks and when the form appears. */
const PROBE = `
  window.__bench = { longTaskEnds: [], usable: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longTaskEnds.push(e.startTime + e.duration);
  }).observe({ type: 'longtask' });
  const mark = () => {
    if (!window.__bench.usable && document.querySelector('input[type=email]')) window.__bench.usable = performance.now();
  };
  new MutationObserver(mark).observe(document, { childList: true, subtree: true });
`;

interface Probe {
  longTaskEnds: number[];
  usable: number;
}

async function coldLoad(browser: Browser, base: string): Promise<{ tti: number; fcp: number; scripts: Map<string, Buffer> }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(LOAD_TIMEOUT_MS);
    await page.addInitScript(PROBE);
    const bodies: Promise<[string, Buffer] | null>[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() !== 'script') return;
      bodies.push(response.body().then((b) => [new URL(response.url()).pathname, b] as [string, Buffer], () => null));
    });
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    await page.waitForFunction(() => (window as unknown as { __bench: Probe }).__bench.usable > 0);
    // Interactive once no long task has ended for QUIET_MS after the form appeared.
    const probe = await page.waitForFunction(
      (quiet) => {
        const b = (window as unknown as { __bench: Probe }).__bench;
        const busyUntil = Math.max(b.usable, ...b.longTaskEnds);
        return performance.now() - busyUntil >= quiet ? { usable: b.usable, busyUntil } : null;
      },
      QUIET_MS,
      { polling: 100 },
    );
    const { busyUntil } = (await probe.jsonValue()) as { usable: number; busyUntil: number };
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN);
    const scripts = new Map((await Promise.all(bodies)).filter((x): x is [string, Buffer] => x !== null));
    return { tti: busyUntil, fcp, scripts };
  } finally {
    await context.close();
  }
}

export async function runDashboard(loads: number, log: (line: string) => void): Promise<DashboardRun> {
  if (!existsSync(CHROMIUM)) throw new Error(`dashboard: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  await ensureDashboard();
  const api = await startApi();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: LOAD_TIMEOUT_MS,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      // Loopback only: no host name resolves, so nothing can leave the machine (the API is at 127.0.0.1).
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    ],
  });
  try {
    const run: DashboardRun = { scripts: [], rawBytes: 0, gzipBytes: 0, ttiMs: [], fcpMs: [] };
    for (let i = 0; i < loads; i++) {
      const load = await coldLoad(browser, api.base);
      run.ttiMs.push(load.tti);
      run.fcpMs.push(load.fcp);
      if (i === 0) {
        run.scripts = [...load.scripts].map(([path, body]) => ({ path, rawBytes: body.length, gzipBytes: gzipSync(body, { level: 6 }).length }));
        run.rawBytes = run.scripts.reduce((a, s) => a + s.rawBytes, 0);
        run.gzipBytes = run.scripts.reduce((a, s) => a + s.gzipBytes, 0);
        if (run.scripts.length === 0) throw new Error('dashboard: the first load requested no script; is / the Dashboard?');
      }
      log(`  load ${i + 1}: interactive at ${Math.round(load.tti)} ms (first paint ${Math.round(load.fcp)} ms)`);
    }
    log(`  first-load JavaScript: ${kb(run.gzipBytes)} gzipped (${kb(run.rawBytes)} raw) in ${run.scripts.length} file(s)`);
    return run;
  } finally {
    await browser.close();
    await api.stop();
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

export function dashboardTargets(d: DashboardRun): TargetCheck[] {
  return [{ target: `Dashboard first-load JavaScript ≤ ${FIRST_LOAD_LIMIT / 1024} KB gzipped`, measured: kb(d.gzipBytes), met: d.gzipBytes <= FIRST_LOAD_LIMIT }];
}

/** The section of BENCHMARKS.md. */
export function renderDashboard(d: DashboardRun): string[] {
  const ms = (xs: number[]) => `median ${Math.round(median(xs))} ms (loads: ${xs.map(Math.round).join(', ')} ms)`;
  return [
    '## Dashboard',
    '',
    'A first visit to `/` (signed out: the sign-in page) in headless Chromium, a fresh browser context per load, against the API ' +
      'started as `npm start` starts it on loopback. First-load JavaScript is every script requested before the page was ' +
      'interactive, gzipped at level 6; the server itself sends it uncompressed. Interactive: the sign-in form is rendered and no ' +
      `long task (≥ 50 ms) ends within ${QUIET_MS} ms after it. How: \`scripts/bench/dashboard.ts\`.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| first-load JavaScript, gzipped | ${kb(d.gzipBytes)} |`,
    `| first-load JavaScript, raw (as sent) | ${kb(d.rawBytes)} |`,
    `| scripts | ${d.scripts.map((s) => `\`${s.path}\` ${kb(s.gzipBytes)}`).join(', ')} |`,
    `| first contentful paint | ${ms(d.fcpMs)} |`,
    `| time to interactive | ${ms(d.ttiMs)} |`,
    '',
  ];
}
