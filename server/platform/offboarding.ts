/**
 * Offboarding and token lineage (issue 13, items 5 and 18). A token records who created it
 * (`created_by`: the user behind the session or token that made it) and which token minted it
 * (`minted_by`). From that:
 *
 * - a token acts with at most its creator's current scopes in the organization, and not at all
 *   once its creator has left it (checked on every request: server/auth/identify.ts);
 * - removing a member revokes every token they created, directly or through their tokens, their
 *   CLI logins (OAuth grants) in the organization, and deletes their pending invitations ({@link offboardMember});
 * - a minted token never outlives its minter ({@link mintedExpiry}), and revoking a token
 *   revokes, transitively, every token it minted ({@link revokeMintedByToken}).
 *
 * @module server/platform/offboarding
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuthContext } from '../context.ts';
import type { Db } from '../db/index.ts';
import { ApiError } from '../errors.ts';
import { nowIso } from './rows.ts';

type Conn = Kysely<any> | Transaction<any>;

/** How deep a chain of tokens minting tokens is followed (each link needs a token able to mint). */
const MAX_MINT_DEPTH = 1000;

/**
 * Revokes every live token minted, directly or not, by one of `tokenIds`. One statement per
 * generation of the chain; bounded by {@link MAX_MINT_DEPTH}.
 */
export async function revokeMintedBy(conn: Conn, tokenIds: string[], at = nowIso()): Promise<void> {
  let frontier = tokenIds;
  for (let depth = 0; frontier.length > 0 && depth < MAX_MINT_DEPTH; depth++) {
    const children = await conn.selectFrom('api_token').select('id').where('minted_by', 'in', frontier).where('revoked_at', 'is', null).execute();
    frontier = children.map((c) => c.id as string);
    if (frontier.length > 0) await conn.updateTable('api_token').set({ revoked_at: at }).where('id', 'in', frontier).execute();
  }
}

/** Revokes, in one transaction, everything a token (just revoked) minted. */
export async function revokeMintedByToken(db: Db, tokenId: string): Promise<void> {
  await db.kysely.transaction().execute((trx) => revokeMintedBy(trx, [tokenId]));
}

/**
 * A removed member: revokes the tokens they created (and whatever those minted) and deletes
 * the invitations they sent that are still pending. Call in the transaction that removes them.
 */
export async function offboardMember(trx: Conn, orgId: string, userId: string): Promise<void> {
  const at = nowIso();
  const theirs = await trx.selectFrom('api_token').select('id').where('org_id', '=', orgId).where('created_by', '=', userId).where('revoked_at', 'is', null).execute();
  const ids = theirs.map((t) => t.id as string);
  if (ids.length > 0) {
    await trx.updateTable('api_token').set({ revoked_at: at }).where('id', 'in', ids).execute();
    await revokeMintedBy(trx, ids, at);
  }
  // Their CLI logins, and what those minted. (identify also refuses them at once: no membership.)
  const grants = await trx.selectFrom('oauth_grant').select('id').where('org_id', '=', orgId).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  const grantIds = grants.map((g) => g.id as string);
  if (grantIds.length > 0) {
    await trx.updateTable('oauth_grant').set({ revoked_at: at }).where('id', 'in', grantIds).execute();
    await revokeMintedBy(trx, grantIds, at);
  }
  await trx.deleteFrom('invitation').where('org_id', '=', orgId).where('invited_by', '=', userId).where('status', '=', 'pending').execute();
}

/** Who a new token (or invitation) is made by: the session's user, or the user behind the token. */
export function creatorOf(auth: AuthContext): string | null {
  return auth.type === 'session' ? auth.userId : (auth.creatorId ?? null);
}

/**
 * The expiry of a token minted by `auth`: never later than the minting token's own (a 400
 * otherwise); absent, the minter's. Sessions do not bound it (a member's tokens end with their
 * membership instead).
 */
export function mintedExpiry(auth: AuthContext, requested: string | null): string | null {
  const cap = auth.type === 'session' ? null : (auth.tokenExpiresAt ?? null);
  if (cap === null) return requested;
  if (requested === null) return cap;
  if (requested > cap) {
    throw new ApiError('INVALID_REQUEST', `A token cannot outlive the token that mints it: expires_at must be at most ${cap}.`, {
      details: [{ path: '/body/expires_at', message: `must be at most the minting token's expiry, ${cap}` }],
    });
  }
  return requested;
}
