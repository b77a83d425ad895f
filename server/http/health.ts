/**
 * Liveness and readiness, for load balancers, orchestrators and the container healthcheck.
 * Live: the process answers HTTP. Ready: the database answers, every migration this build knows
 * is applied, and Redis (when configured) answers: each checked with a short timeout, so a probe
 * never hangs on a dead service.
 *
 * @module server/http/health
 */
import type { Redis } from 'ioredis';
import type { Handlers } from '../context.ts';
import { type Db, pendingMigrations } from '../db/index.ts';
import { ApiError } from '../errors.ts';

/** Longest wait for one dependency before it counts as unavailable. */
const CHECK_TIMEOUT_MS = 2000;

export type CheckResult = 'ok' | 'unavailable' | 'pending' | 'not_configured';

export interface Readiness {
  ready: boolean;
  checks: { database: CheckResult; migrations: CheckResult; redis: CheckResult };
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

export async function readiness(db: Db, redis: Redis | undefined, timeoutMs = CHECK_TIMEOUT_MS): Promise<Readiness> {
  const [migrations, redisCheck] = await Promise.all([
    within(pendingMigrations(db), timeoutMs).then(
      (pending): CheckResult => (pending.length === 0 ? 'ok' : 'pending'),
      (): CheckResult => 'unavailable',
    ),
    redis
      ? within(redis.ping(), timeoutMs).then(
          (): CheckResult => 'ok',
          (): CheckResult => 'unavailable',
        )
      : Promise.resolve<CheckResult>('not_configured'),
  ]);
  // Reading the migration record is the database check: it fails exactly when the database does.
  const database: CheckResult = migrations === 'unavailable' ? 'unavailable' : 'ok';
  const checks = { database, migrations: database === 'ok' ? migrations : 'unavailable', redis: redisCheck } as const;
  return { ready: database === 'ok' && migrations === 'ok' && redisCheck !== 'unavailable', checks };
}

/**
 * One readiness check shared by every probe that arrives while it runs, and reused for `maxAgeMs`
 * after: probes are public and never rate limited, so however many arrive, the database and Redis
 * see at most one check per `maxAgeMs`.
 */
export function sharedReadiness(check: () => Promise<Readiness>, maxAgeMs = 1000): () => Promise<Readiness> {
  let last: { at: number; result: Promise<Readiness> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= maxAgeMs) {
      const result = check();
      const entry = { at: now, result };
      last = entry;
      // A check that failed outright (not a "not ready" answer) is not kept.
      result.catch(() => {
        if (last === entry) last = undefined;
      });
    }
    return last.result;
  };
}

const LABELS: Record<keyof Readiness['checks'], string> = {
  database: 'the database (DATABASE_URL) is unreachable',
  migrations: 'migrations are pending (npm run migrate)',
  redis: 'Redis (REDIS_URL) is unreachable',
};

/** `getLiveness` and `getReadiness`: 200 with the checks, or 503 naming each failed one. */
export function healthHandlers(check: () => Promise<Readiness>): Pick<Handlers, 'getLiveness' | 'getReadiness'> {
  return {
    getLiveness: (_req, res) => {
      res.json({ status: 'ok' });
    },
    getReadiness: async (_req, res) => {
      const { ready, checks } = await check();
      if (!ready) {
        const failed = (Object.keys(checks) as (keyof typeof checks)[]).filter((name) => checks[name] === 'unavailable' || checks[name] === 'pending');
        // The database down also leaves the migrations unknown: name the cause, not its echo.
        const causes = failed.filter((name) => !(name === 'migrations' && checks.database === 'unavailable'));
        throw new ApiError('SERVICE_UNAVAILABLE', `Not ready: ${causes.map((name) => LABELS[name]).join('; ')}.`, {
          details: failed.map((name) => ({ path: `/checks/${name}`, message: checks[name] })),
          headers: { 'Retry-After': '1' },
        });
      }
      res.json({ status: 'ready', checks });
    },
  };
}
