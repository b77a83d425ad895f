/**
 * Authentication: finds the credential of a request, proves it, and checks that the operation
 * accepts its kind (`x-credentials`). No credential, or one that is invalid, expired or revoked,
 * is a 401; a valid credential of a kind the operation does not take is a 403.
 *
 * Where a credential may come from, in order: `Authorization: Bearer`, `X-Api-Key`, the `token`
 * query parameter (only on operations that declare `browserQuery`), the session cookie.
 * `sk_live_`/`sk_test_` are API tokens, `bt_` browser tokens, `oat_` OAuth access tokens (a CLI
 * login, server/oauth/grants.ts), anything else a session token.
 *
 * @module server/auth/identify
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuthContext, Locals } from '../context.ts';
import type { Db } from '../db/index.ts';
import { ApiError } from '../errors.ts';
import type { CredentialKind, OperationInfo } from '../spec.ts';
import { hashSecret, isApiTokenSecret, type TokenMode } from './api-tokens.ts';
import type { Auth } from './better-auth.ts';
import { BROWSER_PREFIX, type BrowserClaims, type BrowserTokens } from './browser-tokens.ts';
import { OAUTH_PREFIX } from '../../spec/limits.ts';
import { proveAccessToken, proveGrant } from '../oauth/grants.ts';
import { CredentialCache } from './credential-cache.ts';
import { intersectScopes, parseScopes } from './scopes.ts';
import { SESSION_COOKIE_NAMES } from './session-cookie.ts';

export interface IdentifyDeps {
  db: Db;
  /** better-auth, loaded on first use (see server/auth/better-auth.ts). */
  auth: () => Promise<Auth>;
  browser: BrowserTokens;
  /** Verified credentials of this process (one per app, shared by every operation). */
  verified: VerifiedCredentials;
}

interface VerifiedSession {
  userId: string;
  sessionId: string;
  /** ms since epoch */
  expiresAt: number;
}

/** What identify keeps between requests: see ./credential-cache.ts and ./revocation-epoch.ts. */
export interface VerifiedCredentials {
  /** Usable token rows, by secret hash (API tokens) or `id:<token id>` (browser tokens' parents). */
  tokens: CredentialCache<TokenRow>;
  /** Browser token claims whose signature was verified, by a digest of the token. */
  browser: CredentialCache<BrowserClaims>;
  sessions: CredentialCache<VerifiedSession>;
}

export function verifiedCredentials(): VerifiedCredentials {
  return { tokens: new CredentialCache(), browser: new CredentialCache(), sessions: new CredentialCache() };
}

type Carrier = 'bearer' | 'header' | 'query' | 'cookie';

interface Found {
  value: string;
  carrier: Carrier;
}

/** `last_used_at` is written at most this often per token, to keep reads from becoming writes. */
const LAST_USED_GRANULARITY_MS = 60_000;

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function findCredential(req: Request, op: OperationInfo): Found | 'malformed' | null {
  const authorization = req.get('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? { value: match[1], carrier: 'bearer' } : 'malformed';
  }
  const apiKey = req.get('x-api-key');
  if (apiKey !== undefined) return apiKey.trim() ? { value: apiKey.trim(), carrier: 'header' } : 'malformed';
  if (op.credentials.includes('browserQuery') && typeof req.query.token === 'string') {
    return { value: req.query.token, carrier: 'query' };
  }
  const header = req.get('cookie');
  const cookie = SESSION_COOKIE_NAMES.map((name) => cookieValue(header, name)).find(Boolean);
  return cookie ? { value: cookie, carrier: 'cookie' } : null;
}

/**
 * The request's session credential as better-auth reads it (a bearer header or the cookie), for
 * the Auth handlers that call `auth.api.*` after `identify` has proven it.
 */
export function sessionHeaders(value: string, carrier: Carrier): Headers {
  // Under both names: better-auth reads the one its base URL implies (see SESSION_COOKIE_NAMES).
  return new Headers(carrier === 'cookie' ? { cookie: SESSION_COOKIE_NAMES.map((name) => `${name}=${value}`).join('; ') } : { authorization: `Bearer ${value}` });
}

/** The session credential of a request (see {@link sessionHeaders}). */
export function requestSessionHeaders(req: Request, op: OperationInfo): Headers {
  const found = findCredential(req, op);
  if (!found || found === 'malformed') throw unauthorized('This operation needs a session.');
  return sessionHeaders(found.value, found.carrier);
}

const unauthorized = (message: string) => new ApiError('UNAUTHORIZED', message);

interface TokenRow {
  id: string;
  org_id: string;
  project_id: string | null;
  mode: TokenMode;
  scopes: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  /** The user who created the token (null: made before lineage was recorded). */
  created_by: string | null;
  /** That user's membership now: null when they are no longer a member. */
  creator_role: string | null;
  creator_scopes: string | null;
}

/**
 * An unrevoked API token row, or null when missing, revoked, or when the member who created it
 * has left the organization (server/platform/offboarding.ts). Joined with that membership in the
 * same query, so that a member's tokens follow the member's current scopes. Expiry is checked
 * by the caller, on every use.
 */
