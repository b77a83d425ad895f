/**
 * API tokens and browser tokens.
 *
 * - A token's scopes are at most the creator's (403); an organization token (no project) carries
 *   platform scopes only (400); a caller bound to a project mints tokens for that project only.
 * - A test-mode caller mints and revokes test tokens only, so the sandbox cannot mint its way out
 *   nor break production; it cannot delete projects or organizations either (projects.ts, organizations.ts).
 * - The secret is in the creation answer only; revoking takes effect on the very next request.
 * - A browser token's scopes are a subset of its parent's (403 otherwise), `ttl` 60–1800 s.
 *
 * @module server/platform/tokens
 */
import type { Response } from 'express';
import { newTokenSecret } from '../auth/api-tokens.ts';
import { sandboxRefusal } from '../auth/sandbox.ts';
import { isPlatformScope, missingScopes } from '../auth/scopes.ts';
import type { Handlers, Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../ids.ts';
import { finishPage, pageOf } from '../http/pagination.ts';
import { input, reply } from '../http/respond.ts';
import type { Schemas } from '../spec.ts';
import type { PlatformDeps } from './deps.ts';
import { assertCanGrant } from './members.ts';
import { creatorOf, mintedExpiry, revokeMintedByToken } from './offboarding.ts';
import { nowIso, TOKEN_COLUMNS, type TokenRow, tokenOut } from './rows.ts';

const DEFAULT_BROWSER_TTL = 900;
const noSuchProject = () => new ApiError('NOT_FOUND', 'No such project in this organization.');

export function tokenHandlers(deps: PlatformDeps): Handlers {
  const { db } = deps;
  return {
    async listTokens(req, res: Response<unknown, Locals>) {
      const { query: q } = input(req, 'listTokens');
      const page = pageOf(q);
      const auth = res.locals.auth;
      let query = db.kysely
        .selectFrom('api_token')
        .select(TOKEN_COLUMNS)
        .where('org_id', '=', auth.orgId)
        .where('revoked_at', 'is', null)
        // The Dashboard's own short-lived tokens (dashboard-token.ts) are not the user's to manage.
        .where('purpose', 'is', null);
      const projectId = auth.projectId ?? q.project_id;
      // Filtering by a project of another organization is reaching it by id: a 404, as
      // everywhere else, not an empty list (a project-bound caller is checked in authorize).
      if (q.project_id !== undefined && !auth.projectId) {
        const project = await db.kysely.selectFrom('project').select('id').where('id', '=', q.project_id).where('org_id', '=', auth.orgId!).executeTakeFirst();
        if (!project) throw noSuchProject();
      }
      if (projectId !== undefined) query = query.where('project_id', '=', projectId);
      if (page.after) query = query.where('id', '>', page.after);
      const rows = (await query.orderBy('id').limit(page.limit + 1).execute()) as TokenRow[];
      const { items, next_cursor } = finishPage(rows, page, (r) => r.id);
      reply(res, 'listTokens', 200, { tokens: items.map(tokenOut), next_cursor });
    },

    async createToken(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'createToken');
      const auth = res.locals.auth;
      const orgId = auth.orgId!;

      let expiresAt: string | null = null;
      if (body.expires_at !== undefined) {
        // The pattern admits `…T10:20Z`; store and echo the full form.
        const at = new Date(body.expires_at);
        if (at.getTime() <= Date.now()) {
          throw new ApiError('INVALID_REQUEST', 'expires_at must be in the future.', {
            details: [{ path: '/body/expires_at', message: 'must be a future date-time' }],
          });
        }
        expiresAt = at.toISOString();
      }
      expiresAt = mintedExpiry(auth, expiresAt);

      if (auth.projectId && body.project_id !== undefined && body.project_id !== auth.projectId) throw noSuchProject();
      const projectId = body.project_id ?? auth.projectId;
      if (projectId) {
        const project = await db.kysely.selectFrom('project').select('id').where('id', '=', projectId).where('org_id', '=', orgId).executeTakeFirst();
        if (!project) throw noSuchProject();
      } else {
        const notPlatform = body.scopes.filter((s) => !isPlatformScope(s));
        if (notPlatform.length > 0) {
          throw new ApiError('INVALID_REQUEST', `An organization token (no project_id) carries platform scopes only; ${notPlatform.join(', ')} need a project.`, {
            details: [{ path: '/body/scopes', message: 'organization tokens take platform scopes only (orgs, projects, tokens, billing)' }],
          });
        }
      }
      assertCanGrant(auth, body.scopes);

      const mode = body.mode ?? auth.mode;
      if (auth.mode === 'test' && mode !== 'test') throw sandboxRefusal('create a live token');

      const { secret, hash, prefix } = newTokenSecret(mode);
      const row: TokenRow = {
        id: newId('tok'),
        org_id: orgId,
        project_id: projectId ?? null,
        name: body.name,
        mode,
        prefix,
        scopes: JSON.stringify(body.scopes),
        created_at: nowIso(),
        last_used_at: null,
        expires_at: expiresAt,
        created_by: creatorOf(auth),
      };
      const mintedBy = auth.type === 'session' ? null : auth.tokenId;
      await db.kysely.insertInto('api_token').values({ ...row, minted_by: mintedBy, secret_hash: hash, revoked_at: null }).execute();
      reply(res, 'createToken', 201, { ...tokenOut(row), secret });
    },

    async revokeToken(req, res: Response<unknown, Locals>) {
      const { params } = input(req, 'revokeToken');
      const auth = res.locals.auth;
      let query = db.kysely
        .updateTable('api_token')
        .set({ revoked_at: nowIso() })
        .where('id', '=', params.token_id)
        .where('org_id', '=', auth.orgId)
        .where('revoked_at', 'is', null);
      if (auth.projectId) query = query.where('project_id', '=', auth.projectId);
      // As for minting: the sandbox revokes test tokens only, never the live ones in production.
      if (auth.mode === 'test') {
        let target = db.kysely.selectFrom('api_token').select('mode').where('id', '=', params.token_id).where('org_id', '=', auth.orgId!).where('revoked_at', 'is', null);
        // Out of the caller's reach stays a 404 below, whatever its mode.
        if (auth.projectId) target = target.where('project_id', '=', auth.projectId);
        if ((await target.executeTakeFirst())?.mode === 'live') throw sandboxRefusal('revoke a live token');
      }
      const result = await query.executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new ApiError('NOT_FOUND', 'No such token in this organization.');
      // What it minted goes with it: a minted token never outlives its minter.
      await revokeMintedByToken(db, params.token_id);
      reply(res, 'revokeToken', 200, { id: params.token_id, deleted: true });
    },

    async createBrowserToken(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'createBrowserToken');
      const auth = res.locals.auth;
      const scopes = body.scopes ?? (auth.scopes as Schemas['Scope'][]);
      const ttl = body.ttl ?? DEFAULT_BROWSER_TTL;
      const missing = missingScopes(auth.scopes, scopes);
      if (missing.length > 0) {
        throw new ApiError('INSUFFICIENT_SCOPE', `A browser token's scopes must be a subset of its parent's; the parent lacks ${missing.join(', ')}.`);
      }
      const { token, expiresAt } = await deps.browser.sign(
        { tokenId: auth.tokenId!, orgId: auth.orgId!, projectId: auth.projectId, scopes, mode: auth.mode },
        ttl,
      );
      reply(res, 'createBrowserToken', 200, { token, expires_at: expiresAt.toISOString(), ttl, scopes, project_id: auth.projectId, org_id: auth.orgId! });
    },
  };
}
