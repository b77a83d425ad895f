/**
 * Shared primitives of the API, each a named component: key, TTL, region, ISO date, slug, email,
 * scope, ids, pagination, the error envelope and the shared error responses, the security schemes
 * and the response headers. Patterns are the docs' text, byte for byte.
 *
 * @module spec/common
 */
import { ERROR_DETAILS_MAX, ERROR_TEXT_MAX, ORIGIN_MAX } from './limits.ts';
import { registry, z } from './registry.ts';

/** Response headers as plain references (the generator's own type is a union of three OpenAPI versions). */
type Headers = Record<string, { $ref: string } | { description: string; schema: { type: 'string' | 'integer'; example: unknown; maxLength?: number; pattern?: string } }>;

/** Keys: 1–512 chars, no control characters, no `..`; `.` alone is refused too (see description). */
export const KEY_PATTERN = /^(?!.*\.\.)[^\x00-\x1f\x7f]+$/;
/** Scan prefixes: the key pattern, but the empty prefix is allowed. */
export const PREFIX_PATTERN = /^(?!.*\.\.)[^\x00-\x1f\x7f]*$/;
export const SLUG_PATTERN = /^[a-z0-9-]+$/;
export const EMAIL_PATTERN =
  /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;
/** ISO 8601 date-time in UTC, leap years included (the docs' pattern). */
export const ISO_DATE_PATTERN =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z))$/;

export const Key = registry.register(
  'Key',
  z
    .string()
    .min(1)
    .max(512)
    .regex(KEY_PATTERN)
    .openapi({
      description:
        'A key: 1–512 characters, no control characters and no `..` sequence. The key `.` is refused as well: ' +
        'HTTP clients (browsers, fetch, curl) rewrite `/infra/kv/.` to `/infra/kv/` before sending, so such a key ' +
        'could be written but never addressed again. Encode `/`, `%`, `?` and `#` in paths (`encodeURIComponent`).',
      example: 'session:u_123',
      not: { const: '.' },
    }),
);

export const Ttl = registry.register(
  'Ttl',
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({
    format: 'int64',
    description:
      'Time-to-live in seconds, an integer > 0 and ≤ 9007199254740991. The key expires after this duration; ' +
      'an expiry past 9999-12-31T23:59:59.999Z is stored as that instant.',
    example: 86400,
  }),
);

export const REGIONS = ['wnam', 'enam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me'] as const;
export const Region = registry.register(
  'Region',
  z.enum(REGIONS).openapi({
    description:
      'Where the project lives: `wnam` western North America, `enam` eastern North America, `weur` western Europe, ' +
      '`eeur` eastern Europe, `apac` Asia-Pacific, `oc` Oceania, `afr` Africa, `me` Middle East.',
    example: 'enam',
  }),
);

export const IsoDateTime = registry.register(
  'IsoDateTime',
  z.string().max(64).regex(ISO_DATE_PATTERN).openapi({
    description: 'An ISO 8601 date-time in UTC (`Z`); seconds and fractions are optional (at most 64 characters in all).',
    example: '2027-03-01T10:20:00Z',
  }),
);

/** Timestamps the API writes: always full ISO 8601 with milliseconds, in UTC. */
export const Timestamp = registry.register(
  'Timestamp',
  z.iso.datetime().max(24).openapi({ description: 'A timestamp in UTC.', example: '2026-03-10T13:15:00.000Z' }),
);

export const Slug = registry.register(
  'Slug',
  z.string().min(1).max(64).regex(SLUG_PATTERN).openapi({
    description: 'URL-friendly slug: lowercase letters, digits and hyphens (`^[a-z0-9-]+$`).',
    example: 'acme-corp',
  }),
);

export const Email = registry.register(
  'Email',
  z.string().max(254).regex(EMAIL_PATTERN).openapi({ description: 'An email address.', example: 'alice@acme.com' }),
);

