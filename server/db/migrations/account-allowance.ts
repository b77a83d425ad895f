/**
 * The monthly included allowance moves from the organization to its owner's account (issue 13,
 * item 8): `account_allowance` (created by 0006) becomes the one allowance every organization an
 * account owns spends from (server/billing/balance.ts), so creating organizations, or deleting and
 * recreating one, yields no fresh allowance. Top-ups stay per organization.
 *
 * - Existing balances: each owner's row takes the smallest `included_remaining` among its
 *   organizations of their latest period (the minimum rule). It never gives an account more than
 *   any one of its organizations had left, so the migration itself cannot hand out allowance; an
 *   owner who spent in several organizations this month forfeits the difference once, and the
 *   next month refills the account in full. An owner whose organizations are all in a past month
 *   gets a row in that month, refilled at its first charge.
 * - `organization.included_remaining` and `included_period` are no longer read (kept so that
 *   rows written by older code stay valid; new organizations store 0).
 * - `balance_hold.included`: the part of a hold set aside from the account's allowance, the rest
 *   coming from the organization's top-ups (server/billing/ledger.ts), so that holds of all the
 *   owner's organizations count against the one allowance they share. Holds written before this
 *   migration count as top-up holds (and lapse within seconds anyway).
 *
 * @module server/db/migrations/account-allowance
 */
import { type Kysely, type Migration, sql } from 'kysely';

export function accountAllowanceMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('balance_hold').addColumn('included', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      // Holds are summed over an owner's organizations.
      await db.schema.createIndex('organization_owner_idx').on('organization').column('owner_id').execute();
      await sql`
        insert into account_allowance (user_id, included_remaining, included_period)
        select o.owner_id, min(o.included_remaining), o.included_period
        from organization o
        where o.included_period = (select max(p.included_period) from organization p where p.owner_id = o.owner_id)
        group by o.owner_id, o.included_period
        on conflict (user_id) do nothing`.execute(db);
    },
  };
}
