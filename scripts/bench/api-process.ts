/**
 * The API server as a child process, started the way `npm start` starts it (scripts/start.mjs:
 * server/main.ts bundled, one node process, so its /proc figures are the server's own),
 * on a loopback port with its own data, and with the rate limits and the included allowance
 * raised so that a load run measures the work of a request, not a 429 or a 402.
 *
 * @module scripts/bench/api-process
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Child, freePort, start, tempDir, waitForAnswer } from './children.ts';

/** Limits high enough that no benchmark request is refused; every other check stays on. */
export const UNTHROTTLED_ENV = {
  SAASIGNAL_RATE_LIMIT: String(1e9),
  SAASIGNAL_AUTH_RATE_LIMIT: String(1e6),
  SAASIGNAL_INCLUDED_MICROTOKENS: String(1e15),
};

export interface Api {
  base: string;
  child: Child;
  /** Milliseconds from spawn to the first answered request. */
  startMs: number;
  stop(): Promise<void>;
}

export interface ApiOptions {
  /** `DATABASE_URL`; default: a SQLite file in a fresh temp folder. */
  databaseUrl?: string;
  redisUrl?: string;
  /** Prefix of every Redis key the server writes (KV, channels, rate-limit counters). */
  redisPrefix?: string;
  env?: Record<string, string>;
  /** The checkout to run (default: this one); profile.ts compares two. */
  cwd?: string;
  /** Extra node flags (e.g. `--cpu-prof` for scripts/bench/profile.ts). */
  nodeArgs?: string[];
}

/** What `npm start` runs (package.json). */
export const START_SCRIPT = 'scripts/start.mjs';

/** The node flags `npm start` gives (package.json `scripts.start`: `node <flags> scripts/start.mjs`). */
export function startNodeArgs(cwd = '.'): string[] {
  const start: string = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')).scripts.start;
  const m = /^node((?: --\S+)*) scripts\/start\.mjs$/.exec(start);
  if (!m) throw new Error(`package.json scripts.start is not "node [flags] ${START_SCRIPT}": ${start}`);
  return m[1].split(' ').filter(Boolean);
}

/** A path no route has: the cheapest request that still goes through the whole stack. */
export const PROBE_PATH = '/bench-probe';

export async function startApi(options: ApiOptions = {}): Promise<Api> {
  const port = await freePort();
  const databaseUrl = options.databaseUrl ?? join(tempDir('data'), 'saasignal.db');
  const spawned = performance.now();
  const child = start(process.execPath, [...startNodeArgs(options.cwd), ...(options.nodeArgs ?? []), START_SCRIPT], {
    cwd: options.cwd,
    env: {
      ...UNTHROTTLED_ENV,
      ...options.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: options.redisUrl ?? '',
      REDIS_KEY_PREFIX: options.redisPrefix,
    },
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForAnswer(base + PROBE_PATH, child);
  const startMs = performance.now() - spawned;
  return { base, child, startMs, stop: () => child.stop() };
}
