/**
 * `npm start` itself (npm → sh → node scripts/start.mjs → the bundled server), on whichever Node
 * runs the tests (CI runs this under Node 20, 22 and 24): it answers, and SIGTERM sent to the
 * npm process leaves no server process behind (under systemd or in a container, a server
 * re-parented to PID 1 keeps the port and the data folder).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { defaultsToApply, RUNTIME_V8_DEFAULTS } from '../../scripts/v8-defaults.mjs';
import { freePort, waitForHttp } from '../support/processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'saasignal-npm-start-'));
const spawned: ChildProcess[] = [];
const leftovers = new Set<number>();
afterAll(() => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Every process below `pid`, from /proc (Linux). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses: the fields after the last ')' are safe.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  for (let i = 0; i < queue.length && i < 1000; i++) for (const child of children.get(queue[i]) ?? []) found.push(child), queue.push(child);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm start` with the Node that runs this test first on PATH (npm's script shell finds `node` there). */
export function npmStart(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const PATH = [dirname(process.execPath), process.env.PATH].join(delimiter);
  const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, PATH, REDIS_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

it('npm start serves the API; SIGTERM to the npm process stops the server, nothing left behind', async () => {
  const port = await freePort();
  const { child, output } = npmStart({ PORT: String(port), DATABASE_URL: join(dir, 'start.db') });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/openapi.json`, 90_000, child).catch((err) => {
    throw new Error(`${(err as Error).message}\n${output()}`);
  });
  const res = await fetch(`${base}/openapi.json`);
  expect(res.status).toBe(200);
  expect((await res.json()).openapi).toBe('3.1.0');
  expect(output()).toContain(`"node":"${process.version}"`);

  const tree = descendants(child.pid!);
  for (const pid of tree) leftovers.add(pid);
  expect(tree.length).toBeGreaterThan(0);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;

  for (const until = Date.now() + 15_000; tree.some(alive) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
  expect(tree.filter(alive)).toEqual([]);
  expect(output()).toMatch(/"message":"stopped"/);
  await expect(fetch(`${base}/openapi.json`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
}, 150_000);

it("npm start's run-time V8 defaults yield to the user's own flag, on the command line or in NODE_OPTIONS", () => {
  expect(RUNTIME_V8_DEFAULTS).toContain('--heap-growing-percent=50');
  expect(defaultsToApply(RUNTIME_V8_DEFAULTS, [], undefined)).toEqual(RUNTIME_V8_DEFAULTS);
  expect(defaultsToApply(RUNTIME_V8_DEFAULTS, ['--max-semi-space-size=8', '--trace-gc'], '--enable-source-maps')).toEqual(RUNTIME_V8_DEFAULTS);
  expect(defaultsToApply(RUNTIME_V8_DEFAULTS, ['--heap-growing-percent=80'])).not.toContain('--heap-growing-percent=50');
  // process.execArgv does not list NODE_OPTIONS: a default set at run time would have replaced the user's value.
  expect(defaultsToApply(RUNTIME_V8_DEFAULTS, [], '--enable-source-maps  --heap-growing-percent=80')).not.toContain('--heap-growing-percent=50');
  // V8 reads `_` as `-`.
  expect(defaultsToApply(RUNTIME_V8_DEFAULTS, ['--heap_growing_percent=80'])).not.toContain('--heap-growing-percent=50');
  expect(defaultsToApply(['--no-maglev'], ['--maglev'])).toEqual([]);
});