/** Every scope of the docs, grouped as the docs group them. */
export const SCOPE_GROUPS = {
  Infrastructure: [
    'kv:read', 'kv:write', 'locks:read', 'locks:write', 'sketches:read', 'sketches:write',
    'channels:publish', 'channels:subscribe', 'jobs:read', 'jobs:write', 'workflows:read',
    'workflows:write', 'webhooks:read', 'webhooks:write',
  ],
  Logistics: ['logistics:read', 'logistics:write', 'logistics:admin', 'logistics:track'],
  Delivery: ['delivery:read', 'delivery:write'],
  Platform: ['orgs:read', 'orgs:write', 'projects:read', 'projects:write', 'tokens:read', 'tokens:write', 'billing:read'],
} as const;
const PLAIN_SCOPES = Object.values(SCOPE_GROUPS).flat();
const RESOURCES = [...new Set(PLAIN_SCOPES.map((s) => s.split(':')[0]))];
export const ALL_SCOPES = ['*', ...RESOURCES.map((r) => `${r}:*`), ...PLAIN_SCOPES] as [string, ...string[]];

export const Scope = registry.register(
  'Scope',
  z.enum(ALL_SCOPES).openapi({
    description:
      'A permission. `*` grants every scope; `resource:*` (e.g. `kv:*`) grants every action on that resource.',
    example: 'kv:read',
  }),
);
/** At most 64 in a request; every list of scopes the API answers with is one of these (or a subset of the enum). */
export const Scopes = z.array(Scope).max(64);

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
function id(name: string, prefix: string, example: string, what: string) {
  return registry.register(
    name,
    z
      .string()
      .max(prefix.length + 27)
      .regex(new RegExp(`^${prefix}_${ULID}$`))
      .openapi({ description: `${what} ID (\`${prefix}_\` followed by a ULID).`, example: `${prefix}_${example}` }),
  );
}
export const OrgId = id('OrgId', 'org', '01JNXS8QZ3M2V7K4T9R5W6Y8AB', 'Organization');
export const ProjectId = id('ProjectId', 'proj', '01JNXS9B2C3D4E5F6G7H8J9KMN', 'Project');
export const TokenId = id('TokenId', 'tok', '01JNXSA1B2C3D4E5F6G7H8J9KM', 'Token');
export const UserId = id('UserId', 'usr', '01JNXSB1C2D3E4F5G6H7J8K9MN', 'User');
export const InvitationId = id('InvitationId', 'inv', '01JNXSC1D2E3F4G5H6J7K8M9NP', 'Invitation');

/**
 * An id as a client sends it (path, query, body): the right prefix and up to 64 letters or digits.
 * Ids the API makes are always `<prefix>_<ULID>` (the components above, in answers); an id of the
 * right kind in another form (`org_123`, copied from an example) names nothing, so it is a 404
 * like any unknown id, while an id of another kind (`proj_…` where `org_…` belongs) stays a 400.
 */
function idRef(name: string, prefix: string, example: string, what: string) {
  return registry.register(
    `${name}Ref`,
    z
      .string()
      .max(prefix.length + 65)
      .regex(new RegExp(`^${prefix}_[0-9A-Za-z]{1,64}$`))
      .openapi({
        description:
          `${what} ID (\`${prefix}_\` followed by a ULID). One of this kind that names nothing you can see, ` +
          `whatever its form, is a 404; an id of another kind is a 400.`,
        example: `${prefix}_${example}`,
      }),
  );
}
export const OrgIdRef = idRef('OrgId', 'org', '01JNXS8QZ3M2V7K4T9R5W6Y8AB', 'Organization');
export const ProjectIdRef = idRef('ProjectId', 'proj', '01JNXS9B2C3D4E5F6G7H8J9KMN', 'Project');
export const TokenIdRef = idRef('TokenId', 'tok', '01JNXSA1B2C3D4E5F6G7H8J9KM', 'Token');
export const UserIdRef = idRef('UserId', 'usr', '01JNXSB1C2D3E4F5G6H7J8K9MN', 'User');
export const InvitationIdRef = idRef('InvitationId', 'inv', '01JNXSC1D2E3F4G5H6J7K8M9NP', 'Invitation');

/**
 * Names people give (organizations, projects, tokens, users): no control characters (C0, DEL, C1).
 * They end up in logs, terminals and CSV exports, and PostgreSQL refuses NUL in text outright.
 */
export const NAME_PATTERN = /^[^\x00-\x1f\x7f-\x9f]+$/;
export const Name = z.string().min(1).max(100).regex(NAME_PATTERN);

