/**
 * The per-account sign-in throttle: after `failures` wrong passwords for one email within
 * `windowSeconds` (counted from the first), that account refuses every sign-in — right password
 * included, or the throttle would confirm a guess — with 429 `SIGN_IN_LOCKED` and `Retry-After`
 * until the window ends. A successful sign-in clears the count. Unknown emails are counted the
 * same way, so the answer never tells whether an account exists.
 *
 * Counts live in the SQL database (table `sign_in_failure`), shared by every instance; one
 * atomic upsert per failure. The per-address limits (server/http/rate-limit.ts) still apply: this
 * one stops a guesser who spreads over many addresses.
 *
 * @module server/auth/sign-in-throttle
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { ApiError } from '../errors.ts';

export interface SignInThrottleOptions {
  /** Failed sign-ins per account per window (default `SAASIGNAL_SIGN_IN_FAILURES` or 10). */
  failures?: number;
  /** The window, from the first failure (default `SAASIGNAL_SIGN_IN_WINDOW_SECONDS` or 900). */
  windowSeconds?: number;
}

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};

export interface SignInThrottle {
  /** Throws 429 `SIGN_IN_LOCKED` while the account is locked. */
  assertOpen(email: string): Promise<void>;
  recordFailure(email: string): Promise<void>;
  recordSuccess(email: string): Promise<void>;
}

export function signInThrottle(db: Db, options: SignInThrottleOptions = {}): SignInThrottle {
  const limit = options.failures ?? envNumber('SAASIGNAL_SIGN_IN_FAILURES', 10);
  const windowMs = (options.windowSeconds ?? envNumber('SAASIGNAL_SIGN_IN_WINDOW_SECONDS', 900)) * 1000;
  const key = (email: string) => email.toLowerCase();

  return {
    async assertOpen(email) {
      const row = await db.kysely.selectFrom('sign_in_failure').select(['failures', 'window_started_at']).where('email', '=', key(email)).executeTakeFirst();
      if (!row || Number(row.failures) < limit) return;
      const endsAt = Date.parse(row.window_started_at as string) + windowMs;
      const seconds = Math.ceil((endsAt - Date.now()) / 1000);
      if (seconds <= 0) return;
      throw new ApiError('SIGN_IN_LOCKED', `Too many failed sign-ins for this account: ${limit} in ${windowMs / 1000} s. Retry after ${seconds} s.`, {
        headers: { 'Retry-After': String(seconds) },
      });
    },

    async recordFailure(email) {
      const now = new Date();
      const nowIso = now.toISOString();
      // A window that has ended starts over at this failure.
      const cutoff = new Date(now.getTime() - windowMs).toISOString();
      await db.kysely
        .insertInto('sign_in_failure')
        .values({ email: key(email), failures: 1, window_started_at: nowIso })
        .onConflict((oc) =>
          oc.column('email').doUpdateSet({
            failures: sql`CASE WHEN sign_in_failure.window_started_at <= ${cutoff} THEN 1 ELSE sign_in_failure.failures + 1 END`,
            window_started_at: sql`CASE WHEN sign_in_failure.window_started_at <= ${cutoff} THEN ${nowIso} ELSE sign_in_failure.window_started_at END`,
          }),
        )
        .execute();
      // Counts of ended windows mean nothing: keep the table to the accounts under attack now.
      await db.kysely.deleteFrom('sign_in_failure').where('window_started_at', '<=', cutoff).execute();
    },

    async recordSuccess(email) {
      await db.kysely.deleteFrom('sign_in_failure').where('email', '=', key(email)).execute();
    },
  };
}
