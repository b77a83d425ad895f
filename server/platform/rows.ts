/**
 * Platform rows as stored, and their API shapes (the generated schema types). One place turns a
 * row into what clients see, so every operation answers an object the same way.
 *
 * @module server/platform/rows
 */
import { parseScopes } from '../auth/scopes.ts';
import type { Schemas } from '../spec.ts';

export interface OrganizationRow {
  id: string;
  name: string;
  slug: string;
  owner_id: string;
  created_at: string;
  updated_at: string;
}

export interface ProjectRow {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  region: string;
  created_at: string;
}

export interface MemberRow {
  user_id: string;
  email: string;
  name: string;
  role: string;
  scopes: string;
  project_id: string | null;
  joined_at: string;
}

export interface InvitationRow {
  id: string;
  org_id: string;
  org_name: string;
  email: string;
  scopes: string;
  project_id: string | null;
  status: string;
  invited_by: string;
  created_at: string;
  expires_at: string;
}

export interface TokenRow {
  id: string;
  org_id: string;
  project_id: string | null;
  name: string;
  mode: string;
  prefix: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  created_by: string | null;
}

export const ORGANIZATION_COLUMNS = ['id', 'name', 'slug', 'owner_id', 'created_at', 'updated_at'] as const;
export const TOKEN_COLUMNS = ['id', 'org_id', 'project_id', 'name', 'mode', 'prefix', 'scopes', 'created_at', 'last_used_at', 'expires_at', 'created_by'] as const;

type Scope = Schemas['Scope'];

export const organizationOut = (r: OrganizationRow): Schemas['Organization'] => ({
  id: r.id,
  name: r.name,
  slug: r.slug,
  owner_id: r.owner_id,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

export const projectOut = (r: ProjectRow): Schemas['Project'] => ({
  id: r.id,
  org_id: r.org_id,
  name: r.name,
  description: r.description,
  region: r.region as Schemas['Region'],
  created_at: r.created_at,
});

export const memberOut = (r: MemberRow): Schemas['Member'] => ({
  user_id: r.user_id,
  email: r.email,
  name: r.name,
  role: r.role as Schemas['Role'],
  // The owner holds every scope whatever is stored.
  scopes: (r.role === 'owner' ? ['*'] : parseScopes(r.scopes)) as Scope[],
  project_id: r.project_id,
  joined_at: r.joined_at,
});

export const invitationOut = (r: InvitationRow): Schemas['Invitation'] => ({
  id: r.id,
  org_id: r.org_id,
  org_name: r.org_name,
  email: r.email,
  scopes: parseScopes(r.scopes) as Scope[],
  project_id: r.project_id,
  status: r.status as 'pending' | 'accepted',
  invited_by: r.invited_by,
  created_at: r.created_at,
  expires_at: r.expires_at,
});

export const tokenOut = (r: TokenRow): Schemas['Token'] => ({
  id: r.id,
  org_id: r.org_id,
  project_id: r.project_id,
  name: r.name,
  mode: r.mode as Schemas['TokenMode'],
  prefix: r.prefix,
  scopes: parseScopes(r.scopes) as Scope[],
  created_at: r.created_at,
  last_used_at: r.last_used_at,
  expires_at: r.expires_at,
  created_by: r.created_by,
});

/** Unique-constraint violations on both dialects (SQLite's code, PostgreSQL's SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

export const nowIso = () => new Date().toISOString();