async function unrevokedToken(db: Db, column: 'secret_hash' | 'id', value: string): Promise<TokenRow | null> {
  const row = (await db.kysely
    .selectFrom('api_token as t')
    .leftJoin('member as m', (join) => join.onRef('m.org_id', '=', 't.org_id').onRef('m.user_id', '=', 't.created_by'))
    .select([
      't.id', 't.org_id', 't.project_id', 't.mode', 't.scopes', 't.last_used_at', 't.expires_at', 't.revoked_at', 't.created_by',
      'm.role as creator_role', 'm.scopes as creator_scopes',
    ])
    .where(`t.${column}`, '=', value)
    .executeTakeFirst()) as TokenRow | undefined;
  if (!row || row.revoked_at !== null) return null;
  if (row.created_by !== null && row.creator_role === null) return null;
  return row;
}

/** The revocation epoch now, or null when nothing may be cached. */
async function epochNow(db: Db): Promise<number | null> {
  const epoch = db.revocations.current();
  return typeof epoch === 'object' && epoch !== null ? await epoch : epoch;
}

/**
 * A usable API token row: unrevoked (from the cache when verified since the last revocation,
 * see ./credential-cache.ts), and not expired now.
 */
async function liveToken(deps: IdentifyDeps, column: 'secret_hash' | 'id', value: string): Promise<TokenRow | null> {
  const epoch = await epochNow(deps.db);
  const key = column === 'id' ? `id:${value}` : value;
  const now = Date.now();
  let row = epoch === null ? undefined : deps.verified.tokens.get(key, epoch, now);
  if (!row) {
    const found = await unrevokedToken(deps.db, column, value);
    if (!found) return null;
    row = found;
    if (epoch !== null) deps.verified.tokens.set(key, row, epoch, now);
  }
  if (row.expires_at !== null && row.expires_at <= new Date(now).toISOString()) return null;
  return row;
}

/** A digest of a credential, to key the caches without keeping the credential itself. */
const digest = (value: string) => createHash('sha256').update(value).digest('base64');

/** What a token may do now: its own scopes, bounded by its creator's current ones. */
function effectiveScopes(row: TokenRow): string[] {
  const own = parseScopes(row.scopes);
  if (row.created_by === null || row.creator_role === 'owner') return own;
  return intersectScopes(own, parseScopes(row.creator_scopes ?? '[]'));
}

async function touch(db: Db, row: TokenRow): Promise<void> {
  const now = Date.now();
  if (row.last_used_at && now - Date.parse(row.last_used_at) < LAST_USED_GRANULARITY_MS) return;
  const cutoff = new Date(now - LAST_USED_GRANULARITY_MS).toISOString();
  // The row may be the cached one: the requests of the next minute see it written.
  row.last_used_at = new Date(now).toISOString();
  await db.kysely
    .updateTable('api_token')
    .set({ last_used_at: row.last_used_at })
    .where('id', '=', row.id)
    // Several concurrent requests: only the first of the minute writes.
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', cutoff)]))
    .execute();
}

function fromToken(row: TokenRow, scopes: string[], type: AuthContext['type'], browserExp?: number): AuthContext {
  const tokenExp = row.expires_at === null ? null : Date.parse(row.expires_at);
  const expiresAt = browserExp === undefined ? tokenExp : Math.min(browserExp, tokenExp ?? Number.POSITIVE_INFINITY);
  return {
    creatorId: row.created_by,
    tokenExpiresAt: row.expires_at,
    type: type === 'browser_token' ? type : row.project_id ? 'project_token' : 'org_token',
    userId: null,
    orgId: row.org_id,
    projectId: row.project_id,
    mode: row.mode,
    scopes,
    tokenId: row.id,
    sessionId: null,
    expiresAt,
  };
}

async function prove(deps: IdentifyDeps, found: Found): Promise<{ ctx: AuthContext; kind: CredentialKind }> {
  const { value, carrier } = found;
  if (carrier === 'query' && !value.startsWith(BROWSER_PREFIX)) {
    throw unauthorized('Only a browser token (bt_…) may be passed in the token query parameter.');
  }
  if (isApiTokenSecret(value)) {
    const row = await liveToken(deps, 'secret_hash', hashSecret(value));
    if (!row) throw unauthorized('The API token is invalid, expired or revoked.');
    await touch(deps.db, row);
    return { ctx: fromToken(row, effectiveScopes(row), 'org_token'), kind: 'apiKey' };
  }
  if (value.startsWith(OAUTH_PREFIX.access)) {
    const ctx = await proveAccessToken(deps.db, value);
    if (!ctx) throw unauthorized('The OAuth access token is invalid, expired or revoked: refresh it, or log in again (saasignal auth login).');
    return { ctx, kind: 'oauth' };
  }
  if (value.startsWith(OAUTH_PREFIX.refresh)) {
    throw unauthorized('A refresh token (ort_…) is not a credential: exchange it at POST /oauth/token for an access token (oat_…).');
  }
  if (value.startsWith(BROWSER_PREFIX)) {
    const claims = await browserClaims(deps, value);
    if (!claims) throw unauthorized('The browser token is invalid or expired.');
    if (claims.tokenId.startsWith('ogr_')) return browserOfGrant(deps, claims, carrier);
    // The parent is checked on every request: revoking it ends its browser tokens at once.
    const parent = await liveToken(deps, 'id', claims.tokenId);
    if (!parent || parent.org_id !== claims.orgId) throw unauthorized('The API token this browser token came from is revoked or expired.');
    await touch(deps.db, parent);
    // Bounded by the parent as it is now (a narrowed creator narrows its browser tokens too).
    const scopes = intersectScopes(claims.scopes, effectiveScopes(parent));
    return { ctx: fromToken(parent, scopes, 'browser_token', claims.expiresAt), kind: carrier === 'query' ? 'browserQuery' : 'browser' };
  }
  const session = await verifiedSession(deps, found);
  if (!session) throw unauthorized('The session is invalid or has ended; sign in again.');
  return {
    ctx: {
      type: 'session',
      userId: session.userId,
      orgId: null,
      projectId: null,
      mode: 'live',
      scopes: [],
      tokenId: null,
      sessionId: session.sessionId,
      expiresAt: null,
    },
    kind: 'session',
  };
}

