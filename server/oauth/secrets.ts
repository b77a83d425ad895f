/**
 * The secrets of the OAuth flows: access and refresh tokens (with their prefixes), authorization
 * and device codes (32 random bytes each, stored as SHA-256 only, as API tokens are), the user
 * code people type, and the PKCE check.
 *
 * @module server/oauth/secrets
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { OAUTH_PREFIX } from '../../spec/limits.ts';
import { hashSecret } from '../auth/api-tokens.ts';

export { hashSecret };

export function newSecret(prefix = ''): { secret: string; hash: string } {
  const secret = prefix + randomBytes(32).toString('base64url');
  return { secret, hash: hashSecret(secret) };
}

export const newAccessToken = () => newSecret(OAUTH_PREFIX.access);
export const newRefreshToken = () => newSecret(OAUTH_PREFIX.refresh);

/** RFC 8628 §6.1: consonants only (no words, no 0/O, 1/I confusion); 20^8 ≈ 2.6 × 10^10 codes. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

export function newUserCode(): string {
  const chars = Array.from({ length: 8 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** What people type, in the stored form: case, spaces and dashes do not matter. */
export function normaliseUserCode(typed: string): string | null {
  const letters = typed.toUpperCase().replace(/[\s-]/g, '');
  if (letters.length !== 8 || [...letters].some((c) => !USER_CODE_ALPHABET.includes(c))) return null;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

/** RFC 7636 §4.1: 43–128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** base64url of a SHA-256: exactly 43 characters. */
export const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export function isVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

/** Whether `verifier` hashes (S256) to `challenge`, compared in constant time. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
