/**
 * Child processes for tests: free loopback ports, waiting for a port to answer, and Prism.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers (any status) or `ms` pass. */
export async function waitForHttp(url: string, ms = 20_000, child?: ChildProcess): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > until) throw new Error(`${url} did not answer within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface Spawned {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `prism mock` (or `prism proxy <doc> <upstream> --errors`) on a free loopback port. */
export async function startPrism(mode: 'mock' | { proxy: string }): Promise<Spawned> {
  const port = await freePort();
  const args =
    mode === 'mock'
      ? ['mock', 'generated/openapi.json', '-h', '127.0.0.1', '-p', String(port)]
      : ['proxy', 'generated/openapi.json', mode.proxy, '--errors', '-h', '127.0.0.1', '-p', String(port)];
  const child = spawn('node_modules/.bin/prism', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/openapi-readiness-probe`, 30_000, child);
  return {
    url,
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface ServerProcess extends Spawned {
  /** SIGKILL; resolves once the process is gone. */
  kill: () => Promise<void>;
}

export interface ServerOptions {
  /** A SQLite file or `postgres://…` (required: the environment may name another store). */
  databaseUrl: string;
  /** `redis://…`; none by default, whatever the environment says. */
  redisUrl?: string;
  /** More environment (e.g. `SAASIGNAL_RATE_LIMIT`, `SAASIGNAL_INCLUDED_MICROTOKENS`). */
  env?: Record<string, string>;
  /** Node flags before the entry point (e.g. `--expose-gc`). */
  nodeArgs?: string[];
  /** A port chosen beforehand (e.g. to start a proxy in front at the same time); free by default. */
  port?: number;
}

/**
 * Starts the real server (`node --import tsx server/main.ts`, one process, so signals reach the
 * server itself) on a free loopback port, and waits until it answers.
 */
export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, DATABASE_URL: options.databaseUrl, REDIS_URL: options.redisUrl ?? '', ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    // A graceful stop that hangs would hold the suite: it gets the server's own grace, then SIGKILL.
    const late = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(late);
  };
  try {
    await waitForHttp(`${url}/openapi.json`, 60_000, child);
  } catch (error) {
    await signal('SIGKILL');
    throw new Error(`${(error as Error).message}\n${out}`);
  }
  return { url, child, output: () => out, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