/** A browser token's claims, its signature verified once per process (expiry on every use). */
async function browserClaims(deps: IdentifyDeps, value: string): Promise<BrowserClaims | null> {
  const key = digest(value);
  const now = Date.now();
  const epoch = deps.db.revocations.mode === 'off' ? null : 0;
  // Claims are signed, so nothing revokes them: the parent token carries revocation.
  let claims = epoch === null ? undefined : deps.verified.browser.get(key, epoch, now);
  if (!claims) {
    const verified = await deps.browser.verify(value);
    if (!verified) return null;
    claims = verified;
    if (epoch !== null) deps.verified.browser.set(key, claims, epoch, now);
  }
  return now < (claims.expiresAt ?? 0) ? claims : null;
}

/** The session behind a session token or cookie, through better-auth unless verified since the last revocation. */
async function verifiedSession(deps: IdentifyDeps, { value, carrier }: Found): Promise<VerifiedSession | null> {
  const epoch = await epochNow(deps.db);
  const key = `${carrier === 'cookie' ? 'c' : 'b'}:${digest(value)}`;
  const now = Date.now();
  const cached = epoch === null ? undefined : deps.verified.sessions.get(key, epoch, now);
  if (cached) return now < cached.expiresAt ? cached : null;
  const auth = await deps.auth();
  const session = await auth.api.getSession({ headers: sessionHeaders(value, carrier), query: { disableCookieCache: true } }).catch((err: unknown) => {
    // better-auth answers a malformed token with a 4xx APIError: an invalid credential. Its 5xx
    // (e.g. the database is down, in `cause`) goes on to the error handler.
    const status = (err as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status < 500) return null;
    throw err;
  });
  if (!session) return null;
  const verified = { userId: session.user.id, sessionId: session.session.id, expiresAt: new Date(session.session.expiresAt).getTime() };
  if (epoch !== null) deps.verified.sessions.set(key, verified, epoch, now);
  return verified;
}

/**
 * A browser token made with an OAuth access token names the grant (the CLI login) as its parent:
 * the grant is checked on every request (revoked, member removed, scopes narrowed) as an API
 * token parent is, so revoking the login ends its browser tokens at once.
 */
async function browserOfGrant(deps: IdentifyDeps, claims: BrowserClaims, carrier: Carrier): Promise<{ ctx: AuthContext; kind: CredentialKind }> {
  const parent = await proveGrant(deps.db, claims.tokenId);
  if (!parent || parent.orgId !== claims.orgId) throw unauthorized('The CLI session this browser token came from is revoked.');
  const ctx: AuthContext = { ...parent, type: 'browser_token', scopes: intersectScopes(claims.scopes, parent.scopes), expiresAt: claims.expiresAt ?? null };
  return { ctx, kind: carrier === 'query' ? 'browserQuery' : 'browser' };
}

const KIND_NAMES: Record<CredentialKind, string> = {
  oauth: 'an OAuth access token',
  session: 'a session token',
  apiKey: 'an API token',
  browser: 'a browser token',
  browserQuery: 'a browser token in the query',
};

/** Middleware for one operation: leaves the proven credential on `res.locals.auth`. */
export function identify(op: OperationInfo, deps: IdentifyDeps) {
  return async (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
    if (op.credentials.length === 0) return next();
    const found = findCredential(req, op);
    if (found === null) throw unauthorized('This operation needs a credential: Authorization: Bearer <token>, X-Api-Key, or the session cookie.');
    if (found === 'malformed') throw unauthorized('The Authorization header must be "Bearer <token>".');
    const { ctx, kind } = await prove(deps, found);
    if (!op.credentials.includes(kind)) {
      const accepted = op.credentials.map((k) => KIND_NAMES[k]).join(' or ');
      throw new ApiError('FORBIDDEN', `${op.operationId} does not accept ${KIND_NAMES[kind]}; use ${accepted}.`);
    }
    res.locals.auth = ctx;
    next();
  };
}
