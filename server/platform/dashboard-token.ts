/**
 * `createDashboardToken` (spec/dashboard-token.ts): a live project token for the signed-in member,
 * with the scopes of the document's KV and channel operations that the member holds, expiring in
 * 15 minutes. Its row is marked `purpose = 'dashboard'`, which keeps it out of listTokens.
 *
 * @module server/platform/dashboard-token
 */
import type { Response } from 'express';
import { DASHBOARD_TOKEN_TTL } from '../../spec/limits.ts';
import { newTokenSecret } from '../auth/api-tokens.ts';
import { hasScope } from '../auth/scopes.ts';
import type { Handlers, Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../ids.ts';
import { input, reply } from '../http/respond.ts';
import { operationsById, type Schemas } from '../spec.ts';
import type { PlatformDeps } from './deps.ts';
import { nowIso } from './rows.ts';

/** The scopes the KV and channel operations of the document require. */
const INFRA_SCOPES = [...new Set([...operationsById.values()].filter((op) => op.path.startsWith('/infra/')).flatMap((op) => [op.scope, ...Object.values(op.scopeByOp ?? {})]).filter((s): s is string => !!s))].sort();

export function dashboardTokenHandlers({ db }: PlatformDeps): Handlers {
  return {
    async createDashboardToken(req, res: Response<unknown, Locals>) {
      const { params } = input(req, 'createDashboardToken');
      const auth = res.locals.auth;
      const project = await db.kysely.selectFrom('project').select('id').where('id', '=', params.project_id).where('org_id', '=', auth.orgId!).executeTakeFirst();
      if (!project) throw new ApiError('NOT_FOUND', 'No such project in this organization.');
      const scopes = INFRA_SCOPES.filter((s) => hasScope(auth.scopes, s)) as Schemas['Scope'][];
      if (scopes.length === 0) throw new ApiError('INSUFFICIENT_SCOPE', `You hold none of the scopes the KV store and channels need (${INFRA_SCOPES.join(', ')}).`);
      const { secret, hash, prefix } = newTokenSecret('live');
      const expiresAt = new Date(Date.now() + DASHBOARD_TOKEN_TTL * 1000).toISOString();
      await db.kysely
        .insertInto('api_token')
        .values({
          id: newId('tok'),
          org_id: auth.orgId!,
          project_id: params.project_id,
          name: `Dashboard (${auth.userId})`,
          mode: 'live',
          prefix,
          scopes: JSON.stringify(scopes),
          created_at: nowIso(),
          last_used_at: null,
          expires_at: expiresAt,
          secret_hash: hash,
          revoked_at: null,
          purpose: 'dashboard',
        })
        .execute();
      reply(res, 'createDashboardToken', 201, { secret, project_id: params.project_id, scopes, expires_at: expiresAt });
    },
  };
}
