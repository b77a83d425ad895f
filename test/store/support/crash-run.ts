/**
 * The crash experiment shared by the SQLite and the PostgreSQL + Redis crash suites: start the
 * real server (`server/main.ts`) as a child process, stream KV writes at it from several
 * clients, SIGKILL it while writes are in flight, start it again on the same data, and report
 * which acknowledged writes came back.
 */
import type { ChildProcess } from 'node:child_process';
import { startServer as start } from '../../support/processes.ts';

export interface ServerProcess {
  base: string;
  child: ChildProcess;
  output(): string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, for cleanup. */
  stop(): Promise<void>;
}

/** Starts `node --import tsx server/main.ts` with exactly `env` (test/support/processes.ts does the work). */
export async function startServer(env: Record<string, string | undefined>): Promise<ServerProcess> {
  const defined = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const s = await start({ databaseUrl: defined.DATABASE_URL, redisUrl: defined.REDIS_URL, env: defined });
  return { base: s.url, child: s.child, output: s.output, kill: s.kill, stop: s.stop };
}

async function call(base: string, method: string, path: string, token: string | null, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Signs up and creates a project token with KV scopes, as the quick start does. */
export async function projectToken(base: string): Promise<{ token: string; projectId: string; orgId: string; session: string }> {
  const email = `crash-${process.pid}-${Date.now()}@example.com`;
  const up = await call(base, 'POST', '/api/auth/sign-up/email', null, { email, password: 'a-long-secure-passphrase', name: 'Crash' });
  if (up.status !== 200) throw new Error(`sign-up ${up.status}: ${JSON.stringify(up.body)}`);
  const { token: session, default_org_id: orgId } = up.body;
  const project = await call(base, 'POST', `/core/organizations/${orgId}/projects`, session, { name: 'crash' });
  const token = await call(base, 'POST', `/core/organizations/${orgId}/tokens`, session, {
    name: 'crash',
    scopes: ['kv:read', 'kv:write'],
    project_id: project.body.id,
  });
  if (token.status !== 201) throw new Error(`token ${token.status}: ${JSON.stringify(token.body)}`);
  return { token: token.body.secret, projectId: project.body.id, orgId, session };
}

export interface CrashResult {
  acknowledged: Map<string, unknown>;
  increments: { acknowledged: number; attempted: number };
  /** Acknowledged keys missing or with another value after the restart. */
  lost: string[];
  counter: number;
}

/**
 * Writes from `writers` concurrent clients (each a PUT of its own key, then an increment of a
 * shared counter), spread over `servers`, until `ackedBeforeKill` writes are acknowledged;
 * SIGKILLs the first server with writes in flight, restarts it with `restart()`, and reads every
 * acknowledged key back through the restarted one.
 */
export async function crashDuringWrites(
  servers: ServerProcess[],
  token: string,
  restart: () => Promise<ServerProcess>,
  options: { writers?: number; ackedBeforeKill?: number } = {},
): Promise<{ result: CrashResult; restarted: ServerProcess }> {
  const writers = options.writers ?? 8;
  const target = options.ackedBeforeKill ?? 400;
  const acknowledged = new Map<string, unknown>();
  const increments = { acknowledged: 0, attempted: 0 };
  let killed = false;
  let reachedTarget: () => void;
  const reached = new Promise<void>((resolve) => (reachedTarget = resolve));

  const writer = async (w: number) => {
    for (let n = 0; !killed; n++) {
      const { base } = servers[w % servers.length];
      const key = `crash:w${w}:${n}`;
      const value = { writer: w, n, pad: 'x'.repeat(n % 50) };
      try {
        const put = await call(base, 'PUT', `/infra/kv/${encodeURIComponent(key)}`, token, { value });
        if (put.status !== 200) throw new Error(`PUT answered ${put.status}: ${JSON.stringify(put.body)}`);
        acknowledged.set(key, value);
        increments.attempted++;
        const inc = await call(base, 'POST', '/infra/kv/crash%3Acounter/increment', token, { delta: 1 });
        if (inc.status !== 200) throw new Error(`increment answered ${inc.status}: ${JSON.stringify(inc.body)}`);
        increments.acknowledged++;
      } catch (error) {
        // After the kill, requests fail at the socket: those writes were never acknowledged.
        if (killed) return;
        throw error;
      }
      if (acknowledged.size >= target) reachedTarget();
    }
  };
  const running = Array.from({ length: writers }, (_, w) => writer(w));
  await Promise.race([reached, Promise.all(running)]);
  // Kill mid-stream: every writer has a request in flight right now.
  killed = true;
  await servers[0].kill();
  await Promise.all(running);

  const restarted = await restart();
  const keys = [...acknowledged.keys()];
  const lost: string[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    const chunk = keys.slice(i, i + 100);
    const res = await call(restarted.base, 'POST', '/infra/kv', token, { ops: chunk.map((key) => ({ op: 'get', key })) });
    if (res.status !== 200) throw new Error(`batch get answered ${res.status}: ${JSON.stringify(res.body)}`);
    res.body.results.forEach((r: { key: string; status: string; value: unknown }) => {
      if (r.status !== 'ok' || JSON.stringify(r.value) !== JSON.stringify(acknowledged.get(r.key))) lost.push(r.key);
    });
  }
  const counter = await call(restarted.base, 'GET', '/infra/kv/crash%3Acounter', token);
  return { result: { acknowledged, increments, lost, counter: counter.body.value }, restarted };
}