/**
 * `X | null` for a registered schema. `.nullable()` on a registered schema emits
 * `allOf: [$ref, {type: [.., null]}]`, which rejects null: a union emits `anyOf` correctly.
 */
export function orNull<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.null()]);
}

/** Pagination, the same on every list: `limit` + opaque `cursor` in, `next_cursor` out. */
export const Cursor = registry.register(
  'Cursor',
  z.string().min(1).max(1024).regex(/^[A-Za-z0-9_-]+$/).openapi({
    description: 'Opaque pagination cursor from a previous `next_cursor`.',
    example: 'eyJrIjoic2Vzc2lvbjp1XzEyMyJ9',
  }),
);
export const NextCursor = orNull(Cursor).openapi({
  description: 'Pass as `cursor` to get the next page; `null` on the last page.',
});
/** Items in one page of a list, at most. */
export const PAGE_MAX = 100;
export const PageQuery = z.object({
  limit: z.number().int().min(1).max(PAGE_MAX).default(50).optional().openapi({ format: 'int32', description: 'Items per page (1–100, default 50).' }),
  cursor: Cursor.optional(),
});

/** Error codes: each is explained in the Errors guide. */
export const ERROR_CODES = {
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  CONFIRMATION_MISMATCH: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  INSUFFICIENT_TOKENS: 402,
  FORBIDDEN: 403,
  INSUFFICIENT_SCOPE: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  KEY_EXISTS: 409,
  NOT_A_NUMBER: 409,
  SLUG_TAKEN: 409,
  EMAIL_TAKEN: 409,
  ALREADY_MEMBER: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_IN_USE: 409,
  TOO_MANY_STREAMS: 429,
  CSRF_REJECTED: 403,
  WEAK_PASSWORD: 400,
  SIGN_IN_LOCKED: 429,
  AUTH_BUSY: 503,
  NOT_A_SAFE_INTEGER: 409,
  INVITATION_PROOF_REQUIRED: 403,
  EMAIL_NOT_VERIFIED: 403,
  VERIFICATION_TOKEN_INVALID: 400,
  SANDBOX_FULL: 409,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

// The error handler's bounds and the trusted origins' length are defined in limits.ts (the server
// imports them without loading the schemas).
export { ERROR_DETAILS_MAX, ERROR_TEXT_MAX, ORIGIN_MAX };

export const ErrorEnvelope = registry.register(
  'Error',
  z
    .object({
      error: z.object({
        code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]).openapi({ example: 'NOT_FOUND' }),
        message: z.string().max(ERROR_TEXT_MAX).openapi({ example: 'No key named session:u_123 in this project.' }),
        docs: z.url().max(2048).openapi({
          description: "Where the docs explain the code: an absolute URL on the server's own origin (`SAASIGNAL_BASE_URL`).",
          example: 'http://localhost:3000/docs#section/Errors/NOT_FOUND',
        }),
        request_id: z.string().max(30).regex(new RegExp(`^req_${ULID}$`)).openapi({ example: 'req_01JNXSD1E2F3G4H5J6K7M8N9PQ' }),
        details: z
          .array(
            z.object({
              path: z.string().max(ERROR_TEXT_MAX).openapi({ example: '/body/ttl' }),
              message: z.string().max(ERROR_TEXT_MAX).openapi({ example: 'must be integer' }),
            }),
          )
          .max(ERROR_DETAILS_MAX)
          .optional()
          .openapi({
            description: `For validation errors: one entry per field that failed (the first ${ERROR_DETAILS_MAX}). For a readiness probe: one entry per check that failed.`,
          }),
      }),
    })
    .openapi({
      description: 'Every error answers with this envelope, whatever the status.',
      // The server reads each code's status from here.
      'x-status-by-code': ERROR_CODES,
      example: {
        error: {
          code: 'NOT_FOUND',
          message: 'No key named session:u_123 in this project.',
          docs: 'http://localhost:3000/docs#section/Errors/NOT_FOUND',
          request_id: 'req_01JNXSD1E2F3G4H5J6K7M8N9PQ',
        },
      },
    }),
);

