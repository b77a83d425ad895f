/**
 * The OAuth protocol endpoints: RFC 8414 metadata, the RFC 6749 token endpoint (authorization
 * code with PKCE, rotating refresh tokens with reuse detection, the RFC 8628 device grant), RFC
 * 8628 device authorization, and RFC 7009 revocation. Errors are {@link OAuthError}s.
 *
 * Every one-time secret (code, refresh token, device code) is consumed by one conditional UPDATE
 * (`… WHERE used_at IS NULL`): of two concurrent uses, exactly one wins, on SQLite and PostgreSQL
 * alike, and the loser is treated as a replay.
 *
 * @module server/oauth/protocol
 */
import type { Request, Response } from 'express';
import { OAUTH_PREFIX } from '../../spec/limits.ts';
import { hasScope } from '../auth/scopes.ts';
import type { Handlers, Locals } from '../context.ts';
import type { Db } from '../db/index.ts';
import { baseUrl } from '../http/origins.ts';
import { nowIso } from '../platform/rows.ts';
import { document, type Schemas } from '../spec.ts';
import { findClient, type OAuthClientInfo } from './clients.ts';
import { OAuthError } from './errors.ts';
import { createGrant, type GrantInput, type IssuedTokens, issueTokens, revokeGrants } from './grants.ts';
import { parseScopeParam } from './request.ts';
import { hashSecret, isVerifier, newSecret, newUserCode, pkceMatches } from './secrets.ts';
import type { OAuthSettings } from './settings.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** `SAASIGNAL_BASE_URL` when set; otherwise the origin this request reached (a local server on any port). */
function issuer(req: Request): string {
  return process.env.SAASIGNAL_BASE_URL?.trim() ? baseUrl() : `${req.protocol}://${req.get('host')}`;
}

function client(clientId: string | undefined): OAuthClientInfo {
  if (!clientId) throw new OAuthError('invalid_request', 'client_id is required (saasignal-cli).');
  const found = findClient(clientId);
  if (!found) throw new OAuthError('invalid_client', `Unknown client_id "${clientId.slice(0, 64)}".`);
  return found;
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new OAuthError('invalid_request', `${name} is required.`);
  return value;
}

function sendTokens(res: Response, tokens: IssuedTokens): void {
  res.setHeader('Pragma', 'no-cache');
  res.status(200).json(tokens);
}

/** Whether the user is still a member of the organization (a removed member's code or device approval is dead). */
async function stillMember(db: Db, grant: GrantInput): Promise<boolean> {
  const member = await db.kysely.selectFrom('member').select('user_id').where('org_id', '=', grant.orgId).where('user_id', '=', grant.userId).executeTakeFirst();
  return member !== undefined;
}

async function newGrantWithTokens(db: Db, settings: OAuthSettings, grant: GrantInput, link?: { table: 'oauth_code'; hash: string }): Promise<IssuedTokens> {
  return db.kysely.transaction().execute(async (trx) => {
    const id = await createGrant(trx, grant);
    if (link) await trx.updateTable(link.table).set({ grant_id: id }).where('hash', '=', link.hash).execute();
    return issueTokens(trx, settings, { ...grant, id });
  });
}

// Form bodies: `input` types JSON bodies only, so these name the document's form schemas.
type TokenBody = Schemas['OAuthTokenRequest'];
type DeviceBody = Schemas['OAuthDeviceAuthorizationRequest'];
type RevocationBody = Schemas['OAuthRevocationRequest'];

async function authorizationCodeGrant(db: Db, settings: OAuthSettings, body: TokenBody, clientId: string): Promise<IssuedTokens> {
  const code = required(body.code, 'code');
  const redirectUri = required(body.redirect_uri, 'redirect_uri');
  const verifier = required(body.code_verifier, 'code_verifier');
  if (!isVerifier(verifier)) throw new OAuthError('invalid_request', 'code_verifier must be 43–128 characters of A–Z, a–z, 0–9, "-", ".", "_", "~" (RFC 7636).');
  const hash = hashSecret(code);
  const row = await db.kysely.selectFrom('oauth_code').selectAll().where('hash', '=', hash).executeTakeFirst();
  if (!row) throw new OAuthError('invalid_grant', 'The authorization code is invalid.');
  // Burnt by the first attempt, right or wrong: a code is one try, whoever holds it.
  const consumed = await db.kysely.updateTable('oauth_code').set({ used_at: nowIso() }).where('hash', '=', hash).where('used_at', 'is', null).executeTakeFirst();
  if (Number(consumed.numUpdatedRows) !== 1) {
    // RFC 6749 §4.1.2: a code presented twice revokes what its first use issued.
    if (row.grant_id) await db.kysely.transaction().execute((trx) => revokeGrants(trx, [row.grant_id as string]));
    throw new OAuthError('invalid_grant', 'The authorization code was already used; the session it started is revoked. Log in again.');
  }
  if ((row.expires_at as string) <= nowIso()) throw new OAuthError('invalid_grant', `The authorization code expired (codes last ${settings.codeTtl} s). Log in again.`);
  if (row.client_id !== clientId) throw new OAuthError('invalid_grant', 'The authorization code was issued to another client.');
  if (row.redirect_uri !== redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri differs from the one of the authorization request.');
  if (!pkceMatches(verifier, row.code_challenge as string)) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE S256).');
  const grant = grantOf(row, clientId);
  if (!(await stillMember(db, grant))) throw new OAuthError('invalid_grant', 'The user is no longer a member of the organization.');
  return newGrantWithTokens(db, settings, grant, { table: 'oauth_code', hash });
}

