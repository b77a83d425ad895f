/**
 * Tokens: scoped API tokens (`sk_live_…`, `sk_test_…`) and short-lived browser tokens (`bt_…`).
 *
 * @module spec/tokens
 */
import {
  Deleted, errors, IsoDateTime, jsonBody, Name, NextCursor, ok, OrgId, OrgIdRef, orNull, PAGE_MAX, PageQuery, ProjectId, ProjectIdRef, Scope, Scopes, Timestamp, TokenId, TokenIdRef, UserId,
} from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

const Mode = registry.register(
  'TokenMode',
  z.enum(['live', 'test']).openapi({
    description: '`live` tokens (`sk_live_…`) act on real data and are metered; `test` tokens (`sk_test_…`) act on a separate sandbox of the project, are never charged, and share their organization\'s test-mode budget of 100 requests per hour.',
    example: 'live',
  }),
);

const tokenExample = {
  id: 'tok_01JNXSA1B2C3D4E5F6G7H8J9KM',
  org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
  project_id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN',
  name: 'Production Key',
  mode: 'live',
  prefix: 'sk_live_4f9a',
  scopes: ['kv:read', 'kv:write', 'channels:publish'],
  created_at: '2026-03-10T13:15:00.000Z',
  last_used_at: null,
  expires_at: null,
  created_by: 'usr_01JNXSB1C2D3E4F5G6H7J8K9MN',
};

/** `sk_live_`/`sk_test_` and 32 random bytes in base62 (server/auth/api-tokens.ts). */
export const ApiTokenSecret = z.string().max(64).regex(/^sk_(live|test)_[0-9A-Za-z]+$/);

const tokenFields = {
  id: TokenId,
  org_id: OrgId,
  project_id: orNull(ProjectId).openapi({ description: 'The project the token acts on; `null` for an organization token.' }),
  name: Name.openapi({ example: 'Production Key' }),
  mode: Mode,
  prefix: z.string().max(12).regex(/^sk_(live|test)_[0-9A-Za-z]{0,4}$/).openapi({ description: 'The first characters of the secret, to recognise it.', example: 'sk_live_4f9a' }),
  scopes: Scopes,
  created_at: Timestamp,
  last_used_at: orNull(Timestamp),
  expires_at: orNull(Timestamp),
  created_by: orNull(UserId).openapi({
    description:
      'The user who created the token: with a session, or through a token they created. The token works only while that ' +
      'user is a member of the organization, and with at most their current scopes. `null` for tokens made before this was recorded.',
  }),
};

export const Token = registry.register('Token', z.object(tokenFields).openapi({ example: tokenExample }));

export const CreatedToken = registry.register(
  'CreatedToken',
  z
    .object({
      ...tokenFields,
      secret: ApiTokenSecret.openapi({
        description: 'The raw secret. Shown only in this response: store it now.',
        example: 'sk_live_4f9aQ2xZ7kP1mV8rT3bN6cY0wE5sL9dH2jF4gA7uK1',
      }),
    })
    .openapi({ example: { ...tokenExample, secret: 'sk_live_4f9aQ2xZ7kP1mV8rT3bN6cY0wE5sL9dH2jF4gA7uK1' } }),
);

export const TokenList = registry.register(
  'TokenList',
  z.object({ tokens: z.array(Token).max(PAGE_MAX), next_cursor: NextCursor }).openapi({ example: { tokens: [tokenExample], next_cursor: null } }),
);

