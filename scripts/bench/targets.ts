/**
 * The targets the benchmark holds the project to (issue 7), each checked against a run's
 * results and reported as met or missed — a miss is stated, never hidden.
 *
 * @module scripts/bench/targets
 */
import type { LoadResult } from './load.ts';
import type { ScaleRun } from './scale-bench.ts';
import type { BaselineRun, StoreRun } from './server-bench.ts';
import type { ToolchainRun } from './toolchain-bench.ts';
import { type DashboardRun, dashboardTargets } from './dashboard.ts';

export interface Results {
  options: { quick: boolean; sections: string[]; connections: number; seconds: number; warmupSeconds: number; rssAfterRequests: number };
  machine: import('./machine.ts').Machine;
  startedAt: string;
  seconds: number;
  loadAtEnd: number;
  server?: { baselines: BaselineRun[]; stores: StoreRun[]; skipped: string[]; twoInstances?: import('./two-instances.ts').TwoInstancesRun };
  scale?: ScaleRun;
  toolchain?: ToolchainRun;
  dashboard?: DashboardRun;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Mean throughput of a baseline over its runs in this benchmark (it runs before and after). */
export function baselineRps(baselines: BaselineRun[], name: BaselineRun['name']): number {
  const runs = baselines.filter((b) => b.name === name).map((b) => b.result.rps);
  return runs.reduce((a, b) => a + b, 0) / runs.length;
}

export const RSS_LIMIT = 200 * 1024 * 1024;
export const P99_LIMIT_MS = 10;
export const SCALE_LIMIT = 1.2;
export const BUILD_LIMIT_S = 10;
export const SDK_LIMIT = 8 * 1024;
export const START_LIMIT_MS = 2000;
/** Open-loop p99 at half the maximum: embedded, and with PostgreSQL + Redis (issue 16). */
export const OPEN_P99_LIMIT_MS = { embedded: 10, shared: 20 };
export const METERED_ONE_ORG_RPS = 5000;
/** One organization's share of two organizations' throughput on the same instances that shows the balance is no bound. */
export const ONE_ORG_SHARE = 0.9;

const pct = (x: number) => `${Math.round(x * 100)}%`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export function checkTargets(r: Results): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (r.server) {
    const express = baselineRps(r.server.baselines, 'bare Express 5');
    for (const store of r.server.stores) {
      const find = (name: string) => store.scenarios.find((s) => s.name === name) as LoadResult | undefined;
      // Issue 16's target for PostgreSQL + Redis, where a KV get also waits on Redis (the value, the
      // rate counters, the revocation epoch): ≥ 0.4 of bare Express.
      const getShare = store.store.startsWith('embedded') ? 0.6 : 0.4;
      for (const [name, share] of [['kv get', getShare], ['kv set', 0.5]] as const) {
        const s = find(name);
        if (!s) continue;
        checks.push({ target: `${store.store}: validated ${name} ≥ ${pct(share)} of bare Express throughput`, measured: pct(s.rps / express), met: s.rps / express >= share });
      }
      const over = store.scenarios.filter((s) => s.p99 > P99_LIMIT_MS);
      checks.push({
        target: `${store.store}: p99 ≤ ${P99_LIMIT_MS} ms at ${r.options.connections} connections (every scenario)`,
        measured: over.length === 0 ? `all ≤ ${P99_LIMIT_MS} ms (worst ${Math.max(...store.scenarios.map((s) => s.p99))} ms)` : `over in ${over.map((s) => `${s.name} (${s.p99} ms)`).join(', ')}`,
        met: over.length === 0,
      });
      const limit = store.store.startsWith('embedded') ? OPEN_P99_LIMIT_MS.embedded : OPEN_P99_LIMIT_MS.shared;
      for (const [name, open] of Object.entries(store.openLoop ?? {})) {
        checks.push({ target: `${store.store}: ${name} p99 ≤ ${limit} ms in an open loop at half the measured maximum`, measured: `${open.p99} ms at ${open.rate} req/s`, met: open.p99 <= limit });
      }
      const reached = store.totalRequests >= r.options.rssAfterRequests;
      checks.push({
        target: `${store.store}: peak RSS ≤ ${mb(RSS_LIMIT)} after ${r.options.rssAfterRequests.toLocaleString('en-US')} requests`,
        measured: `${mb(store.peakRss)} after ${store.totalRequests.toLocaleString('en-US')} requests`,
        met: reached ? store.peakRss <= RSS_LIMIT : null,
      });
    }
  }
  if (r.server?.twoInstances) {
    const t = r.server.twoInstances;
    // The issue's alternative: bounded by the instances and the KV store, not by the one balance,
    // i.e. one organization gets (nearly) what two organizations get on the same instances.
    const share = t.twoOrgsRps ? t.rps / t.twoOrgsRps : undefined;
    checks.push({
      target: `PostgreSQL + Redis: ≥ ${METERED_ONE_ORG_RPS.toLocaleString('en-US')} metered requests/s for one organization on 2 instances, or ≥ ${ONE_ORG_SHARE * 100}% of what two organizations get on them (not bounded by the balance)`,
      measured: `${Math.round(t.rps).toLocaleString('en-US')} req/s${share === undefined ? '' : `, ${Math.round(share * 100)}% of two organizations' ${Math.round(t.twoOrgsRps!).toLocaleString('en-US')} req/s`}`,
      met: t.rps >= METERED_ONE_ORG_RPS || (share !== undefined && share >= ONE_ORG_SHARE),
    });
  }
  if (r.scale) {
    const { small, large } = r.scale;
    const label = `${large.keys.toLocaleString('en-US')} keys within 20% of ${small.keys.toLocaleString('en-US')} (median latency)`;
    checks.push({ target: `KV get at ${label}`, measured: `×${r.scale.getRatio.toFixed(2)}`, met: r.scale.getRatio <= SCALE_LIMIT });
    checks.push({ target: `KV scan at ${label}`, measured: `×${r.scale.scanRatio.toFixed(2)}`, met: r.scale.scanRatio <= SCALE_LIMIT });
  }
  if (r.toolchain) {
    const t = r.toolchain;
    const build = t.generateSeconds + t.docsBuildSeconds;
    checks.push({ target: `generate + docs build ≤ ${BUILD_LIMIT_S} s`, measured: `${build.toFixed(1)} s`, met: build <= BUILD_LIMIT_S });
    checks.push({ target: 'SDK browser bundle (createClient + one call) ≤ 8 KB minified + gzipped', measured: `${(t.sdk.gzipBytes / 1024).toFixed(1)} KB`, met: t.sdk.gzipBytes <= SDK_LIMIT });
    const start = median(t.startMs);
    checks.push({ target: `npm start to first answer ≤ ${START_LIMIT_MS / 1000} s (median)`, measured: `${(start / 1000).toFixed(2)} s`, met: start <= START_LIMIT_MS });
  }
  if (r.dashboard) checks.push(...dashboardTargets(r.dashboard));
  return checks;
}
