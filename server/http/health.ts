/**
 * Liveness and readiness, for load balancers, orchestrators and the container healthcheck.
 * Live: the process answers HTTP. Ready: the database answers, every migration this build knows
 * is applied, and Redis (when configured) answers: each checked with a short timeout, so a probe
 * never hangs on a dead service.
 *
 * @module server/http/health
 */
import type { Redis } from 'ioredis';
import { type Db, pendingMigrations } from '../db/index.ts';

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
