/**
 * Child processes and temporary folders of a benchmark run, and the promise that both are gone
 * when the run ends: whether it finishes, throws, or is interrupted (SIGINT/SIGTERM), every child
 * still running is killed (its whole process group: `npm start` runs node under npm and sh) and
 * every temporary folder removed.
 *
 * @module scripts/bench/children
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';

const running = new Set<ChildProcess>();
const folders = new Set<string>();

/** Kills what is left and removes the folders; safe to call more than once. */
export function cleanUp(): void {
  for (const child of running) killGroup(child, 'SIGKILL');
  running.clear();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the benchmark and its children`);
    cleanUp();
    process.exit(130);
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Negative pid: the process group this child leads (it was spawned detached).
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** A fresh temporary folder, removed at the end of the run. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `saasignal-bench-${name}-`));
  folders.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  folders.delete(dir);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  /** The process the kernel statistics are read from (node itself when started directly). */
  pid: number;
  process: ChildProcess;
  /** What it printed so far (the tail), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Starts `command args` in its own process group, output captured (last 64 KB). */
export function start(command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => running.delete(child));
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return {
    pid: child.pid,
    process: child,
    output: () => out,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A TypeScript file compiled to plain JavaScript (esbuild), so that it runs under node without a
 * loader, as the API does under `npm start`: a baseline under tsx would carry tsx's loader thread
 * (~45 MB) and hooks. Written next to the dependencies it imports; returns the path to run.
 */
export async function compileTs(file: string): Promise<string> {
  const outfile = join('node_modules', '.cache', 'saasignal', 'bench', basename(file).replace(/\.ts$/, '.mjs'));
  await build({ entryPoints: [file], outfile, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  return resolve(outfile);
}

/**
 * Polls `url` every `everyMs` until it answers with any status; returns the milliseconds waited.
 * Fails when the child exits first or `timeoutMs` pass.
 */
export async function waitForAnswer(url: string, child: Child, timeoutMs = 30_000, everyMs = 5): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (child.process.exitCode !== null) throw new Error(`${url}: the process exited (${child.process.exitCode}) before answering:\n${child.output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return performance.now() - started;
    } catch {
      if (performance.now() - started > timeoutMs) throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${child.output()}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