async function refreshTokenGrant(db: Db, settings: OAuthSettings, body: TokenBody, clientId: string): Promise<IssuedTokens> {
  const refresh = required(body.refresh_token, 'refresh_token');
  const hash = hashSecret(refresh);
  const row = await db.kysely
    .selectFrom('oauth_token as t')
    .innerJoin('oauth_grant as g', 'g.id', 't.grant_id')
    .select(['t.grant_id', 't.expires_at', 't.used_at', 'g.client_id', 'g.user_id', 'g.org_id', 'g.project_id', 'g.scopes', 'g.revoked_at'])
    .where('t.hash', '=', hash)
    .where('t.kind', '=', 'refresh')
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) throw new OAuthError('invalid_grant', 'The refresh token is invalid or its session was revoked. Log in again.');
  const consumed = await db.kysely.updateTable('oauth_token').set({ used_at: nowIso() }).where('hash', '=', hash).where('used_at', 'is', null).executeTakeFirst();
  if (Number(consumed.numUpdatedRows) !== 1) {
    // A used refresh token again: it was copied. Ending the session stops whoever holds the copy (RFC 9700 §4.14.2).
    await db.kysely.transaction().execute((trx) => revokeGrants(trx, [row.grant_id as string]));
    throw new OAuthError('invalid_grant', 'The refresh token was already used; the whole session is revoked. Log in again.');
  }
  if ((row.expires_at as string) <= nowIso()) throw new OAuthError('invalid_grant', 'The refresh token expired. Log in again.');
  if (row.client_id !== clientId) throw new OAuthError('invalid_grant', 'The refresh token was issued to another client.');
  const grant = {
    id: row.grant_id as string,
    clientId,
    userId: row.user_id as string,
    orgId: row.org_id as string,
    projectId: (row.project_id as string | null) ?? null,
    scopes: JSON.parse(row.scopes as string) as string[],
  };
  if (!(await stillMember(db, grant))) throw new OAuthError('invalid_grant', 'The user is no longer a member of the organization.');
  let narrowed: string[] | undefined;
  if (body.scope !== undefined) {
    const parsed = parseScopeParam(body.scope);
    if ('problem' in parsed) throw new OAuthError('invalid_scope', parsed.problem);
    const extra = parsed.scopes.filter((s) => !hasScope(grant.scopes, s));
    if (extra.length > 0) throw new OAuthError('invalid_scope', `Not granted in this session: ${extra.join(', ')}.`);
    narrowed = parsed.scopes;
  }
  return issueTokens(db.kysely, settings, grant, narrowed);
}

async function deviceCodeGrant(db: Db, settings: OAuthSettings, body: TokenBody, clientId: string): Promise<IssuedTokens> {
  const hash = hashSecret(required(body.device_code, 'device_code'));
  const row = await db.kysely.selectFrom('oauth_device').selectAll().where('hash', '=', hash).executeTakeFirst();
  if (!row || row.client_id !== clientId || row.used_at !== null) throw new OAuthError('invalid_grant', 'The device code is invalid or was already used.');
  if ((row.expires_at as string) <= nowIso()) throw new OAuthError('expired_token', 'The device code expired before it was approved. Start again.');
  const now = Date.now();
  const interval = Number(row.interval);
  if (row.last_polled_at !== null && now - Date.parse(row.last_polled_at as string) < interval * 1000) {
    // RFC 8628 §3.5: every slow_down adds 5 seconds to the interval for the rest of the flow.
    await db.kysely.updateTable('oauth_device').set({ interval: interval + 5, last_polled_at: new Date(now).toISOString() }).where('hash', '=', hash).execute();
    throw new OAuthError('slow_down', `Polling too fast: wait ${interval + 5} s between requests.`);
  }
  await db.kysely.updateTable('oauth_device').set({ last_polled_at: new Date(now).toISOString() }).where('hash', '=', hash).execute();
  if (row.status === 'pending') throw new OAuthError('authorization_pending', 'Waiting for the user to enter the code and approve.');
  if (row.status === 'denied') throw new OAuthError('access_denied', 'The user denied the request.');
  const consumed = await db.kysely.updateTable('oauth_device').set({ used_at: nowIso() }).where('hash', '=', hash).where('used_at', 'is', null).executeTakeFirst();
  if (Number(consumed.numUpdatedRows) !== 1) throw new OAuthError('invalid_grant', 'The device code was already used.');
  const grant = grantOf(row, clientId);
  if (!(await stillMember(db, grant))) throw new OAuthError('invalid_grant', 'The user is no longer a member of the organization.');
  return newGrantWithTokens(db, settings, grant);
}

