/**
 * Invitations prove control of the address (issue 13, item 6): `invitation.token_hash` holds the
 * SHA-256 of the one-time secret of the emailed link (`/invitations/<id>?token=<secret>`); the
 * secret itself is never stored. Invitations made before this migration have none: they can be
 * accepted only by an account whose email is verified, or invited again for a link.
 *
 * @module server/db/migrations/invitation-secret
 */
import type { Kysely, Migration } from 'kysely';

export function invitationSecretMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('invitation').addColumn('token_hash', 'text').execute();
    },
  };
}
