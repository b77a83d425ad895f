/**
 * Every migration, by name. Names sort in the order they run; each module owns its tables.
 *
 * @module server/db/migrations
 */
import type { Migration } from 'kysely';
import type { Dialect } from '../index.ts';
import { accountAllowanceMigration } from './account-allowance.ts';
import { accountSecurityMigration } from './account-security.ts';
import { balanceHoldsMigration } from './balance-holds.ts';
import { idempotencyMigration } from './idempotency.ts';
import { invitationSecretMigration } from './invitation-secret.ts';
import { kvMigration } from './kv.ts';
import { oauthMigration } from './oauth.ts';
import { platformMigration } from './platform.ts';
import { tokenLineageMigration } from './token-lineage.ts';
import { usageMigration } from './usage.ts';

export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_platform': platformMigration(dialect),
    '0002_kv': kvMigration(dialect),
    '0003_idempotency': idempotencyMigration(),
    '0004_account_security': accountSecurityMigration(),
    '0005_usage': usageMigration(),
    '0006_token_lineage': tokenLineageMigration(),
    '0008_invitation_secret': invitationSecretMigration(),
    '0009_oauth': oauthMigration(),
    '0010_balance_holds': balanceHoldsMigration(),
    '0011_account_allowance': accountAllowanceMigration(),
  };
}