export function protocolHandlers(db: Db, settings: OAuthSettings): Handlers {
  return {
    async getAuthorizationServerMetadata(req, res: Response<unknown, Locals>) {
      const base = issuer(req);
      res.status(200).json({
        issuer: base,
        authorization_endpoint: `${base}/oauth/authorize`,
        token_endpoint: `${base}/oauth/token`,
        device_authorization_endpoint: `${base}/oauth/device/code`,
        revocation_endpoint: `${base}/oauth/revoke`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token', DEVICE_GRANT],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
        revocation_endpoint_auth_methods_supported: ['none'],
        scopes_supported: document.components.schemas.Scope.enum,
      });
    },

    async requestOAuthToken(req, res: Response<unknown, Locals>) {
      const body = req.body as TokenBody;
      const grantType = required(body.grant_type, 'grant_type');
      const { client_id } = client(body.client_id);
      if (grantType === 'authorization_code') return sendTokens(res, await authorizationCodeGrant(db, settings, body, client_id));
      if (grantType === 'refresh_token') return sendTokens(res, await refreshTokenGrant(db, settings, body, client_id));
      if (grantType === DEVICE_GRANT) return sendTokens(res, await deviceCodeGrant(db, settings, body, client_id));
      throw new OAuthError('unsupported_grant_type', `grant_type must be authorization_code, refresh_token or ${DEVICE_GRANT}.`);
    },

    async requestDeviceAuthorization(req, res: Response<unknown, Locals>) {
      const body = req.body as DeviceBody;
      const { client_id } = client(body.client_id);
      const parsed = parseScopeParam(body.scope);
      if ('problem' in parsed) throw new OAuthError('invalid_scope', parsed.problem);
      const device = newSecret();
      const expiresAt = new Date(Date.now() + settings.deviceTtl * 1000).toISOString();
      let userCode = '';
      // A user code collides once in ~10^10; retry rather than fail.
      for (let attempt = 0; ; attempt++) {
        userCode = newUserCode();
        try {
          await db.kysely
            .insertInto('oauth_device')
            .values({
              hash: device.hash, user_code: userCode, client_id, requested_scopes: JSON.stringify(parsed.scopes), status: 'pending',
              user_id: null, org_id: null, project_id: null, scopes: null, expires_at: expiresAt, interval: settings.deviceInterval, last_polled_at: null, used_at: null,
            })
            .execute();
          break;
        } catch (err) {
          const taken = await db.kysely.selectFrom('oauth_device').select('hash').where('user_code', '=', userCode).executeTakeFirst();
          if (!taken || attempt >= 3) throw err;
          // An expired code keeps its user code until now: free it for reuse.
          await db.kysely.deleteFrom('oauth_device').where('user_code', '=', userCode).where('expires_at', '<=', nowIso()).execute();
        }
      }
      const base = issuer(req);
      res.status(200).json({
        device_code: device.secret,
        user_code: userCode,
        verification_uri: `${base}/oauth/device`,
        verification_uri_complete: `${base}/oauth/device?user_code=${userCode}`,
        expires_in: settings.deviceTtl,
        interval: settings.deviceInterval,
      });
    },

    async revokeOAuthToken(req, res: Response<unknown, Locals>) {
      const body = req.body as RevocationBody;
      const token = required(body.token, 'token');
      const clientId = body.client_id === undefined ? undefined : client(body.client_id).client_id;
      if (token.startsWith(OAUTH_PREFIX.access) || token.startsWith(OAUTH_PREFIX.refresh)) {
        const row = await db.kysely
          .selectFrom('oauth_token as t')
          .innerJoin('oauth_grant as g', 'g.id', 't.grant_id')
          .select(['g.id', 'g.client_id'])
          .where('t.hash', '=', hashSecret(token))
          .executeTakeFirst();
        if (row && (clientId === undefined || row.client_id === clientId)) {
          await db.kysely.transaction().execute((trx) => revokeGrants(trx, [row.id as string]));
        }
      }
      // RFC 7009 §2.2: an unknown token is answered like a revoked one.
      res.status(200).end();
    },
  };
}

/** What an approved code or device row grants: the same for both flows. */
function grantOf(row: Record<string, unknown>, clientId: string): GrantInput {
  return {
    clientId,
    userId: row.user_id as string,
    orgId: row.org_id as string,
    projectId: (row.project_id as string | null) ?? null,
    scopes: JSON.parse(row.scopes as string),
  };
}
