/**
 * The generated document is the product: these tests read generated/openapi.json itself and
 * assert every constraint of the docs is there exactly (zod-to-openapi drops some silently).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderGenerated } from '../../scripts/render.ts';

const doc = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const schemas = doc.components.schemas;

/** Follows `$ref`s; a refined reference (`allOf: [$ref, {description}]`) resolves to the merged schema. */
function resolve(node: any): any {
  while (node?.$ref) node = node.$ref.split('/').slice(1).reduce((n: any, k: string) => n[k], doc);
  if (node?.allOf) return Object.assign({}, ...node.allOf.map(resolve), { allOf: undefined });
  return node;
}
const op = (path: string, method: string) => doc.paths[path][method];
const body = (path: string, method: string) => resolve(op(path, method).requestBody.content['application/json'].schema);
const param = (path: string, method: string, name: string) =>
  resolve(resolve(op(path, method).parameters.find((p: any) => resolve(p).name === name)).schema);

const KEY = '^(?!.*\\.\\.)[^\\x00-\\x1f\\x7f]+$';
const PREFIX = '^(?!.*\\.\\.)[^\\x00-\\x1f\\x7f]*$';
const EMAIL = "^(?!\\.)(?!.*\\.\\.)([A-Za-z0-9_'+\\-\\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$";
const ISO =
  '^(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))T(?:(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d+)?)?(?:Z))$';

