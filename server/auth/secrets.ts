/**
 * Server secrets that every instance must share (the browser-token signing key, better-auth's
 * cookie secret): taken from the environment when set, otherwise generated once and kept in the
 * database, so a restart or a second instance signs and verifies with the same key.
 *
 * @module server/auth/secrets
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';

/** The stored secret `name`, created on first use; concurrent first uses agree on one value. */
export async function sharedSecret(db: Db, name: string, fromEnv?: string): Promise<string> {
  if (fromEnv) return fromEnv;
  await db.kysely
    .insertInto('server_secret')
    .values({ name, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.kysely.selectFrom('server_secret').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value as string;
}
