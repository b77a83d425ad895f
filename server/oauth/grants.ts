/**
 * OAuth grants (authorized CLI sessions) and their tokens: issuing, proving an access token on a
 * request, and revoking. An access token is good while it has not expired, its grant is not
 * revoked, the user is still a member of the grant's organization (offboarding), that member may
 * still reach the grant's project, and the project still exists. It acts with the grant's scopes
 * bounded by the member's current ones, like an API token bounded by its creator's.
 *
 * @module server/oauth/grants
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuthContext } from '../context.ts';
import type { Db } from '../db/index.ts';
import { intersectScopes, parseScopes } from '../auth/scopes.ts';
import { newId } from '../ids.ts';
import { revokeMintedBy } from '../platform/offboarding.ts';
import { nowIso } from '../platform/rows.ts';
import { hashSecret, newAccessToken, newRefreshToken } from './secrets.ts';
import type { OAuthSettings } from './settings.ts';

type Conn = Kysely<any> | Transaction<any>;

export interface GrantInput {
  clientId: string;
  userId: string;
  orgId: string;
  projectId: string | null;
  scopes: string[];
}

export interface IssuedTokens {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
  org_id: string;
  project_id: string | null;
}

const LAST_USED_GRANULARITY_MS = 60_000;

export async function createGrant(conn: Conn, grant: GrantInput): Promise<string> {
  const id = newId('ogr');
  await conn
    .insertInto('oauth_grant')
    .values({
      id,
      client_id: grant.clientId,
      user_id: grant.userId,
      org_id: grant.orgId,
      project_id: grant.projectId,
      scopes: JSON.stringify(grant.scopes),
      created_at: nowIso(),
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  return id;
}

/** A new access and refresh token for a grant; `scopes` narrows the access token only. */
export async function issueTokens(conn: Conn, settings: OAuthSettings, grant: GrantInput & { id: string }, scopes?: string[]): Promise<IssuedTokens> {
  const access = newAccessToken();
  const refresh = newRefreshToken();
  const now = Date.now();
  const at = new Date(now).toISOString();
  await conn
    .insertInto('oauth_token')
    .values([
      { hash: access.hash, grant_id: grant.id, kind: 'access', scopes: scopes ? JSON.stringify(scopes) : null, created_at: at, expires_at: new Date(now + settings.accessTtl * 1000).toISOString(), used_at: null },
      { hash: refresh.hash, grant_id: grant.id, kind: 'refresh', scopes: null, created_at: at, expires_at: new Date(now + settings.refreshTtl * 1000).toISOString(), used_at: null },
    ])
    .execute();
  return {
    access_token: access.secret,
    token_type: 'Bearer',
    expires_in: settings.accessTtl,
    refresh_token: refresh.secret,
    scope: (scopes ?? grant.scopes).join(' '),
    org_id: grant.orgId,
    project_id: grant.projectId,
  };
}

/** Revokes grants and, transitively, the API tokens minted with them (server/platform/offboarding.ts). */
export async function revokeGrants(conn: Conn, grantIds: string[], at = nowIso()): Promise<void> {
  if (grantIds.length === 0) return;
  await conn.updateTable('oauth_grant').set({ revoked_at: at }).where('id', 'in', grantIds).where('revoked_at', 'is', null).execute();
  await revokeMintedBy(conn, grantIds, at);
}

export async function revokeGrant(db: Db, grantId: string): Promise<void> {
  await db.kysely.transaction().execute((trx) => revokeGrants(trx, [grantId]));
}

interface GrantRow {
  grant_id: string;
  user_id: string;
  org_id: string;
  project_id: string | null;
  scopes: string;
  last_used_at: string | null;
  role: string | null;
  member_scopes: string | null;
  member_project_id: string | null;
  project_exists: string | null;
}

