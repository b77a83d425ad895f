/**
 * OAuth for the CLI (issue 12): grants, their tokens, authorization codes and device codes.
 *
 * - `oauth_grant`: one authorized CLI session, what a user approved for a client in one
 *   organization (and project) with some scopes. Revoking it ends every token it issued.
 * - `oauth_token`: its access and refresh tokens, by SHA-256 of the secret (never the secret).
 *   A refresh token is used once (`used_at`); presenting it again revokes the grant.
 * - `oauth_code`: authorization codes (hashed), one-time and short-lived, with their PKCE challenge.
 * - `oauth_device`: device authorizations (RFC 8628): the hashed device code, the user code typed
 *   in the Dashboard, and the user's decision.
 *
 * @module server/db/migrations/oauth
 */
import type { Kysely, Migration } from 'kysely';

export function oauthMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('oauth_grant')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organization.id').onDelete('cascade'))
        .addColumn('project_id', 'text')
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('oauth_grant_user_idx').on('oauth_grant').columns(['user_id', 'org_id']).execute();

      await db.schema
        .createTable('oauth_token')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('grant_id', 'text', (c) => c.notNull().references('oauth_grant.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        // An access token made by a refresh that asked for fewer scopes; null: the grant's.
        .addColumn('scopes', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('oauth_token_grant_idx').on('oauth_token').column('grant_id').execute();

      await db.schema
        .createTable('oauth_code')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('code_challenge', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organization.id').onDelete('cascade'))
        .addColumn('project_id', 'text')
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        // The grant the code's exchange created: revoked if the code is presented again (RFC 6749 §4.1.2).
        .addColumn('grant_id', 'text')
        .execute();

      await db.schema
        .createTable('oauth_device')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('user_code', 'text', (c) => c.notNull().unique())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('requested_scopes', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('org_id', 'text')
        .addColumn('project_id', 'text')
        .addColumn('scopes', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('interval', 'integer', (c) => c.notNull())
        .addColumn('last_polled_at', 'text')
        .addColumn('used_at', 'text')
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['oauth_device', 'oauth_code', 'oauth_token', 'oauth_grant']) await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