// ---- response headers ----------------------------------------------------------------------
registry.registerComponent('headers', 'X-Request-Id', {
  description: 'Unique id of this request; quote it when you report a problem.',
  schema: { type: 'string' as const, maxLength: 30, pattern: `^req_${ULID}$`, example: 'req_01JNXSD1E2F3G4H5J6K7M8N9PQ' },
});
registry.registerComponent('headers', 'X-Microtokens-Used', {
  description: 'Microtokens (μt, 1 token = 1,000,000 μt) this request cost.',
  schema: { type: 'integer' as const, format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, example: 2 } as never,
});
registry.registerComponent('headers', 'RateLimit-Policy', {
  description: 'The rate-limit policy of the credential (IETF draft-8): quota `q` per window `w` seconds.',
  // express-rate-limit's draft-8 form; a partition key (`pk=:…:`) may follow.
  schema: { type: 'string' as const, maxLength: 1024, pattern: '^"[^"]+"; q=\\d+; w=\\d+', example: '"600-in-1min"; q=600; w=60' },
});
registry.registerComponent('headers', 'RateLimit', {
  description:
    'Remaining requests `r` and seconds `t` until the window resets (IETF draft-8). Sent with every answer to a request ' +
    'counted against a budget, errors included; not with one refused before (a malformed request, an unknown credential).',
  schema: { type: 'string' as const, maxLength: 1024, pattern: '^"[^"]+"; r=\\d+; t=\\d+', example: '"600-in-1min"; r=599; t=60' },
});
registry.registerComponent('headers', 'Retry-After', {
  description: 'Seconds to wait before retrying.',
  schema: { type: 'integer' as const, format: 'int32', minimum: 0, maximum: 86400, example: 30 } as never,
});
registry.registerComponent('headers', 'Allow', {
  description: 'The methods the path takes (RFC 9110).',
  schema: { type: 'string' as const, maxLength: 64, pattern: '^[A-Z]+(, [A-Z]+)*$', example: 'GET, PUT, DELETE' },
});
registry.registerComponent('headers', 'Access-Control-Allow-Origin', {
  description:
    'CORS: `*` (read by any origin, without credentials), or the caller\'s `Origin` when it is one of the trusted ' +
    'origins (`SAASIGNAL_TRUSTED_ORIGINS`), then with `Access-Control-Allow-Credentials: true`. Sent on every answer.',
  schema: { type: 'string' as const, maxLength: ORIGIN_MAX, pattern: '^(\\*|https?://[^/?#\\s]+)$', example: '*' },
});

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
export const baseHeaders: Headers = { 'X-Request-Id': ref('X-Request-Id'), 'Access-Control-Allow-Origin': ref('Access-Control-Allow-Origin') };
/** Every operation is rate limited; `defineOperation` adds these to each success and to the 429. */
export const rateLimitHeaders: Headers = { 'RateLimit-Policy': ref('RateLimit-Policy'), RateLimit: ref('RateLimit') };
export const meteredHeaders: Headers = {
  ...baseHeaders,
  'X-Microtokens-Used': ref('X-Microtokens-Used'),
  ...rateLimitHeaders,
};

/**
 * Extra headers of a shared error response. A request counted against a budget carries the
 * rate-limit headers whatever its answer; 405 and 415 are answered before any budget is reached.
 */
const ERROR_HEADERS: Record<number, Headers> = {
  ...Object.fromEntries([400, 401, 402, 403, 404, 409, 413, 422].map((s) => [s, rateLimitHeaders])),
  405: { Allow: ref('Allow') },
  429: { ...rateLimitHeaders, 'Retry-After': ref('Retry-After') },
  503: { 'Retry-After': ref('Retry-After') },
};