/** A grant joined with what decides whether it still gives authority: membership and project. */
function grantQuery(db: Db) {
  return db.kysely
    .selectFrom('oauth_grant as g')
    .leftJoin('member as m', (join) => join.onRef('m.org_id', '=', 'g.org_id').onRef('m.user_id', '=', 'g.user_id'))
    .leftJoin('project as p', (join) => join.onRef('p.id', '=', 'g.project_id').onRef('p.org_id', '=', 'g.org_id'))
    .select([
      'g.id as grant_id', 'g.user_id', 'g.org_id', 'g.project_id', 'g.scopes', 'g.last_used_at',
      'm.role', 'm.scopes as member_scopes', 'm.project_id as member_project_id', 'p.id as project_exists',
    ])
    .where('g.revoked_at', 'is', null);
}

/** The context of a live grant, with `granted` (its scopes, or an access token's narrower ones); null when it gives no authority. */
function contextOf(row: GrantRow, granted: string[], expiresAt: number | null): AuthContext | null {
  if (row.role === null) return null;
  if (row.project_id !== null && row.project_exists === null) return null;
  // A member restricted to one project reaches nothing else, even through an older grant.
  if (row.member_project_id !== null && row.member_project_id !== row.project_id) return null;
  const scopes = row.role === 'owner' ? granted : intersectScopes(granted, parseScopes(row.member_scopes ?? '[]'));
  return {
    type: 'oauth_token',
    userId: null,
    creatorId: row.user_id,
    orgId: row.org_id,
    projectId: row.project_id,
    // An OAuth login is the user's own, live access; the sandbox is reached with sk_test_ tokens.
    mode: 'live',
    scopes,
    tokenId: row.grant_id,
    // What it mints is bounded by the grant's revocation, not by an hour-long access token.
    tokenExpiresAt: null,
    sessionId: null,
    expiresAt,
  };
}

/** The request context of an access token, or null when it gives no authority now. */
export async function proveAccessToken(db: Db, secret: string): Promise<AuthContext | null> {
  const row = (await grantQuery(db)
    .innerJoin('oauth_token as t', 't.grant_id', 'g.id')
    .select(['t.scopes as token_scopes', 't.expires_at'])
    .where('t.hash', '=', hashSecret(secret))
    .where('t.kind', '=', 'access')
    .executeTakeFirst()) as (GrantRow & { token_scopes: string | null; expires_at: string }) | undefined;
  if (!row || row.expires_at <= nowIso()) return null;
  const ctx = contextOf(row, parseScopes(row.token_scopes ?? row.scopes), Date.parse(row.expires_at));
  if (ctx) await touch(db, row);
  return ctx;
}

/** The context of a grant itself (the parent of a browser token), or null when it gives no authority now. */
export async function proveGrant(db: Db, grantId: string): Promise<AuthContext | null> {
  const row = (await grantQuery(db).where('g.id', '=', grantId).executeTakeFirst()) as GrantRow | undefined;
  return row ? contextOf(row, parseScopes(row.scopes), null) : null;
}

async function touch(db: Db, row: GrantRow): Promise<void> {
  const now = Date.now();
  if (row.last_used_at && now - Date.parse(row.last_used_at) < LAST_USED_GRANULARITY_MS) return;
  const cutoff = new Date(now - LAST_USED_GRANULARITY_MS).toISOString();
  await db.kysely
    .updateTable('oauth_grant')
    .set({ last_used_at: new Date(now).toISOString() })
    .where('id', '=', row.grant_id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', cutoff)]))
    .execute();
}

/** Among `ids`, the grants that still give authority (for open event streams: server/streams/authority.ts). */
export async function liveGrantIds(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.kysely
    .selectFrom('oauth_grant as g')
    .innerJoin('member as m', (join) => join.onRef('m.org_id', '=', 'g.org_id').onRef('m.user_id', '=', 'g.user_id'))
    .innerJoin('project as p', 'p.id', 'g.project_id')
    .select('g.id')
    .where('g.id', 'in', ids)
    .where('g.revoked_at', 'is', null)
    .execute();
  return rows.map((r) => r.id as string);
}