describe('generated/openapi.json', () => {
  it('is OpenAPI 3.1.0 and up to date with spec/', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const fresh = await renderGenerated();
    expect(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')).toBe(fresh['openapi.json']);
  });

  // [what, actual, expected]: each constraint of the docs, byte for byte.
  const constraints: [string, () => unknown, unknown][] = [
    ['Key pattern', () => schemas.Key.pattern, KEY],
    ['Key length', () => [schemas.Key.minLength, schemas.Key.maxLength], [1, 512]],
    ['Key refuses "."', () => schemas.Key.not, { const: '.' }],
    ['every KV path param is the Key', () => ['get', 'put', 'delete'].map((m) => param('/infra/kv/{key}', m, 'key').pattern), [KEY, KEY, KEY]],
    ['increment key', () => param('/infra/kv/{key}/increment', 'post', 'key').pattern, KEY],
    ['set: value required', () => body('/infra/kv/{key}', 'put').required, ['value']],
    ['set: value is any JSON', () => Object.keys(body('/infra/kv/{key}', 'put').properties.value).filter((k) => k === 'type'), []],
    ['set: closed body', () => body('/infra/kv/{key}', 'put').additionalProperties, false],
    ['ttl: integer > 0', () => [schemas.Ttl.type, schemas.Ttl.exclusiveMinimum], ['integer', 0]],
    ['ttl: ≤ 2^53-1', () => schemas.Ttl.maximum, 9007199254740991],
    ['set: ttl is Ttl', () => body('/infra/kv/{key}', 'put').properties.ttl.$ref, '#/components/schemas/Ttl'],
    ['if_not_exists default false', () => body('/infra/kv/{key}', 'put').properties.if_not_exists, expect.objectContaining({ type: 'boolean', default: false })],
    ['delta default 1', () => body('/infra/kv/{key}/increment', 'post').properties.delta, expect.objectContaining({ type: 'number', default: 1 })],
    ['increment ttl is Ttl', () => body('/infra/kv/{key}/increment', 'post').properties.ttl.allOf[0].$ref, '#/components/schemas/Ttl'],
    ['scan prefix', () => param('/infra/kv', 'get', 'prefix'), expect.objectContaining({ maxLength: 512, pattern: PREFIX })],
    ['scan limit', () => param('/infra/kv', 'get', 'limit'), expect.objectContaining({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })],
    ['scan cursor', () => param('/infra/kv', 'get', 'cursor').type, 'string'],
    ['batch ≤ 100 ops', () => body('/infra/kv', 'post').properties.ops.maxItems, 100],
    ['batch ops discriminated on op', () => resolve(schemas.BatchOp).discriminator?.propertyName ?? resolve(schemas.BatchOp).oneOf?.length, expect.anything()],
    ['batch op variants', () => resolve(schemas.BatchOp).oneOf.map((s: any) => resolve(s).properties.op.const ?? resolve(s).properties.op.enum?.[0]), ['get', 'set', 'delete']],
    ['batch set value required', () => resolve(schemas.BatchSetOp).required, expect.arrayContaining(['op', 'key', 'value'])],
    ['region enum', () => schemas.Region.enum, ['wnam', 'enam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me']],
    ['region default enam', () => body('/core/organizations/{org_id}/projects', 'post').properties.region, expect.objectContaining({ default: 'enam', enum: schemas.Region.enum })],
    ['project name required', () => body('/core/organizations/{org_id}/projects', 'post').required, ['name']],
    ['slug pattern', () => schemas.Slug.pattern, '^[a-z0-9-]+$'],
    ['org name min 1', () => body('/core/organizations', 'post').properties.name.minLength, 1],
    ['org create: name required', () => body('/core/organizations', 'post').required, ['name']],
    ['org update slug pattern', () => resolve(body('/core/organizations/{org_id}', 'patch').properties.slug).pattern, '^[a-z0-9-]+$'],
    ['email pattern', () => schemas.Email.pattern, EMAIL],
    ['invite email', () => resolve(body('/core/organizations/{org_id}/members/invite', 'post').properties.email).pattern, EMAIL],
    ['expires_at ISO pattern', () => resolve(body('/core/organizations/{org_id}/tokens', 'post').properties.expires_at).pattern, ISO],
    ['token: name + scopes required', () => body('/core/organizations/{org_id}/tokens', 'post').required, ['name', 'scopes']],
    ['browser ttl 60–1800 default 900', () => body('/core/tokens/browser', 'post').properties.ttl, expect.objectContaining({ type: 'integer', minimum: 60, maximum: 1800, default: 900 })],
    ['confirm_name required', () => body('/core/organizations/{org_id}', 'delete').required, ['confirm_name']],
    ['confirm_name min 1', () => body('/core/organizations/{org_id}', 'delete').properties.confirm_name.minLength, 1],
    ['balance needs org_id', () => resolve(op('/core/tokens/balance', 'get').parameters[0]), expect.objectContaining({ name: 'org_id', in: 'query', required: true })],
  ];
  it.each(constraints)('%s', (_name, actual, expected) => {
    expect(actual()).toEqual(expected);
  });

  it('lists every scope of the docs, with * and resource:* wildcards', () => {
    const docsScopes =
      'kv:read kv:write locks:read locks:write sketches:read sketches:write channels:publish channels:subscribe jobs:read jobs:write workflows:read workflows:write webhooks:read webhooks:write logistics:read logistics:write logistics:admin logistics:track delivery:read delivery:write orgs:read orgs:write projects:read projects:write tokens:read tokens:write billing:read'.split(' ');
    const wildcards = [...new Set(docsScopes.map((s) => `${s.split(':')[0]}:*`))];
    expect(new Set(schemas.Scope.enum)).toEqual(new Set(['*', ...wildcards, ...docsScopes]));
    expect(schemas.Scope.enum).not.toContain('kv:delete');
  });

  // [method, path, operationId, scope, price]: the docs' operations and their required scopes.
  const operations: [string, string, string, string | null, number | null][] = [
    ['post', '/api/auth/sign-up/email', 'signUpEmail', null, null],
    ['post', '/api/auth/sign-in/email', 'signInEmail', null, null],
    ['post', '/api/auth/sign-out', 'signOut', null, null],
    ['get', '/api/auth/get-session', 'getSession', null, null],
    ['get', '/api/auth/verify-email', 'verifyEmail', null, null],
    ['get', '/core/organizations', 'listOrganizations', 'orgs:read', null],
    ['post', '/core/organizations', 'createOrganization', 'orgs:write', null],
    ['get', '/core/organizations/{org_id}', 'getOrganization', 'orgs:read', null],
    ['patch', '/core/organizations/{org_id}', 'updateOrganization', 'orgs:write', null],
    ['delete', '/core/organizations/{org_id}', 'deleteOrganization', '*', null],
    ['get', '/core/organizations/{org_id}/members', 'listMembers', 'orgs:read', null],
    ['post', '/core/organizations/{org_id}/members/invite', 'inviteMember', 'orgs:write', null],
    ['get', '/core/organizations/{org_id}/my-scopes', 'getMyScopes', 'orgs:read', null],
    ['put', '/core/organizations/{org_id}/members/{user_id}/scopes', 'updateMemberScopes', 'orgs:write', null],
    ['delete', '/core/organizations/{org_id}/members/{user_id}', 'removeMember', 'orgs:write', null],
    ['get', '/core/invitations', 'listInvitations', null, null],
    ['post', '/core/invitations/{invitation_id}/accept', 'acceptInvitation', null, null],
    ['get', '/core/organizations/{org_id}/invitations', 'listOrgInvitations', 'orgs:read', null],
    ['delete', '/core/organizations/{org_id}/invitations/{invitation_id}', 'revokeInvitation', 'orgs:write', null],
    ['get', '/core/organizations/{org_id}/usage', 'getUsage', 'billing:read', null],
    ['post', '/core/organizations/{org_id}/projects/{project_id}/dashboard-token', 'createDashboardToken', null, null],
    ['get', '/core/organizations/{org_id}/projects', 'listProjects', 'projects:read', null],
    ['post', '/core/organizations/{org_id}/projects', 'createProject', 'projects:write', null],
    ['get', '/core/organizations/{org_id}/projects/{project_id}', 'getProject', 'projects:read', null],
    ['delete', '/core/organizations/{org_id}/projects/{project_id}', 'deleteProject', 'projects:write', null],
    ['get', '/core/organizations/{org_id}/tokens', 'listTokens', 'tokens:read', null],
    ['post', '/core/organizations/{org_id}/tokens', 'createToken', 'tokens:write', null],
    ['delete', '/core/organizations/{org_id}/tokens/{token_id}', 'revokeToken', 'tokens:write', null],
    ['post', '/core/tokens/browser', 'createBrowserToken', null, null],
    ['get', '/core/tokens/balance', 'getTokenBalance', 'billing:read', null],
    ['get', '/infra/kv/{key}', 'getValue', 'kv:read', 1],
    ['put', '/infra/kv/{key}', 'setValue', 'kv:write', 2],
    ['delete', '/infra/kv/{key}', 'deleteValue', 'kv:write', 1],
    ['post', '/infra/kv/{key}/increment', 'incrementValue', 'kv:write', 2],
    ['get', '/infra/kv', 'scanKeys', 'kv:read', 5],
    ['post', '/infra/kv', 'batchOperations', null, null],
    ['post', '/infra/channels/{channel}/publish', 'publishEvent', 'channels:publish', 3],
    ['get', '/infra/channels/{channel}/subscribe', 'subscribeChannel', 'channels:subscribe', 5],
    ['get', '/core/oauth/authorization', 'getOAuthAuthorization', null, null],
    ['post', '/core/oauth/authorization', 'decideOAuthAuthorization', null, null],
    ['get', '/core/oauth/device', 'getOAuthDevice', null, null],
    ['post', '/core/oauth/device', 'decideOAuthDevice', null, null],
    ['get', '/core/oauth/grants', 'listOAuthGrants', null, null],
    ['delete', '/core/oauth/grants/{grant_id}', 'revokeOAuthGrant', null, null],
    ['get', '/healthz', 'getLiveness', null, null],
    ['get', '/readyz', 'getReadiness', null, null],
  ];
  // The OAuth protocol endpoints: public, called by OAuth clients as the RFCs say, not through the SDK.
  const protocol: [string, string, string][] = [
    ['get', '/.well-known/oauth-authorization-server', 'getAuthorizationServerMetadata'],
    ['post', '/oauth/token', 'requestOAuthToken'],
    ['post', '/oauth/device/code', 'requestDeviceAuthorization'],
    ['post', '/oauth/revoke', 'revokeOAuthToken'],
  ];
  it('has exactly the documented operations', () => {
    const actual = Object.entries<any>(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`));
    expect(actual.sort()).toEqual([...operations, ...protocol].map(([m, p]) => `${m} ${p}`).sort());
  });
  it.each(protocol)('%s %s: %s is public, form-encoded, with RFC 6749 errors and no SDK method', (method, path, operationId) => {
    const o = op(path, method);
    expect(o.operationId).toBe(operationId);
    expect(o.security).toEqual([]);
    expect(o['x-sdk']).toBeUndefined();
    if (method === 'post') {
      expect(Object.keys(o.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
      expect(o.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/OAuthError');
    }
  });
  it('lets an OAuth access token call exactly what an API token can, with the same scope', () => {
    for (const item of Object.values<any>(doc.paths)) {
      for (const o of Object.values<any>(item)) {
        const apiKey = o.security.find((r: object) => 'apiKeyBearer' in r);
        const oauth = o.security.find((r: object) => 'oauthBearer' in r);
        expect(oauth?.oauthBearer, o.operationId).toEqual(apiKey?.apiKeyBearer);
      }
    }
  });
  it("keeps usage's bounds true: every operation fits UsageByOperation, and there are fewer than by_operation's maxItems", () => {
    const all = Object.values<any>(doc.paths).flatMap((item) => Object.values<any>(item));
    const { operation_id, primitive } = schemas.UsageByOperation.properties;
    expect(all.length).toBeLessThanOrEqual(schemas.Usage.properties.by_operation.maxItems);
    for (const o of all) {
      expect(o.operationId).toMatch(new RegExp(operation_id.pattern));
      expect(o.operationId.length).toBeLessThanOrEqual(operation_id.maxLength);
      expect(o.tags[0]).toMatch(new RegExp(primitive.pattern));
      expect(o.tags[0].length).toBeLessThanOrEqual(primitive.maxLength);
    }
  });
  it.each(operations)('%s %s: %s, scope %s, price %s', (method, path, operationId, scope, price) => {
    const o = op(path, method);
    expect(o.operationId).toBe(operationId);
    expect(o['x-scope']).toBe(scope);
    expect(o['x-price-microtokens'] ?? null).toBe(price);
    expect(o.tags).toHaveLength(1);
    expect(o.summary).toMatch(/^[A-Z]/);
    expect(o['x-sdk'].method).toMatch(/^[a-z]+(\.[a-zA-Z]+)+$/);
    // Scopes sit in the security requirements too, where generic tools read them.
    for (const req of o.security) expect(Object.values(req)[0]).toEqual(scope ? [scope] : []);
    if (scope) expect(o.description).toContain(`\`${scope}\``);
  });

  it('scan costs 5 μt as the docs fix; batch is priced and scoped per op', () => {
    expect(op('/infra/kv', 'get')['x-price-microtokens']).toBe(5);
    expect(op('/infra/kv', 'post')['x-price-microtokens-by-op']).toEqual({ get: 1, set: 2, delete: 1 });
    expect(op('/infra/kv', 'post')['x-scope-by-op']).toEqual({ get: 'kv:read', set: 'kv:write', delete: 'kv:write' });
  });

  it('has one error envelope and shared responses for every documented status', () => {
    expect(schemas.Error.properties.error.required).toEqual(expect.arrayContaining(['code', 'message', 'docs', 'request_id']));
    for (const [name, status] of [
      ['BadRequest', 400], ['Unauthorized', 401], ['InsufficientTokens', 402], ['Forbidden', 403], ['NotFound', 404],
      ['Conflict', 409], ['PayloadTooLarge', 413], ['RateLimited', 429],
    ] as const) {
      const r = doc.components.responses[name];
      expect(r.content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
      expect(schemas.Error['x-status-by-code']).toEqual(expect.objectContaining({}));
      expect(Object.values(schemas.Error['x-status-by-code'])).toContain(status);
    }
    // KV set documents everything the docs list for it, plus 413 for oversized values.
    expect(Object.keys(op('/infra/kv/{key}', 'put').responses)).toEqual(expect.arrayContaining(['200', '401', '402', '409', '413', '429']));
    expect(Object.keys(op('/infra/kv/{key}', 'delete').responses)).toEqual(expect.arrayContaining(['401', '402', '404', '429']));
    expect(Object.keys(op('/core/tokens/browser', 'post').responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
  });

  it('has the documented credential kinds as security schemes', () => {
    const s = doc.components.securitySchemes;
    expect(s.sessionBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(s.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'better-auth.session_token' });
    expect(s.apiKeyBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(s.apiKeyHeader).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Api-Key' });
    expect(s.browserBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(s.browserQuery).toMatchObject({ type: 'apiKey', in: 'query', name: 'token' });
    expect(s.oauthBearer).toMatchObject({ type: 'oauth2', flows: { authorizationCode: { authorizationUrl: '/oauth/authorize', tokenUrl: '/oauth/token' } } });
    expect(Object.keys(s.oauthBearer.flows.authorizationCode.scopes)).toEqual(schemas.Scope.enum);
    expect(op('/infra/channels/{channel}/subscribe', 'get').security).toContainEqual({ browserQuery: ['channels:subscribe'] });
  });

  it('has an example on every schema and every patterned field (Prism cannot invent one)', () => {
    const missing: string[] = [];
    const walk = (node: any, where: string, hasExample: boolean) => {
      if (!node || typeof node !== 'object') return;
      const ex = hasExample || node.example !== undefined || node.examples !== undefined;
      if (node.pattern && !ex) missing.push(where);
      for (const [k, v] of Object.entries(node)) if (k !== 'example') walk(v, `${where}/${k}`, ex && k !== 'properties');
    };
    for (const [name, schema] of Object.entries<any>(schemas)) {
      if (schema.example === undefined && !schema.oneOf) missing.push(name);
      walk(schema, name, false);
    }
    expect(missing).toEqual([]);
  });
});
