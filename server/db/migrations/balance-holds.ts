/**
 * `balance_hold`: the microtokens each server instance has set aside from an organization's
 * balance to charge requests without a write per request (server/billing/ledger.ts). A hold is
 * renewed at every flush; one not renewed for a while belongs to an instance that died, and no
 * longer counts.
 *
 * @module server/db/migrations/balance-holds
 */
import type { Kysely, Migration } from 'kysely';

export function balanceHoldsMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('balance_hold')
        .ifNotExists()
        .addColumn('org_id', 'text', (c) => c.notNull().references('organization.id').onDelete('cascade'))
        .addColumn('instance_id', 'text', (c) => c.notNull())
        .addColumn('microtokens', 'bigint', (c) => c.notNull())
        /** ms since epoch */
        .addColumn('renewed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('balance_hold_pk', ['org_id', 'instance_id'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('balance_hold').ifExists().execute();
    },
  };
}
