/**
 * Browser tokens: `bt_` + a JWT signed with HS256, short-lived (60–1800 s), naming the parent API
 * token. Verification pins the algorithm, `typ`, issuer and audience, and requires `exp`; the
 * caller then checks that the parent token is still valid, so revoking it ends its browser tokens.
 *
 * @module server/auth/browser-tokens
 * @see https://www.rfc-editor.org/rfc/rfc8725 (JWT best current practices)
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { ulid } from '../ids.ts';
import type { TokenMode } from './api-tokens.ts';

const ISSUER = 'saasignal';
const AUDIENCE = 'saasignal:browser';
/** Explicit type, so a JWT minted for another purpose with the same key is never accepted here. */
const TYP = 'bt+jwt';
export const BROWSER_PREFIX = 'bt_';

export interface BrowserClaims {
  /** The parent API token's id. */
  tokenId: string;
  orgId: string;
  projectId: string | null;
  scopes: string[];
  mode: TokenMode;
  /** `exp` in ms since epoch (set by `verify`; `sign` takes a ttl instead). */
  expiresAt?: number;
}

export interface BrowserTokens {
  sign(claims: BrowserClaims, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }>;
  /** The claims of a valid token, or null for anything else (bad signature, expired, wrong audience…). */
  verify(token: string): Promise<BrowserClaims | null>;
}

export function browserTokens(secret: string): BrowserTokens {
  const key = new TextEncoder().encode(secret);
  return {
    async sign(claims, ttlSeconds) {
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ org: claims.orgId, proj: claims.projectId, scp: claims.scopes, mode: claims.mode })
        .setProtectedHeader({ alg: 'HS256', typ: TYP })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(claims.tokenId)
        .setJti(ulid())
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(key);
      return { token: BROWSER_PREFIX + jwt, expiresAt: new Date((now + ttlSeconds) * 1000) };
    },
    async verify(token) {
      if (!token.startsWith(BROWSER_PREFIX)) return null;
      try {
        const { payload } = await jwtVerify(token.slice(BROWSER_PREFIX.length), key, {
          algorithms: ['HS256'],
          typ: TYP,
          issuer: ISSUER,
          audience: AUDIENCE,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: 0,
        });
        const { sub, org, proj, scp, mode } = payload as Record<string, unknown>;
        if (typeof sub !== 'string' || typeof org !== 'string' || !Array.isArray(scp)) return null;
        if (proj !== null && typeof proj !== 'string') return null;
        return { tokenId: sub, orgId: org, projectId: proj, scopes: scp.map(String), mode: mode === 'test' ? 'test' : 'live', expiresAt: Number(payload.exp) * 1000 };
      } catch (err) {
        if (err instanceof errors.JOSEError) return null;
        throw err;
      }
    },
  };
}
