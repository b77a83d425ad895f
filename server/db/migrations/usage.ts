/**
 * Usage per organization, day (UTC, `YYYY-MM-DD`) and operation: charged calls and their μt,
 * added to by the meter with one upsert per charged request (server/billing/usage.ts). Also
 * `api_token.purpose`: `dashboard` for the Dashboard's short-lived tokens (kept out of listTokens),
 * null for the tokens users make.
 *
 * @module server/db/migrations/usage
 */
import type { Kysely, Migration } from 'kysely';

export function usageMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('usage_daily')
        .ifNotExists()
        .addColumn('org_id', 'text', (c) => c.notNull().references('organization.id').onDelete('cascade'))
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('operation_id', 'text', (c) => c.notNull())
        .addColumn('calls', 'bigint', (c) => c.notNull())
        .addColumn('microtokens', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_daily_pk', ['org_id', 'day', 'operation_id'])
        .execute();
      await db.schema.alterTable('api_token').addColumn('purpose', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('api_token').dropColumn('purpose').execute();
      await db.schema.dropTable('usage_daily').ifExists().execute();
    },
  };
}
