/**
 * The one registry every tag file registers into, and `defineOperation`, the only way an
 * operation enters the document. Scope, price and SDK method are declared once here per
 * operation and written both as machine-readable extensions (read by the server and the SDK
 * generator) and as prose in the description (read by people in the docs).
 *
 * @module spec/registry
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 */
import { extendZodWithOpenApi, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
export const registry = new OpenAPIRegistry();

/** Credential kinds, each a security scheme in components.securitySchemes. */
export const SCHEMES = {
  session: ['sessionBearer', 'sessionCookie'],
  apiKey: ['apiKeyBearer', 'apiKeyHeader'],
  browser: ['browserBearer'],
  browserQuery: ['browserQuery'],
  oauth: ['oauthBearer'],
} as const;
export type CredentialKind = keyof typeof SCHEMES;

/**
 * How an SDK method maps its positional arguments onto the request:
 * `path:NAME` / `query:NAME` / `body:NAME` take one field; `body` and `query` take the remaining
 * fields as one object; `path+body` takes path parameters and body fields in one object.
 */
export type SdkArg = `path:${string}` | `query:${string}` | `body:${string}` | 'body' | 'query' | 'path+body';

/**
 * The operation's command in the `saasignal` CLI (package/src/cli), which builds its command
 * table from these: `command` is the noun and verb (`kv get`; one word for `balance`), `args`
 * the request fields taken as positional arguments, in order. Without `args`, the single-field
 * SDK arguments (`path:key`, `body:value`) are the positionals, except `org_id`, which becomes
 * `--org-id` with the stored login's organization as its default. Every other field is an option.
 */
export interface CliDef {
  command: string;
  args?: string[];
}

export interface OperationDef extends Omit<RouteConfig, 'security' | 'operationId'> {
  operationId: string;
  /** Credential kinds that may call the operation. Omitted: public. */
  credentials?: CredentialKind[];
  /** The scope the caller must hold; `null` for operations gated by ownership alone. */
  scope?: string | null;
  /** Scope needed per batch op, when the scope depends on the request. */
  scopeByOp?: Record<string, string>;
  /** Price in microtokens of one call (metered operations only). */
  price?: number;
  /** Price in microtokens per batch op. */
  priceByOp?: Record<string, number>;
  /** For an event stream: microtokens per minute it stays open, after the first (see the Streams guide). */
  pricePerMinute?: number;
  /**
   * For a read that returns values: microtokens for each further started 64 KB of a value past its
   * first 64 KB (each `get` of a batch on its own), on top of the price per call (see the Token model guide).
   */
  pricePer64KB?: number;
  /**
   * `false` for probes (spec/health.ts): no limiter, so no 429 and no `RateLimit` headers. An
   * orchestrator probing from one address must never be refused. Written as `x-rate-limited`.
   */
  rateLimited?: false;
  /**
   * The SDK method, e.g. `infra.kv.set`, its arguments in order, and its CLI command. Omitted only
   * for the OAuth protocol endpoints, which OAuth clients call by the RFCs, not through the SDK.
   */
  sdk?: { method: string; args: SdkArg[]; static?: string; cli?: CliDef };
}

const operations: OperationDef[] = [];

/**
 * Every authenticated POST takes an `Idempotency-Key` (spec/idempotency.ts registers the header
 * and the guide explains it): POST is the one method clients cannot safely repeat without one.
 * Sign-up and sign-in (no credential) create a session per call and are left out.
 */
export function isIdempotent(def: Pick<OperationDef, 'method' | 'credentials'>): boolean {
  return def.method === 'post' && (def.credentials?.length ?? 0) > 0;
}

/** Adds `Idempotent-Replayed` to an operation's success responses (a replay carries it). */
function withReplayHeader(responses: RouteConfig['responses']): RouteConfig['responses'] {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      if (!/^2/.test(status) || '$ref' in response) return [status, response];
      const headers = { ...(response.headers as object), 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } };
      return [status, { ...response, headers }];
    }),
  ) as RouteConfig['responses'];
}

/**
 * Errors an operation can answer because of what it is, whatever its tag file lists: every
 * operation is rate limited (429); one with credentials can refuse them (401) or their kind or
 * scope (403); one with a body can find it too large (413) or not JSON (415); a metered one can
 * find the balance spent (402). The server's response validation rejects an undocumented status,
 * so they are added here rather than remembered per operation. Names: spec/common.ts responses.
 */
function impliedErrors(def: OperationDef): Record<string, { $ref: string }> {
  // 405 (a method the path does not take) and 500 can answer any request: typed error unions
  // should include them.
  const statuses: [number, string][] = [[405, 'MethodNotAllowed'], [500, 'InternalError']];
  if (def.rateLimited !== false) statuses.push([429, 'RateLimited']);
  if (def.credentials?.length) statuses.push([401, 'Unauthorized'], [403, 'Forbidden']);
  // An idempotency key reused with another request (422) or while its first request runs (409).
  if (isIdempotent(def)) statuses.push([409, 'Conflict'], [422, 'UnprocessableContent']);
  if (def.request?.body) statuses.push([413, 'PayloadTooLarge'], [415, 'UnsupportedMediaType']);
  if (def.price !== undefined || def.priceByOp) statuses.push([402, 'InsufficientTokens']);
  return Object.fromEntries(statuses.map(([status, name]) => [String(status), { $ref: `#/components/responses/${name}` }]));
}

