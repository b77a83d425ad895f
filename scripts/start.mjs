/**
 * `npm start`: bundles the server's own TypeScript (server/, docs-site/, generated/) into ES
 * modules with esbuild (scripts/bundle.mjs), then runs them in this process. Starting through tsx
 * cost over a second before the first answer (it transpiles and hooks every module, ours and
 * node_modules' alike) and ~45 MB of resident memory for its loader thread; the bundle leaves
 * neither. It is rebuilt only when a source file changed (~0.25 s saved otherwise).
 * Plain JavaScript so that no loader is needed to run it. Tests and `tsx server/main.ts` run the
 * same sources directly.
 *
 * @module scripts/start
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { bundled, cacheDir, root } from './bundle.mjs';
import { defaultsToApply, RUNTIME_V8_DEFAULTS } from './v8-defaults.mjs';

// Node read NODE_OPTIONS when it started: a value `.env` adds below never reached V8.
const nodeOptions = process.env.NODE_OPTIONS;
// Settings from `.env` (see .env.example) when it exists; variables already set in the
// environment win, as with `node --env-file`.
if (existsSync(join(root, '.env'))) process.loadEnvFile(join(root, '.env'));

// npm runs this script through `sh -c`, and passes a SIGTERM it receives to that shell, which
// exits without passing it on: the server lived on, re-parented to PID 1 (a trap under systemd
// and in containers). So when npm started it, losing the parent means stopping as on SIGTERM.
// (Ctrl+C reaches every process of the terminal's group, this one included.)
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 200).unref();
}

// The V8 heap under load: what it holds between two full collections is mostly the garbage of
// requests already answered (live data stays ~45 MB), and V8 let it grow to up to 4× the live
// heap before collecting (peak RSS 257 MB after 30,000 KV gets at 50 connections). Growing by at
// most 50% instead: 172 MB, and the same CPU per request (issue 16, BENCHMARKS.md). Read by V8
// at each full collection, so it can be set here; a `--heap-growing-percent` given to node or in
// NODE_OPTIONS wins. The young generation's bound cannot be set from here (V8 sizes it when it
// starts): package.json gives `--max-semi-space-size=8` (BENCHMARKS.md, "Node 24: where the RSS
// goes").
for (const flag of defaultsToApply(RUNTIME_V8_DEFAULTS, process.execArgv, nodeOptions)) setFlagsFromString(flag);

await import(await bundled('server/main.ts', 'server', cacheDir));