// ---- shared error responses ----------------------------------------------------------------
const ERROR_RESPONSES = {
  400: ['BadRequest', 'The request is malformed or breaks a constraint; `details` lists each field.'],
  401: ['Unauthorized', 'No credential, or one that is invalid, expired or revoked.'],
  402: ['InsufficientTokens', "The organization's token balance is spent; top it up."],
  403: ['Forbidden', 'The credential is valid but lacks the scope or the kind this operation needs.'],
  404: ['NotFound', 'No such object, or it belongs to another organization or project.'],
  405: ['MethodNotAllowed', 'The path exists but does not take this method; `Allow` lists the methods it takes.'],
  409: ['Conflict', 'The request conflicts with the current state (existing key, taken slug, non-numeric value…).'],
  413: ['PayloadTooLarge', 'The body or a value is larger than allowed (values: 256 KB serialized).'],
  415: ['UnsupportedMediaType', 'The body is not `application/json`.'],
  422: ['UnprocessableContent', 'The request is well-formed but cannot be processed as sent (e.g. an idempotency key reused with a different request).'],
  429: ['RateLimited', 'Too many requests for this credential; wait `Retry-After` seconds.'],
  500: ['InternalError', 'An unexpected failure on our side; quote the `request_id` if you report it.'],
  503: ['ServiceUnavailable', 'A storage service is unreachable; retry shortly.'],
} as const;
export type ErrorStatus = keyof typeof ERROR_RESPONSES;

for (const [status, [name, description]] of Object.entries(ERROR_RESPONSES)) {
  // Each response's example carries the first code of its status, so mocks answer consistently.
  const code = (Object.keys(ERROR_CODES) as ErrorCode[]).find((c) => String(ERROR_CODES[c]) === status);
  registry.registerComponent('responses', name, {
    description,
    headers: { ...baseHeaders, ...ERROR_HEADERS[Number(status)] },
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        example: {
          error: { code, message: description, docs: `http://localhost:3000/docs#section/Errors/${code}`, request_id: 'req_01JNXSD1E2F3G4H5J6K7M8N9PQ' },
        },
      },
    },
  });
}

/** The shared error responses for the given statuses; 400, 415 and 503 apply everywhere a body or store is. */
export function errors(...statuses: ErrorStatus[]) {
  const all = new Set<ErrorStatus>([400, 503, ...statuses]);
  return Object.fromEntries(
    [...all].sort().map((s) => [String(s), { $ref: `#/components/responses/${ERROR_RESPONSES[s][0]}` }]),
  );
}

/** A JSON success response with the standard headers. */
export function ok<T extends z.ZodType>(schema: T, description: string, headers: Headers = baseHeaders) {
  return { description, headers: headers as never, content: { 'application/json': { schema } } };
}

/** A JSON request body. */
export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
  return { required, content: { 'application/json': { schema } } };
}

/** The answer of every delete. */
export const Deleted = registry.register(
  'Deleted',
  z
    .object({
      // Only something that existed is deleted, so the id is one the API made: a kind's prefix and a ULID.
      id: z.string().max(31).regex(new RegExp(`^(org|proj|tok|usr|inv|ogr)_${ULID}$`)).openapi({ example: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN' }),
      deleted: z.literal(true),
    })
    .openapi({ example: { id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN', deleted: true } }),
);

// ---- security schemes ----------------------------------------------------------------------
registry.registerComponent('securitySchemes', 'sessionBearer', {
  type: 'http',
  scheme: 'bearer',
  description: 'The session `token` returned by sign-in or sign-up, as `Authorization: Bearer <token>`.',
});
registry.registerComponent('securitySchemes', 'sessionCookie', {
  type: 'apiKey',
  in: 'cookie',
  name: 'better-auth.session_token',
  description:
    'The session cookie set by sign-in and sign-up, for browsers. Behind https (`SAASIGNAL_BASE_URL` starting ' +
    'with `https:`) its name carries the `__Secure-` prefix: `__Secure-better-auth.session_token`.',
});
registry.registerComponent('securitySchemes', 'apiKeyBearer', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'sk_live_… or sk_test_…',
  description: 'An API token (`sk_live_…`, or `sk_test_…` for the sandbox) as `Authorization: Bearer <token>`.',
});
registry.registerComponent('securitySchemes', 'apiKeyHeader', {
  type: 'apiKey',
  in: 'header',
  name: 'X-Api-Key',
  description: 'An API token (`sk_live_…` or `sk_test_…`) in the `X-Api-Key` header.',
});
registry.registerComponent('securitySchemes', 'browserBearer', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'bt_… (JWT)',
  description: 'A short-lived browser token (`bt_…`) from `POST /core/tokens/browser`.',
});
registry.registerComponent('securitySchemes', 'browserQuery', {
  type: 'apiKey',
  in: 'query',
  name: 'token',
  description: 'A browser token (`bt_…`) in the `token` query parameter, for EventSource, which cannot set headers.',
});