const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' },
  RateLimit: { $ref: '#/components/headers/RateLimit' },
};

/**
 * Every operation passes a rate limiter, which sets `RateLimit` and `RateLimit-Policy` on its
 * answers: declared on every success here, so that no operation can forget them.
 */
function withRateLimitHeaders(responses: RouteConfig['responses']): RouteConfig['responses'] {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) =>
      /^2\d\d$/.test(status) && !('$ref' in response)
        ? [status, { ...response, headers: { ...(response.headers as object), ...RATE_LIMIT_HEADERS } }]
        : [status, response],
    ),
  ) as RouteConfig['responses'];
}

/**
 * `x-pagination` of a list: a query with `cursor` and an answer with `next_cursor` and one array
 * (the items). Derived rather than declared, so that every list that pages the house way is
 * walked by the SDK's auto-pagination, and one that does not cannot claim to.
 */
function pagination(def: OperationDef): { cursor_param: string; next_cursor_field: string; items: string } | undefined {
  type Shape = Record<string, { def?: { type?: string } }>;
  const query = (def.request?.query as unknown as { shape?: Shape } | undefined)?.shape;
  const ok = def.responses?.[200] as { content?: Record<string, { schema?: { shape?: Shape } }> } | undefined;
  const answer = ok?.content?.['application/json']?.schema?.shape;
  if (!query?.cursor || !answer?.next_cursor) return undefined;
  const items = Object.keys(answer).filter((k) => answer[k].def?.type === 'array');
  if (items.length !== 1) throw new Error(`${def.operationId}: a paginated answer needs exactly one array field, found ${items.join(', ')}`);
  return { cursor_param: 'cursor', next_cursor_field: 'next_cursor', items: items[0] };
}

/**
 * An OAuth access token (a CLI login) acts where an API token does: one rule here rather than a
 * second credential list per operation, so the two can never disagree.
 */
function withOAuth(credentials: CredentialKind[] | undefined): CredentialKind[] | undefined {
  return credentials?.includes('apiKey') && !credentials.includes('oauth') ? [...credentials, 'oauth'] : credentials;
}

/** Registers one operation; its extensions are the single source for scope, price and SDK. */
export function defineOperation(input: OperationDef): void {
  const def = { ...input, credentials: withOAuth(input.credentials) };
  const { credentials, scope, scopeByOp, price, priceByOp, pricePerMinute, pricePer64KB, sdk, description, rateLimited, ...route } = def;
  const scopes = scope ? [scope] : [];
  const security = credentials?.flatMap((kind) => SCHEMES[kind].map((s) => ({ [s]: scopes })));
  const notes: string[] = [];
  if (scope) notes.push(`**Required scope:** \`${scope}\`.`);
  if (scopeByOp) {
    notes.push(
      `**Required scope:** per op — ${Object.entries(scopeByOp)
        .map(([op, s]) => `\`${op}\` needs \`${s}\``)
        .join(', ')}.`,
    );
  }
  if (price !== undefined && pricePerMinute !== undefined) {
    notes.push(`**Price:** ${price} μt per connection (see \`X-Microtokens-Used\`), then ${pricePerMinute} μt for each further minute it stays open.`);
  } else if (price !== undefined) notes.push(`**Price:** ${price} μt per call (see \`X-Microtokens-Used\`).`);
  if (priceByOp) {
    notes.push(
      `**Price:** charged per op — ${Object.entries(priceByOp)
        .map(([op, p]) => `\`${op}\` ${p} μt`)
        .join(', ')}.`,
    );
  }
  if (pricePer64KB !== undefined) {
    notes.push(`**Price by size:** a value over 64 KB costs ${pricePer64KB} μt more for each further started 64 KB it is returned with.`);
  }
  const idempotent = isIdempotent(def);
  if (idempotent) notes.push('**Idempotent:** send an `Idempotency-Key` to make a retry safe (see the Idempotency guide).');
  operations.push(def);
  const page = pagination(def);
  registry.registerPath({
    ...route,
    ...(idempotent ? { parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }] } : {}),
    responses: {
      ...impliedErrors(def),
      ...(rateLimited === false ? route.responses : withRateLimitHeaders(idempotent ? withReplayHeader(route.responses) : route.responses)),
    },
    description: [description, ...notes].filter(Boolean).join('\n\n'),
    ...(security ? { security } : { security: [] }),
    'x-scope': scope ?? null,
    ...(scopeByOp ? { 'x-scope-by-op': scopeByOp } : {}),
    ...(price !== undefined ? { 'x-price-microtokens': price } : {}),
    ...(priceByOp ? { 'x-price-microtokens-by-op': priceByOp } : {}),
    ...(pricePerMinute !== undefined ? { 'x-price-microtokens-per-minute': pricePerMinute } : {}),
    ...(pricePer64KB !== undefined ? { 'x-price-microtokens-per-64kb': pricePer64KB } : {}),
    'x-credentials': credentials ?? [],
    ...(rateLimited === false ? { 'x-rate-limited': false } : {}),
    ...(idempotent ? { 'x-idempotent': true } : {}),
    ...(sdk ? { 'x-sdk': sdk } : {}),
    ...(page ? { 'x-pagination': page } : {}),
  } as RouteConfig);
}

export function definedOperations(): readonly OperationDef[] {
  return operations;
}
