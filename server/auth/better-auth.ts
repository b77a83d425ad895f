/**
 * Accounts and sessions through better-auth: email + password, sessions by cookie or bearer.
 * The server never mounts better-auth's own router; the documented Auth operations call
 * `auth.api.*` from ordinary handlers, so validation, the error envelope and rate limits apply.
 *
 * This module loads better-auth (≈ 1 s of CPU under tsx): the app imports it lazily, after it
 * has started answering.
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
import { document } from '../spec.ts';
import { baseUrl } from '../http/origins.ts';

/** better-auth's own length check agrees with the document's (the validator runs first anyway). */
const PASSWORD_MIN_LENGTH: number = document.components.schemas.SignUpRequest.properties.password.minLength;

/** Ids of better-auth's rows follow the house format (`usr_…`, the spec's `UserId`). */
const PREFIX_BY_MODEL: Record<string, IdPrefix> = { user: 'usr', session: 'ses', account: 'acc', verification: 'ver' };

/** What decides better-auth's tables: shared by the migration and the runtime instance. */
function schemaOptions(db: Kysely<any>, dialect: Dialect) {
  return {
    database: { db, type: dialect },
    emailAndPassword: { enabled: true, minPasswordLength: PASSWORD_MIN_LENGTH, maxPasswordLength: 128, autoSignIn: true },
    plugins: [bearer()],
  } satisfies BetterAuthOptions;
}

export interface CreateAuthOptions {
  db: Kysely<any>;
  dialect: Dialect;
  secret: string;
  baseURL?: string;
  /** Where better-auth's own error log goes (the server's logger). */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export function createAuth(options: CreateAuthOptions) {
  return betterAuth({
    ...schemaOptions(options.db, options.dialect),
    secret: options.secret,
    baseURL: options.baseURL ?? baseUrl(),
    // The API's own limiter covers these routes (per IP); two limiters would disagree on headers.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: {
      level: 'error',
      log: (level, message, ...args) =>
        options.log?.(`better-auth: ${message}`, { level, details: args.map((a) => (a instanceof Error ? a.message : String(a))) }),
    },
    advanced: {
      database: { generateId: ({ model }) => newId(PREFIX_BY_MODEL[model] ?? 'acc') },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/**
 * What better-auth would still create or add to the database (its CLI needs Node 22, so the plan is
 * computed in code). The platform migration writes these tables itself, without loading
 * better-auth, to keep start-up fast; tests assert that this plan is empty on both dialects, so a
 * better-auth upgrade that needs a schema change fails loudly instead of at sign-in.
 */
export async function pendingAuthSchema(db: Kysely<any>, dialect: Dialect) {
  const plan = await getMigrations({ ...schemaOptions(db, dialect), secret: 'schema-only-secret-not-used-to-sign' }, { throwOnUnsafe: false });
  return {
    tables: plan.toBeCreated.map((t) => t.table),
    columns: plan.toBeAdded.flatMap((t) => Object.keys(t.fields).map((f) => `${t.table}.${f}`)),
    indexes: plan.toBeAddedIndexes.map((i) => i.name),
    problems: [...plan.unsafeChanges, ...plan.schemaProblems],
  };
}
