/**
 * A deployment as an operator runs one behind a load balancer: real server processes
 * (`node --import tsx server/main.ts`, see test/store/support/crash-run.ts) on their own loopback
 * ports, sharing one PostgreSQL database created for the run and one Redis under a key prefix of
 * the run's own (`REDIS_KEY_PREFIX`). `dispose()` stops the processes, drops the database and
 * deletes the prefix's keys, whatever the test did.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { type ServerProcess, startServer } from '../../store/support/crash-run.ts';
import { createTestDatabase } from '../../store/support/stores.ts';
import { call } from '../../server/support/http.ts';

export interface Deployment {
  /** The shared database (direct) and Redis (direct), as the instances' env names them. */
  dbUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** Starts `count` instances at the same moment; `env` overrides the deployment's for them. */
  start(count: number, env?: Record<string, string>): Promise<ServerProcess[]>;
  dispose(): Promise<void>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (the multi vitest project sets it)`);
  return value;
}

/** A fresh database and Redis prefix; `env` is given to every instance (limits, allowance). */
export async function deployment(name: string, env: Record<string, string> = {}): Promise<Deployment> {
  const redisUrl = required('REDIS_URL');
  const { url: dbUrl, drop } = await createTestDatabase(`multi_${name}`);
  const redisPrefix = `test:multi:${name}:${randomBytes(4).toString('hex')}:`;
  const running: ServerProcess[] = [];
  const base = {
    ...process.env,
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: redisPrefix,
    // Sign-ups of many test users from one address must not hit the per-IP budget.
    SAASIGNAL_AUTH_RATE_LIMIT: '100000',
    ...env,
  };
  return {
    dbUrl,
    redisUrl,
    redisPrefix,
    async start(count, overrides = {}) {
      const started = await Promise.allSettled(Array.from({ length: count }, () => startServer({ ...base, ...overrides })));
      for (const s of started) if (s.status === 'fulfilled') running.push(s.value);
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      return started.map((s) => (s as PromiseFulfilledResult<ServerProcess>).value);
    },
    async dispose() {
      const errors: unknown[] = [];
      await Promise.all(running.map((server) => server.stop().catch((e: unknown) => errors.push(e))));
      await drop().catch((e: unknown) => errors.push(e));
      await deleteRedisKeys(redisUrl, redisPrefix).catch((e: unknown) => errors.push(e));
      if (errors.length > 0) throw errors[0];
    },
  };
}

/** Every key under `prefix` (SCAN, so the shared Redis is never blocked). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export interface Account {
  email: string;
  session: string;
  orgId: string;
  projectId: string;
}

export const PASSWORD = 'a-long-secure-passphrase';
let accounts = 0;

/** Signs up through `base` and creates a project, as the quick start does. */
export async function account(base: string, label: string): Promise<Account> {
  const email = `multi-${label}-${process.pid}-${accounts++}-${randomBytes(3).toString('hex')}@example.com`;
  const up = await call(base, 'POST', '/api/auth/sign-up/email', { body: { email, password: PASSWORD, name: 'Multi' } });
  if (up.status !== 200) throw new Error(`sign-up answered ${up.status}: ${JSON.stringify(up.body)}`);
  const { token: session, default_org_id: orgId } = up.body;
  const project = await call(base, 'POST', `/core/organizations/${orgId}/projects`, { token: session, body: { name: label } });
  if (project.status !== 201) throw new Error(`project answered ${project.status}: ${JSON.stringify(project.body)}`);
  return { email, session, orgId, projectId: project.body.id };
}

/** An API token of the account's organization (`project: true`: of its project); returns id and secret. */
export async function apiToken(base: string, owner: Account, scopes: string[], project = true): Promise<{ id: string; secret: string }> {
  const res = await call(base, 'POST', `/core/organizations/${owner.orgId}/tokens`, {
    token: owner.session,
    body: { name: `multi ${scopes.join(' ')}`, scopes, ...(project ? { project_id: owner.projectId } : {}) },
  });
  if (res.status !== 201) throw new Error(`token answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { id: res.body.id, secret: res.body.secret };
}

/** Rejects when `promise` has not settled within `ms` (an event that never arrives). */
export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
