/**
 * The Dashboard's side of OAuth, for a signed-in user: checking an authorization request and
 * answering it (consent page), looking up and answering a device code (device page), and the
 * user's CLI sessions (grants), which they can revoke.
 *
 * @module server/oauth/consent
 */
import type { Response } from 'express';
import type { Handlers, Locals } from '../context.ts';
import type { Db } from '../db/index.ts';
import { ApiError } from '../errors.ts';
import { input, reply } from '../http/respond.ts';
import { nowIso } from '../platform/rows.ts';
import { findClient } from './clients.ts';
import { revokeGrant } from './grants.ts';
import { checkAuthorization, resolveChoice } from './request.ts';
import { newSecret, normaliseUserCode } from './secrets.ts';
import type { OAuthSettings } from './settings.ts';

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

const noSuchDeviceCode = () => new ApiError('NOT_FOUND', 'No pending request has this code: check it, or start the login again on the device (codes last 10 minutes).');

interface DeviceRow {
  hash: string;
  user_code: string;
  client_id: string;
  requested_scopes: string;
  expires_at: string;
}

async function pendingDevice(db: Db, typed: string): Promise<DeviceRow> {
  const userCode = normaliseUserCode(typed);
  if (!userCode) throw noSuchDeviceCode();
  const row = (await db.kysely
    .selectFrom('oauth_device')
    .select(['hash', 'user_code', 'client_id', 'requested_scopes', 'expires_at'])
    .where('user_code', '=', userCode)
    .where('status', '=', 'pending')
    .executeTakeFirst()) as DeviceRow | undefined;
  if (!row || row.expires_at <= nowIso()) throw noSuchDeviceCode();
  return row;
}

export function consentHandlers(db: Db, settings: OAuthSettings): Handlers {
  return {
    async getOAuthAuthorization(req, res: Response<unknown, Locals>) {
      const checked = checkAuthorization(input(req, 'getOAuthAuthorization').query);
      reply(res, 'getOAuthAuthorization', 200, { client: checked.client, redirect_uri: checked.redirectUri, scopes: checked.scopes as never });
    },

    async decideOAuthAuthorization(req, res: Response<unknown, Locals>) {
      const { query, body } = input(req, 'decideOAuthAuthorization');
      const checked = checkAuthorization(query);
      if (body.decision === 'deny') {
        const redirect_to = withParams(checked.redirectUri, { error: 'access_denied', error_description: 'The user denied the request.', state: checked.state });
        return reply(res, 'decideOAuthAuthorization', 200, { redirect_to });
      }
      const userId = res.locals.auth.userId!;
      const granted = await resolveChoice(db, userId, checked.scopes, body);
      const code = newSecret();
      await db.kysely
        .insertInto('oauth_code')
        .values({
          hash: code.hash,
          client_id: checked.client.client_id,
          redirect_uri: checked.redirectUri,
          code_challenge: checked.codeChallenge,
          user_id: userId,
          org_id: granted.orgId,
          project_id: granted.projectId,
          scopes: JSON.stringify(granted.scopes),
          expires_at: new Date(Date.now() + settings.codeTtl * 1000).toISOString(),
          used_at: null,
          grant_id: null,
        })
        .execute();
      reply(res, 'decideOAuthAuthorization', 200, { redirect_to: withParams(checked.redirectUri, { code: code.secret, state: checked.state }) });
    },

    async getOAuthDevice(req, res: Response<unknown, Locals>) {
      const row = await pendingDevice(db, input(req, 'getOAuthDevice').query.user_code);
      reply(res, 'getOAuthDevice', 200, {
        user_code: row.user_code,
        client: findClient(row.client_id)!,
        scopes: JSON.parse(row.requested_scopes),
        expires_at: row.expires_at,
      });
    },

    async decideOAuthDevice(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'decideOAuthDevice');
      const row = await pendingDevice(db, body.user_code);
      let update;
      if (body.decision === 'deny') {
        update = { status: 'denied' };
      } else {
        const userId = res.locals.auth.userId!;
        const granted = await resolveChoice(db, userId, JSON.parse(row.requested_scopes), body);
        update = { status: 'approved', user_id: userId, org_id: granted.orgId, project_id: granted.projectId, scopes: JSON.stringify(granted.scopes) };
      }
      // Only a pending request: a second answer (another tab, another user) finds nothing.
      const result = await db.kysely.updateTable('oauth_device').set(update).where('hash', '=', row.hash).where('status', '=', 'pending').executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw noSuchDeviceCode();
      reply(res, 'decideOAuthDevice', 200, { status: body.decision === 'deny' ? 'denied' : 'approved' });
    },

    async listOAuthGrants(_req, res: Response<unknown, Locals>) {
      const rows = await db.kysely
        .selectFrom('oauth_grant')
        .select(['id', 'client_id', 'user_id', 'org_id', 'project_id', 'scopes', 'created_at', 'last_used_at'])
        .where('user_id', '=', res.locals.auth.userId!)
        .where('revoked_at', 'is', null)
        .orderBy('id', 'desc')
        .limit(500)
        .execute();
      reply(res, 'listOAuthGrants', 200, {
        grants: rows.map((r) => ({
          id: r.id as string,
          client: findClient(r.client_id as string) ?? { client_id: r.client_id as string, name: r.client_id as string },
          user_id: r.user_id as string,
          org_id: r.org_id as string,
          project_id: (r.project_id as string | null) ?? null,
          scopes: JSON.parse(r.scopes as string),
          created_at: r.created_at as string,
          last_used_at: (r.last_used_at as string | null) ?? null,
        })),
      });
    },

    async revokeOAuthGrant(req, res: Response<unknown, Locals>) {
      const { params } = input(req, 'revokeOAuthGrant');
      const grant = await db.kysely
        .selectFrom('oauth_grant')
        .select('id')
        .where('id', '=', params.grant_id)
        .where('user_id', '=', res.locals.auth.userId!)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (!grant) throw new ApiError('NOT_FOUND', 'No such CLI session.');
      await revokeGrant(db, params.grant_id);
      reply(res, 'revokeOAuthGrant', 200, { id: params.grant_id, deleted: true });
    },
  };
}