export const CreateTokenRequest = registry.register(
  'CreateTokenRequest',
  z
    .strictObject({
      name: Name.openapi({ description: 'Token display name (1–100 characters, no control characters).', example: 'Production Key' }),
      scopes: Scopes.openapi({
        description:
          'Permission scopes (e.g. `["kv:read", "kv:write"]`); at most the scopes you hold. An empty list is allowed: ' +
          'such a token authenticates (it is listed, and can be revoked) but every scoped operation refuses it with 403 ' +
          '`INSUFFICIENT_SCOPE` until it is replaced. It is a placeholder, never a grant.',
      }),
      project_id: ProjectIdRef.optional().openapi({ description: 'Bind the token to one project. Without it, an organization token (platform scopes only).' }),
      expires_at: IsoDateTime.optional().openapi({
        description:
          "ISO 8601 expiration date-time; must be in the future. A token minting a token: at most the minting token's own expiry " +
          '(400 otherwise), and that expiry when omitted.',
      }),
      mode: Mode.optional().openapi({ description: '`live` (default) or `test`.' }),
    })
    .openapi({
      example: { name: 'Production Key', project_id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN', scopes: ['kv:read', 'kv:write', 'channels:publish'] },
    }),
);

export const CreateBrowserTokenRequest = registry.register(
  'CreateBrowserTokenRequest',
  z
    .strictObject({
      scopes: Scopes.optional().openapi({ description: "Scopes for the browser token; must be a subset of the parent's (403 otherwise). Omitted: all of the parent's." }),
      ttl: z.number().int().min(60).max(1800).default(900).openapi({ format: 'int32', description: 'Time-to-live in seconds (default 900, min 60, max 1800).', example: 900 }),
    })
    .openapi({ example: { scopes: ['channels:subscribe', 'kv:read'], ttl: 900 } }),
);

export const BrowserToken = registry.register(
  'BrowserToken',
  z
    .object({
      token: z
        .string()
        .max(4096)
        .regex(/^bt_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
        .openapi({ description: 'The browser token: `bt_` followed by a signed JWT (three base64url parts).', example: 'bt_eyJhbGciOiJIUzI1NiIsInR5cCI6ImJ0K2p3dCJ9.e30.c2ln' }),
      expires_at: Timestamp,
      ttl: z.number().int().min(60).max(1800).openapi({ format: 'int32', example: 900 }),
      scopes: Scopes,
      project_id: orNull(ProjectId),
      org_id: OrgId,
    })
    .openapi({
      example: {
        token: 'bt_eyJhbGciOiJIUzI1NiIsInR5cCI6ImJ0K2p3dCJ9.e30.c2ln',
        expires_at: '2026-03-10T13:15:00.000Z',
        ttl: 900,
        scopes: ['channels:subscribe', 'kv:read'],
        project_id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN',
        org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
      },
    }),
);

const orgPath = z.object({ org_id: OrgIdRef });
const tags = ['Tokens'];

defineOperation({
  method: 'get',
  path: '/core/organizations/{org_id}/tokens',
  operationId: 'listTokens',
  tags,
  summary: 'List tokens',
  description: 'List the API tokens of an organization, optionally filtered by project. Secrets are never shown again; revoked tokens are not listed.',
  credentials: ['session', 'apiKey'],
  scope: 'tokens:read',
  request: { params: orgPath, query: PageQuery.extend({ project_id: ProjectIdRef.optional().openapi({ param: { description: 'Filter tokens by project.' } }) }) },
  responses: { 200: ok(TokenList, 'A page of tokens.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.listTokens', args: ['path:org_id', 'query'], cli: { command: 'tokens list' } },
});

defineOperation({
  method: 'post',
  path: '/core/organizations/{org_id}/tokens',
  operationId: 'createToken',
  tags,
  summary: 'Create a token',
  description:
    'Create a scoped API token for the organization or one of its projects. The raw secret is returned only once. ' +
    'Nobody can mint a token with scopes they do not hold (403). An `expires_at` in the past is a 400, and so is one ' +
    "past the minting token's own expiry: a token never outlives the token that minted it.",
  credentials: ['session', 'apiKey'],
  scope: 'tokens:write',
  request: { params: orgPath, body: jsonBody(CreateTokenRequest) },
  responses: { 201: ok(CreatedToken, 'The new token, with its secret.'), ...errors(401, 403, 404, 413, 415, 429) },
  sdk: { method: 'core.orgs.createToken', args: ['path+body'], cli: { command: 'tokens create', args: ['name'] } },
});

defineOperation({
  method: 'delete',
  path: '/core/organizations/{org_id}/tokens/{token_id}',
  operationId: 'revokeToken',
  tags,
  summary: 'Revoke a token',
  description:
    'Permanently revoke a token: the very next request with it, with every browser token made from it, and with every ' +
    'token it minted (and they minted, and so on), gets 401. A test-mode token can revoke test tokens only (403 for a live one).',
  credentials: ['session', 'apiKey'],
  scope: 'tokens:write',
  request: { params: z.object({ org_id: OrgIdRef, token_id: TokenIdRef }) },
  responses: { 200: ok(Deleted, 'The token is revoked.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.revokeToken', args: ['path:org_id', 'path:token_id'], cli: { command: 'tokens revoke' } },
});

defineOperation({
  method: 'post',
  path: '/core/tokens/browser',
  operationId: 'createBrowserToken',
  tags,
  summary: 'Create a browser token',
  description:
    'Exchange an API token for a short-lived browser token (`bt_…`), a signed JWT safe to hand to browser code. ' +
    "Its scopes must be a subset of the parent token's (403 otherwise); it inherits the parent's project and is refused " +
    'once it expires or once the parent is revoked. The scope it needs is inherited from the parent credential.',
  credentials: ['apiKey'],
  scope: null,
  request: { body: jsonBody(CreateBrowserTokenRequest, false) },
  responses: { 200: ok(BrowserToken, 'The browser token.'), ...errors(401, 403, 413, 415, 429) },
  sdk: { method: 'core.tokens.createBrowserToken', args: ['body'], static: 'createBrowserToken', cli: { command: 'tokens create-browser' } },
});
