/**
 * Accounts and sessions through better-auth: email + password, sessions by cookie or bearer.
 * The server never mounts better-auth's own router; the documented Auth operations call
 * `auth.api.*` from ordinary handlers, so validation, the error envelope and rate limits apply.
 *
 * @module server/auth/better-auth
 * @see https://www.better-auth.com/docs/concepts/api
 */
import { betterAuth, type BetterAuthOptions } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { bearer } from 'better-auth/plugins/bearer';
import type { Kysely } from 'kysely';
import type { Dialect } from '../db/index.ts';
import { type IdPrefix, newId } from '../ids.ts';

/** The cookie better-auth sets (its default prefix); the spec's `sessionCookie` scheme names it. */
export const SESSION_COOKIE = 'better-auth.session_token';

/** Ids of better-auth's rows follow the house format (`usr_…`, the spec's `UserId`). */
const PREFIX_BY_MODEL: Record<string, IdPrefix> = { user: 'usr', session: 'ses', account: 'acc', verification: 'ver' };

/** What decides better-auth's tables: shared by the migration and the runtime instance. */
function schemaOptions(db: Kysely<any>, dialect: Dialect) {
  return {
    database: { db, type: dialect },
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
    plugins: [bearer()],
  } satisfies BetterAuthOptions;
}

export function createAuth(options: { db: Kysely<any>; dialect: Dialect; secret: string; baseURL?: string }) {
  return betterAuth({
    ...schemaOptions(options.db, options.dialect),
    secret: options.secret,
    baseURL: options.baseURL ?? process.env.SAASIGNAL_BASE_URL ?? 'http://localhost:3000',
    // The API's own limiter covers these routes (per IP); two limiters would disagree on headers.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { level: 'error' },
    advanced: {
      database: { generateId: ({ model }) => newId(PREFIX_BY_MODEL[model] ?? 'acc') },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/**
 * Creates or completes better-auth's tables (user, session, account, verification). Its CLI needs
 * Node 22 (TOOLCHAIN.md), so the plan is computed and applied in code, from a Kysely migration.
 */
export async function migrateAuthTables(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const { runMigrations } = await getMigrations({ ...schemaOptions(db, dialect), secret: 'schema-only-secret-not-used-to-sign' });
  await runMigrations();
}
