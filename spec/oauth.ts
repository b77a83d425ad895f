/**
 * OAuth 2.1 for first-party public clients (the `saasignal` CLI): the protocol endpoints a client
 * talks to (RFC 8414 metadata, RFC 6749 token, RFC 8628 device authorization, RFC 7009
 * revocation) and the session operations the Dashboard's consent, device and sessions pages use.
 *
 * The protocol endpoints take `application/x-www-form-urlencoded` bodies and answer their errors
 * as RFC 6749 §5.2 `{error, error_description}`, not the API's envelope: OAuth client libraries
 * read that shape. What is not a protocol error (405, 413, 415, 429, 500, 503) keeps the envelope.
 *
 * @module spec/oauth
 * @see https://www.rfc-editor.org/rfc/rfc6749
 * @see https://www.rfc-editor.org/rfc/rfc8628
 */
import { ALL_SCOPES, baseHeaders, Deleted, errors, jsonBody, OrgId, ok, orNull, ProjectId, Scope, Timestamp, UserId } from './common.ts';
import { CLI_CLIENT_ID, OAUTH_PREFIX, OAUTH_TTL } from './limits.ts';
import { defineOperation, registry, z } from './registry.ts';

// Defined in limits.ts (the server imports them without loading the schemas).
export { CLI_CLIENT_ID, OAUTH_PREFIX, OAUTH_TTL };

const FORM = 'application/x-www-form-urlencoded';
const form = <T extends z.ZodType>(schema: T) => ({ required: true, content: { [FORM]: { schema } } });

const GrantId = registry.register(
  'OAuthGrantId',
  z
    .string()
    .max(30)
    .regex(/^ogr_[0-9A-HJKMNP-TV-Z]{26}$/)
    .openapi({ description: 'OAuth grant ID (`ogr_` followed by a ULID): one authorized CLI session.', example: 'ogr_01JNXSE1F2G3H4J5K6M7N8P9QR' }),
);
const GrantIdRef = z
  .string()
  .max(69)
  .regex(/^ogr_[0-9A-Za-z]{1,64}$/)
  .openapi({ description: 'OAuth grant ID (`ogr_…`). One that names none of your grants is a 404.', example: 'ogr_01JNXSE1F2G3H4J5K6M7N8P9QR' });

const UserCode = z
  .string()
  .min(1)
  .max(16)
  .openapi({ description: 'The code shown by the device, `XXXX-XXXX` (case and the dash do not matter).', example: 'WDJB-MJHT' });

