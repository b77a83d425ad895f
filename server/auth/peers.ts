/**
 * Privilege over peers: who may change or remove a member. Granting is already bounded (nobody
 * grants a scope they lack); this bounds the other direction, acting on a member who holds more:
 *
 * - no one changes or removes the owner;
 * - a caller may change or remove only members whose current scopes are a subset of its own
 *   (a member holding `orgs:write` cannot strip or remove one holding `*`).
 *
 * A token acts with its own (effective) scopes, so the rule is the same for sessions and tokens.
 *
 * @module server/auth/peers
 */
import type { AuthContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { missingScopes } from './scopes.ts';

export interface Peer {
  role: string;
  /** The member's current scopes (the owner: `*`). */
  scopes: readonly string[];
}

/** 403 unless `auth` may act on `peer` (`what`: "given other scopes", "removed"). */
export function assertMayActOn(auth: AuthContext, peer: Peer, what: string): void {
  if (peer.role === 'owner') throw new ApiError('FORBIDDEN', `The owner of an organization cannot be ${what}.`);
  const missing = missingScopes(auth.scopes, peer.scopes);
  if (missing.length > 0) {
    throw new ApiError(
      'INSUFFICIENT_SCOPE',
      `This member holds scopes you do not (${missing.map((s) => `"${s}"`).join(', ')}), so they cannot be ${what} by you.`,
    );
  }
}
