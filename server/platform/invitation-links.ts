/**
 * The invitation link (issue 13, item 6): `${SAASIGNAL_BASE_URL}/invitations/<id>?token=<secret>`,
 * a page of the Dashboard. The secret is 32 random bytes (base64url); only its SHA-256 is stored
 * (`invitation.token_hash`), so a database read does not yield a working link. Like API token
 * secrets it has full entropy, so a plain hash suffices.
 *
 * @module server/platform/invitation-links
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { baseUrl } from '../http/origins.ts';

const digest = (secret: string) => createHash('sha256').update(secret).digest();

export function newInvitationSecret(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: digest(secret).toString('hex') };
}

export const invitationLink = (id: string, secret: string): string => `${baseUrl()}/invitations/${id}?token=${secret}`;

/** Whether `token` is the secret whose hash is stored; an invitation made before links had one has none. */
export function secretMatches(storedHash: string | null, token: string): boolean {
  if (!storedHash) return false;
  const stored = Buffer.from(storedHash, 'hex');
  const given = digest(token);
  return stored.length === given.length && timingSafeEqual(stored, given);
}
