/**
 * 0004_account_security: what the account-security checks keep between requests and instances.
 *
 * - `sign_in_failure`: failed sign-ins per account (email) in the current window, for the
 *   per-account throttle (server/auth/sign-in-throttle.ts). Rows of past windows are pruned.
 *
 * @module server/db/migrations/account-security
 */
import type { Kysely, Migration } from 'kysely';

export function accountSecurityMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sign_in_failure')
        .addColumn('email', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_started_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sign_in_failure_window_idx').on('sign_in_failure').column('window_started_at').execute();
    },
  };
}