/** An OAuth secret as the server makes it: the prefix, then 32 random bytes in base64url. */
const OAuthSecret = (prefix: string) => z.string().max(prefix.length + 43).regex(new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`));
/** A lifetime or interval in seconds. */
const Seconds = z.number().int().min(0).max(86_400 * 366).openapi({ format: 'int32' });

/** An absolute http(s) URL of this server. */
const Url = z.url({ protocol: /^https?$/ }).max(2048);

const OAUTH_ERRORS = [
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope',
  'authorization_pending', 'slow_down', 'access_denied', 'expired_token', 'unsupported_token_type',
] as const;

export const OAuthError = registry.register(
  'OAuthError',
  z
    .object({
      error: z.enum(OAUTH_ERRORS).openapi({ description: 'The RFC 6749 §5.2 (and RFC 8628 §3.5) error code.' }),
      error_description: z.string().max(2048).optional().openapi({ description: 'What went wrong, for people.' }),
    })
    .openapi({
      description: "An OAuth protocol error (RFC 6749 §5.2): the token, device and revocation endpoints answer in this shape, which OAuth clients expect, instead of the API's `Error` envelope.",
      example: { error: 'invalid_grant', error_description: 'The authorization code is invalid, expired or already used.' },
    }),
);
// These endpoints pass the rate limiter like every other, so their protocol errors carry its headers too.
const oauthErrorHeaders = {
  ...baseHeaders,
  RateLimit: { $ref: '#/components/headers/RateLimit' },
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' },
};
const oauthError = (description: string) => ({ description, headers: oauthErrorHeaders, content: { 'application/json': { schema: OAuthError } } });

export const AuthorizationServerMetadata = registry.register(
  'AuthorizationServerMetadata',
  z
    .object({
      issuer: Url.openapi({ description: 'This server (`SAASIGNAL_BASE_URL`, else the origin the request reached).' }),
      authorization_endpoint: Url.openapi({ description: "The Dashboard's consent page." }),
      token_endpoint: Url,
      device_authorization_endpoint: Url,
      revocation_endpoint: Url,
      response_types_supported: z.array(z.literal('code')).max(1),
      grant_types_supported: z.array(z.enum(['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'])).max(3),
      code_challenge_methods_supported: z.array(z.literal('S256')).max(1),
      token_endpoint_auth_methods_supported: z.array(z.literal('none')).max(1),
      revocation_endpoint_auth_methods_supported: z.array(z.literal('none')).max(1),
      scopes_supported: z.array(Scope).max(64),
    })
    .openapi({
      example: {
        issuer: 'http://localhost:3000',
        authorization_endpoint: 'http://localhost:3000/oauth/authorize',
        token_endpoint: 'http://localhost:3000/oauth/token',
        device_authorization_endpoint: 'http://localhost:3000/oauth/device/code',
        revocation_endpoint: 'http://localhost:3000/oauth/revoke',
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
        revocation_endpoint_auth_methods_supported: ['none'],
        scopes_supported: ['kv:read', 'kv:write'],
      },
    }),
);

// Every field optional and the object open: RFC 6749 §3.2 says unknown parameters are ignored,
// and a missing one is the handler's `invalid_request` in the OAuth shape, not a validator 400.
const optionalText = (description: string, max = 2048) => z.string().max(max).optional().openapi({ description });
export const TokenRequest = registry.register(
  'OAuthTokenRequest',
  z
    .object({
      grant_type: optionalText('`authorization_code`, `refresh_token` or `urn:ietf:params:oauth:grant-type:device_code`.', 128),
      client_id: optionalText(`\`${CLI_CLIENT_ID}\`.`, 128),
      code: optionalText('authorization_code: the code the redirect carried.'),
      redirect_uri: optionalText('authorization_code: the same redirect URI as in the authorization request.'),
      code_verifier: optionalText('authorization_code: the PKCE verifier (RFC 7636), 43–128 characters.', 256),
      refresh_token: optionalText(`refresh_token: the refresh token (\`${OAUTH_PREFIX.refresh}…\`); it is replaced by the answer's.`),
      device_code: optionalText('device_code: the device code from the device authorization answer.'),
      scope: optionalText('refresh_token: a narrower, space-separated set of the granted scopes.'),
    })
    .openapi({
      example: { grant_type: 'authorization_code', client_id: CLI_CLIENT_ID, code: 'Jc8kQ2xZ7kP1mV8rT3bN6cY0wE5sL9dH2jF4gA7uK1', redirect_uri: 'http://127.0.0.1:53682/callback', code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' },
    }),
);

export const TokenResponse = registry.register(
  'OAuthTokenResponse',
  z
    .object({
      access_token: OAuthSecret(OAUTH_PREFIX.access).openapi({ example: 'oat_4f9aQ2xZ7kP1mV8rT3bN6cY0wE5sL9dH2jF4gA7uK1w', description: `An OAuth access token (\`${OAUTH_PREFIX.access}…\`): send it as \`Authorization: Bearer\`.` }),
      token_type: z.literal('Bearer'),
      expires_in: Seconds.openapi({ description: 'Seconds until the access token expires.' }),
      refresh_token: OAuthSecret(OAUTH_PREFIX.refresh).openapi({ example: 'ort_8rT3bN6cY0wE5sL9dH2jF4gA7uK14f9aQ2xZ7kP1mVq', description: `A refresh token (\`${OAUTH_PREFIX.refresh}…\`), good for one use: each refresh answers a new one. Using one twice revokes the whole session.` }),
      scope: z.string().max(2048).regex(/^[a-z*:]*( [a-z*:]+)*$/).openapi({ example: 'kv:read kv:write', description: 'The granted scopes, space-separated (the user may have narrowed them).' }),
      org_id: OrgId.openapi({ description: 'The organization the token acts in.' }),
      project_id: orNull(ProjectId).openapi({ description: 'The project it acts on; `null` for an organization-wide session.' }),
    })
    .openapi({
      example: {
        access_token: 'oat_4f9aQ2xZ7kP1mV8rT3bN6cY0wE5sL9dH2jF4gA7uK1w',
        token_type: 'Bearer',
        expires_in: OAUTH_TTL.access,
        refresh_token: 'ort_8rT3bN6cY0wE5sL9dH2jF4gA7uK14f9aQ2xZ7kP1mVq',
        scope: 'kv:read kv:write',
        org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
        project_id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN',
      },
    }),
);

