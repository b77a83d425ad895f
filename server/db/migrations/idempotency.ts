/**
 * The idempotency keys of server/idempotency/: one row per (scope, key), hashed into `id`, with
 * the request's fingerprint and, once it finished, its answer sealed with the key itself (see
 * server/idempotency/seal.ts). Times are epoch milliseconds, compared as integers on both dialects.
 *
 * @module server/db/migrations/idempotency
 */
import type { Kysely, Migration } from 'kysely';

export function idempotencyMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('idempotency_key')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        // `running` until the first request answers, then `done` with `status` and `answer`.
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('answer', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        // A `running` row past this instant was abandoned (its server stopped): it may be taken over.
        .addColumn('locked_until', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('idempotency_key_expires_at').ifNotExists().on('idempotency_key').column('expires_at').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('idempotency_key').ifExists().execute();
    },
  };
}
