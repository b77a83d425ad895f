/**
 * Token lineage and the account allowance (issue 13, items 5, 8, 18):
 *
 * - `api_token.created_by`: the user whose session, or whose token, made the token (null for
 *   tokens made before this migration). A token works only while that user is a member of the
 *   organization, and never with more than the member's current scopes (server/auth/identify.ts).
 * - `api_token.minted_by`: the token that minted it, if a token did. Revoking a token revokes
 *   what it minted, transitively (server/platform/offboarding.ts).
 * - `account_allowance`: the monthly included allowance, one per owning user account, shared by
 *   every organization that user owns (server/billing/balance.ts), so creating, or deleting and
 *   recreating, organizations does not multiply it.
 *
 * @module server/db/migrations/token-lineage
 */
import type { Kysely, Migration } from 'kysely';

export function tokenLineageMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_token').addColumn('created_by', 'text').execute();
      await db.schema.alterTable('api_token').addColumn('minted_by', 'text').execute();
      await db.schema.createIndex('api_token_created_by_idx').on('api_token').columns(['org_id', 'created_by']).execute();
      await db.schema.createIndex('api_token_minted_by_idx').on('api_token').column('minted_by').execute();
      await db.schema.createIndex('invitation_invited_by_idx').on('invitation').columns(['org_id', 'invited_by']).execute();
      await db.schema
        .createTable('account_allowance')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('included_remaining', 'bigint', (c) => c.notNull())
        .addColumn('included_period', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