export const DeviceAuthorizationRequest = registry.register(
  'OAuthDeviceAuthorizationRequest',
  z
    .object({ client_id: optionalText(`\`${CLI_CLIENT_ID}\`.`, 128), scope: optionalText('The scopes asked for, space-separated.') })
    .openapi({ example: { client_id: CLI_CLIENT_ID, scope: 'kv:read kv:write' } }),
);

export const DeviceAuthorizationResponse = registry.register(
  'OAuthDeviceAuthorizationResponse',
  z
    .object({
      device_code: z.string().max(256).regex(/^[A-Za-z0-9_-]+$/).openapi({ example: 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eSxy', description: 'What the device polls the token endpoint with. Secret.' }),
      user_code: z.string().max(9).regex(/^[A-Z]{4}-[A-Z]{4}$/).openapi({ description: 'What the user types on the verification page.', example: 'WDJB-MJHT' }),
      verification_uri: Url.openapi({ description: "The Dashboard's device page." }),
      verification_uri_complete: Url.openapi({ description: 'The same page with the code filled in.' }),
      expires_in: Seconds,
      interval: Seconds.openapi({ description: 'Seconds to wait between polls (`slow_down` adds 5).' }),
    })
    .openapi({
      example: {
        device_code: 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eSxy',
        user_code: 'WDJB-MJHT',
        verification_uri: 'http://localhost:3000/oauth/device',
        verification_uri_complete: 'http://localhost:3000/oauth/device?user_code=WDJB-MJHT',
        expires_in: OAUTH_TTL.device,
        interval: OAUTH_TTL.deviceInterval,
      },
    }),
);

export const RevocationRequest = registry.register(
  'OAuthRevocationRequest',
  z
    .object({
      token: optionalText(`An access (\`${OAUTH_PREFIX.access}…\`) or refresh (\`${OAUTH_PREFIX.refresh}…\`) token; either ends the whole session.`),
      token_type_hint: optionalText('`access_token` or `refresh_token` (not needed: the prefix tells).', 64),
      client_id: optionalText(`\`${CLI_CLIENT_ID}\`.`, 128),
    })
    .openapi({ example: { token: 'ort_8rT3bN6cY0wE5sL9dH2jF4gA7uK14f9aQ2xZ7kP1mVq', client_id: CLI_CLIENT_ID } }),
);

defineOperation({
  method: 'get',
  path: '/.well-known/oauth-authorization-server',
  operationId: 'getAuthorizationServerMetadata',
  tags: ['OAuth'],
  summary: 'Get the OAuth server metadata',
  description: 'RFC 8414 authorization server metadata: where the CLI finds the consent page and the token, device and revocation endpoints.',
  responses: { 200: ok(AuthorizationServerMetadata, 'The metadata.'), ...errors() },
});

defineOperation({
  method: 'post',
  path: '/oauth/token',
  operationId: 'requestOAuthToken',
  tags: ['OAuth'],
  summary: 'Exchange a grant for tokens',
  description:
    'The RFC 6749 token endpoint, for the public client `saasignal-cli` (no client secret). `authorization_code` needs the ' +
    `PKCE \`code_verifier\` (S256) and the same \`redirect_uri\`; a code works once, within ${OAUTH_TTL.code} s. \`refresh_token\` ` +
    'rotates: the answer carries a new refresh token and the used one stops working; presenting a used one again revokes the ' +
    'whole session (RFC 9700 §4.14.2). The device grant (RFC 8628 §3.4) answers `authorization_pending` until the user decides, ' +
    '`slow_down` when polled faster than `interval`, then `access_denied` or `expired_token`, or the tokens.',
  request: { body: form(TokenRequest) },
  responses: {
    // After the shared ones: their 400 is the envelope, these endpoints' is RFC 6749's.
    ...errors(503),
    200: ok(TokenResponse, 'The tokens.'),
    400: oauthError('A protocol error: `invalid_request`, `invalid_grant`, `unsupported_grant_type`, `invalid_scope`, or a device-flow state.'),
    401: oauthError('`invalid_client`: not a registered client.'),
  },
});

defineOperation({
  method: 'post',
  path: '/oauth/device/code',
  operationId: 'requestDeviceAuthorization',
  tags: ['OAuth'],
  summary: 'Start a device authorization',
  description:
    'RFC 8628 §3.1, for a machine without a browser: answers a `user_code` to type at `verification_uri` (the Dashboard, on any ' +
    `device) and a \`device_code\` to poll the token endpoint with, valid ${OAUTH_TTL.device / 60} minutes.`,
  request: { body: form(DeviceAuthorizationRequest) },
  responses: {
    // After the shared ones: their 400 is the envelope, these endpoints' is RFC 6749's.
    ...errors(503),
    200: ok(DeviceAuthorizationResponse, 'The codes.'),
    400: oauthError('`invalid_request` or `invalid_scope`.'),
    401: oauthError('`invalid_client`: not a registered client.'),
  },
});

defineOperation({
  method: 'post',
  path: '/oauth/revoke',
  operationId: 'revokeOAuthToken',
  tags: ['OAuth'],
  summary: 'Revoke an OAuth token',
  description:
    'RFC 7009: revokes the session (grant) the access or refresh token belongs to, with all its tokens; its open event streams ' +
    'end. An unknown or already revoked token is a 200 too, as the RFC asks.',
  request: { body: form(RevocationRequest) },
  responses: {
    // After the shared ones: their 400 is the envelope, these endpoints' is RFC 6749's.
    ...errors(503),
    200: { description: 'Revoked (or nothing to revoke).', headers: baseHeaders },
    400: oauthError('`invalid_request`: no `token`.'),
    401: oauthError('`invalid_client`: not a registered client.'),
  },
});

// ---- the Dashboard's side: consent, device codes, sessions ----------------------------------

const ScopeList = z.array(Scope).max(64);

export const OAuthClient = registry.register(
  'OAuthClient',
  z
    .object({
      client_id: z.string().max(128).regex(/^[a-z0-9-]+$/).openapi({ example: CLI_CLIENT_ID }),
      name: z.string().max(128).regex(/^[^\x00-\x1f\x7f]+$/).openapi({ example: 'SaaSignal CLI' }),
    })
    .openapi({ example: { client_id: CLI_CLIENT_ID, name: 'SaaSignal CLI' } }),
);

export const OAuthAuthorizationRequest = registry.register(
  'OAuthAuthorizationRequest',
  z
    .object({
      client: OAuthClient,
      redirect_uri: Url.openapi({ example: 'http://127.0.0.1:53682/callback' }),
      scopes: ScopeList.openapi({ description: 'The scopes asked for (what the consent page offers to narrow).' }),
    })
    .openapi({
      example: { client: { client_id: CLI_CLIENT_ID, name: 'SaaSignal CLI' }, redirect_uri: 'http://127.0.0.1:53682/callback', scopes: ['kv:read', 'kv:write'] },
    }),
);

const authorizationQuery = z.object({
  response_type: z.string().min(1).max(32).openapi({ description: 'Must be `code`.', example: 'code' }),
  client_id: z.string().min(1).max(128).openapi({ example: CLI_CLIENT_ID }),
  redirect_uri: z.string().min(1).max(2048).openapi({ description: 'A loopback URI: `http://127.0.0.1:{port}/callback` or `http://[::1]:{port}/callback`.', example: 'http://127.0.0.1:53682/callback' }),
  scope: z.string().min(1).max(2048).openapi({
    description: 'The scopes the CLI asks for (the user may grant fewer), separated by spaces (`%20`) or, as OAuth clients encode them, `+`.',
    example: 'kv:read kv:write',
    // OAuth clients build this query as a form (`kv%3Aread+kv%3Awrite`) or by hand (`kv:read kv:write`): both are accepted.
    param: { allowReserved: true },
  }),
  state: z.string().min(1).max(1024).optional().openapi({ example: 'af0ifjsldkj' }),
  code_challenge: z.string().min(1).max(128).openapi({ description: 'The PKCE challenge: base64url(SHA-256(verifier)), 43 characters.', example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' }),
  code_challenge_method: z.string().min(1).max(16).openapi({ description: 'Must be `S256`.', example: 'S256' }),
});

defineOperation({
  method: 'get',
  path: '/core/oauth/authorization',
  operationId: 'getOAuthAuthorization',
  tags: ['OAuth'],
  summary: 'Check an authorization request',
  description:
    "For the Dashboard's consent page: checks the query of an authorization request (client, loopback redirect URI, PKCE S256, " +
    'scopes) and answers what to show. A request that fails is a 400 whose message says why; the page shows it and redirects nowhere.',
  credentials: ['session'],
  scope: null,
  request: { query: authorizationQuery },
  responses: { 200: ok(OAuthAuthorizationRequest, 'What the user is asked to approve.'), ...errors(401) },
  sdk: { method: 'core.oauth.getAuthorization', args: ['query'] },
});

export const OAuthDecision = registry.register(
  'OAuthDecision',
  z
    .strictObject({
      decision: z.enum(['approve', 'deny']),
      org_id: OrgId.optional().openapi({ description: 'approve: the organization the session acts in.' }),
      project_id: orNull(ProjectId).optional().openapi({ description: 'approve: the project it acts on; `null` or absent for an organization-wide session.' }),
      scopes: ScopeList.optional().openapi({ description: 'approve: the scopes granted, a subset of those asked for and of yours in the organization.' }),
    })
    .openapi({ example: { decision: 'approve', org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB', project_id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN', scopes: ['kv:read'] } }),
);

export const OAuthRedirect = registry.register(
  'OAuthRedirect',
  z
    .object({ redirect_to: z.url({ protocol: /^https?$/ }).max(4096).openapi({ description: 'Where to send the browser: the redirect URI with `code` (or `error=access_denied`) and `state`.' }) })
    .openapi({ example: { redirect_to: 'http://127.0.0.1:53682/callback?code=Jc8kQ2xZ7kP1mV8rT3bN6cY0wE5sL9dH2jF4gA7uK1&state=af0ifjsldkj' } }),
);

defineOperation({
  method: 'post',
  path: '/core/oauth/authorization',
  operationId: 'decideOAuthAuthorization',
  tags: ['OAuth'],
  summary: 'Approve or deny an authorization request',
  description:
    'The consent page\'s answer to an authorization request (the same query as `getOAuthAuthorization`). Approving makes a one-time ' +
    `code, valid ${OAUTH_TTL.code} s, for the chosen organization, project and scopes; denying answers \`error=access_denied\`. Either way ` +
    'the answer is the URL to send the browser to.',
  credentials: ['session'],
  scope: null,
  request: { query: authorizationQuery, body: jsonBody(OAuthDecision) },
  responses: { 200: ok(OAuthRedirect, 'Where to send the browser.'), ...errors(401, 404) },
  sdk: { method: 'core.oauth.decideAuthorization', args: ['query', 'body'] },
});

export const OAuthDeviceRequest = registry.register(
  'OAuthDeviceRequest',
  z
    .object({
      user_code: z.string().max(9).regex(/^[A-Z]{4}-[A-Z]{4}$/).openapi({ example: 'WDJB-MJHT' }),
      client: OAuthClient,
      scopes: ScopeList.openapi({ description: 'The scopes the device asked for.' }),
      expires_at: Timestamp,
    })
    .openapi({ example: { user_code: 'WDJB-MJHT', client: { client_id: CLI_CLIENT_ID, name: 'SaaSignal CLI' }, scopes: ['kv:read'], expires_at: '2026-03-10T13:25:00.000Z' } }),
);

defineOperation({
  method: 'get',
  path: '/core/oauth/device',
  operationId: 'getOAuthDevice',
  tags: ['OAuth'],
  summary: 'Look up a device code',
  description: 'For the Dashboard\'s device page: the pending device authorization a `user_code` names (404 when none is pending under it).',
  credentials: ['session'],
  scope: null,
  request: { query: z.object({ user_code: UserCode }) },
  responses: { 200: ok(OAuthDeviceRequest, 'The pending request.'), ...errors(401, 404) },
  sdk: { method: 'core.oauth.getDevice', args: ['query:user_code'] },
});

export const OAuthDeviceDecision = registry.register(
  'OAuthDeviceDecision',
  z
    .strictObject({ user_code: UserCode, decision: OAuthDecision.shape.decision, org_id: OAuthDecision.shape.org_id, project_id: OAuthDecision.shape.project_id, scopes: OAuthDecision.shape.scopes })
    .openapi({ example: { user_code: 'WDJB-MJHT', decision: 'approve', org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB', project_id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN', scopes: ['kv:read'] } }),
);

export const OAuthDeviceResult = registry.register(
  'OAuthDeviceResult',
  z.object({ status: z.enum(['approved', 'denied']) }).openapi({ example: { status: 'approved' } }),
);

defineOperation({
  method: 'post',
  path: '/core/oauth/device',
  operationId: 'decideOAuthDevice',
  tags: ['OAuth'],
  summary: 'Approve or deny a device code',
  description: 'The device page\'s answer: the polling device then receives its tokens (approve) or `access_denied` (deny).',
  credentials: ['session'],
  scope: null,
  request: { body: jsonBody(OAuthDeviceDecision) },
  responses: { 200: ok(OAuthDeviceResult, 'Decided.'), ...errors(401, 404) },
  sdk: { method: 'core.oauth.decideDevice', args: ['body'] },
});

/** One CLI session, the example of a grant and of the list. */
const GRANT_EXAMPLE = {
  id: 'ogr_01JNXSE1F2G3H4J5K6M7N8P9QR',
  client: { client_id: CLI_CLIENT_ID, name: 'SaaSignal CLI' },
  user_id: 'usr_01JNXSB1C2D3E4F5G6H7J8K9MN',
  org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
  project_id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN',
  scopes: ['kv:read', 'kv:write'],
  created_at: '2026-03-10T13:15:00.000Z',
  last_used_at: null,
};

export const OAuthGrant = registry.register(
  'OAuthGrant',
  z
    .object({
      id: GrantId,
      client: OAuthClient,
      user_id: UserId,
      org_id: OrgId,
      project_id: orNull(ProjectId),
      scopes: ScopeList,
      created_at: Timestamp,
      last_used_at: orNull(Timestamp),
    })
    .openapi({
      description: 'An authorized CLI session: what one login granted, until it is revoked.',
      example: GRANT_EXAMPLE,
    }),
);

export const OAuthGrantList = registry.register(
  'OAuthGrantList',
  z.object({ grants: z.array(OAuthGrant).max(500).openapi({ description: 'The newest 500 sessions that are not revoked.' }) }).openapi({ example: { grants: [OAuthGrant.parse(GRANT_EXAMPLE)] } }),
);

defineOperation({
  method: 'get',
  path: '/core/oauth/grants',
  operationId: 'listOAuthGrants',
  tags: ['OAuth'],
  summary: 'List your CLI sessions',
  description: 'Your authorized CLI sessions (OAuth grants) that are not revoked, newest first.',
  credentials: ['session'],
  scope: null,
  responses: { 200: ok(OAuthGrantList, 'The sessions.'), ...errors(401) },
  sdk: { method: 'core.oauth.listGrants', args: [] },
});

defineOperation({
  method: 'delete',
  path: '/core/oauth/grants/{grant_id}',
  operationId: 'revokeOAuthGrant',
  tags: ['OAuth'],
  summary: 'Revoke a CLI session',
  description: 'Revokes one of your CLI sessions: its access and refresh tokens stop on the next request, its open event streams end, and the API tokens it minted are revoked.',
  credentials: ['session'],
  scope: null,
  request: { params: z.object({ grant_id: GrantIdRef }) },
  responses: { 200: ok(Deleted, 'Revoked.'), ...errors(401, 404) },
  sdk: { method: 'core.oauth.revokeGrant', args: ['path:grant_id'] },
});

// ---- the credential kind --------------------------------------------------------------------

registry.registerComponent('securitySchemes', 'oauthBearer', {
  type: 'oauth2',
  description:
    `An OAuth access token (\`${OAUTH_PREFIX.access}…\`) from a CLI login, as \`Authorization: Bearer\`. It acts where an API token ` +
    'does, in the organization and project chosen on the consent page, with the granted scopes (bounded by the member\'s current ' +
    `ones), for ${OAUTH_TTL.access / 60} minutes; the refresh token renews it. Machines without a browser use the device flow ` +
    '(`x-device-authorization-url`, RFC 8628), which OpenAPI 3.1 cannot express as a flow.',
  flows: {
    authorizationCode: {
      authorizationUrl: '/oauth/authorize',
      tokenUrl: '/oauth/token',
      refreshUrl: '/oauth/token',
      scopes: Object.fromEntries(ALL_SCOPES.map((s) => [s, s === '*' ? 'every scope' : `the \`${s}\` scope`])),
    },
  },
  'x-device-authorization-url': '/oauth/device/code',
} as never);
