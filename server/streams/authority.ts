/**
 * Is the credential of an open stream still good? One query for all the streams of an instance:
 * the API tokens (or browser tokens' parents) that are neither revoked nor expired and whose
 * project and organization still exist, and the OAuth grants (`ogr_…`, a CLI login) that are not
 * revoked and whose user is still a member (server/oauth/grants.ts). The database is the one every instance shares, so a
 * revocation or deletion made through any instance is seen by all.
 *
 * @module server/streams/authority
 */
import type { Db } from '../db/index.ts';
import { liveGrantIds } from '../oauth/grants.ts';

/** The ids among `tokenIds` whose tokens still give authority, now. */
export async function liveTokenIds(db: Db, tokenIds: string[], now = new Date()): Promise<Set<string>> {
  if (tokenIds.length === 0) return new Set();
  const grants = await liveGrantIds(db, tokenIds.filter((id) => id.startsWith('ogr_')));
  const rows = (await db.kysely
    .selectFrom('api_token as t')
    .innerJoin('project as p', 'p.id', 't.project_id')
    .innerJoin('organization as o', 'o.id', 't.org_id')
    .select(['t.id as id', 't.expires_at as expires_at'])
    .where('t.id', 'in', tokenIds)
    .where('t.revoked_at', 'is', null)
    .execute()) as { id: string; expires_at: string | null }[];
  const at = now.toISOString();
  return new Set([...grants, ...rows.filter((r) => r.expires_at === null || r.expires_at > at).map((r) => r.id)]);
}
