/**
 * The curl and SDK samples of the docs, generated from the document: exactly what a person would
 * type for real operations, and driven by `x-sdk`, `x-credentials` and schema examples alone (a
 * made-up operation gets a correct sample too).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeSamples, curlSample, sdkSample, withCodeSamples } from '../../docs-site/code-samples.ts';
import { type Json, operations } from '../../lib/openapi-document.ts';

const doc: Json = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const byId = (d: Json, id: string) => {
  const op = operations(d).find((o) => o.operationId === id);
  if (!op) throw new Error(`no operation ${id}`);
  return op;
};

describe('samples of the document', () => {
  it.each([
    [
      'setValue',
      {
        curl: `curl -X PUT http://localhost:3000/infra/kv/session:u_123 \\
  -H "Authorization: Bearer $SAASIGNAL_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"value":{"userId":"u_123","role":"admin"},"ttl":86400}'`,
        sdk: `import { createClient } from 'saasignal'

const ss = createClient(process.env.SAASIGNAL_API_KEY)
await ss.infra.kv.set('session:u_123', { userId: 'u_123', role: 'admin' }, { ttl: 86400 })`,
      },
    ],
    [
      'createToken',
      {
        curl: `curl -X POST http://localhost:3000/core/organizations/org_01JNXS8QZ3M2V7K4T9R5W6Y8AB/tokens \\
  -H "Authorization: Bearer $SAASIGNAL_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"name":"Production Key","project_id":"proj_01JNXS9B2C3D4E5F6G7H8J9KMN","scopes":["kv:read","kv:write","channels:publish"]}'`,
        sdk: `import { createClient } from 'saasignal'

const ss = createClient(process.env.SAASIGNAL_API_KEY)
const createdToken = await ss.core.orgs.createToken({
  org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
  name: 'Production Key',
  project_id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN',
  scopes: ['kv:read', 'kv:write', 'channels:publish'],
})`,
      },
    ],
    [
      'scanKeys',
      {
        curl: `curl "http://localhost:3000/infra/kv?prefix=session:&limit=50" \\
  -H "Authorization: Bearer $SAASIGNAL_API_KEY"`,
        sdk: `import { createClient } from 'saasignal'

const ss = createClient(process.env.SAASIGNAL_API_KEY)
const scanResult = await ss.infra.kv.scan({ prefix: 'session:', limit: 50 })`,
      },
    ],
    [
      'createBrowserToken',
      {
        curl: `curl -X POST http://localhost:3000/core/tokens/browser \\
  -H "Authorization: Bearer $SAASIGNAL_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"scopes":["channels:subscribe","kv:read"],"ttl":900}'`,
        sdk: `import { SaaSignalClient } from 'saasignal'

const browserToken = await SaaSignalClient.createBrowserToken({
  apiKey: process.env.SAASIGNAL_API_KEY!,
  scopes: ['channels:subscribe', 'kv:read'],
  ttl: 900,
})`,
      },
    ],
    [
      'getTokenBalance',
      {
        curl: `curl "http://localhost:3000/core/tokens/balance?org_id=org_01JNXS8QZ3M2V7K4T9R5W6Y8AB" \\
  -H "Authorization: Bearer $SAASIGNAL_API_KEY"`,
        sdk: `import { createClient } from 'saasignal'

const ss = createClient(process.env.SAASIGNAL_API_KEY)
const tokenBalance = await ss.core.billing.tokenBalance('org_01JNXS8QZ3M2V7K4T9R5W6Y8AB')`,
      },
    ],
    [
      'createOrganization',
      {
        curl: `curl -X POST http://localhost:3000/core/organizations \\
  -H "Authorization: Bearer $SAASIGNAL_TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{"name":"Acme Corp","slug":"acme-corp"}'`,
        sdk: `import { createClient } from 'saasignal'

const ss = createClient(process.env.SAASIGNAL_TOKEN)
const organization = await ss.core.orgs.create({ name: 'Acme Corp', slug: 'acme-corp' })`,
      },
    ],
    [
      'batchOperations',
      {
        curl: `curl -X POST http://localhost:3000/infra/kv \\
  -H "Authorization: Bearer $SAASIGNAL_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"ops":[{"op":"get","key":"config:flags"},{"op":"set","key":"session:new","value":{"userId":"u_456"},"ttl":3600},{"op":"delete","key":"session:old"}]}'`,
        sdk: `import { createClient } from 'saasignal'

const ss = createClient(process.env.SAASIGNAL_API_KEY)
const batchResult = await ss.infra.kv.batch([
  { op: 'get', key: 'config:flags' },
  { op: 'set', key: 'session:new', value: { userId: 'u_456' }, ttl: 3600 },
  { op: 'delete', key: 'session:old' },
])`,
      },
    ],
    [
      'subscribeChannel',
      {
        curl: `curl -N http://localhost:3000/infra/channels/my-channel/subscribe \\
  -H "Authorization: Bearer $SAASIGNAL_API_KEY"`,
        sdk: `import { createClient } from 'saasignal'

const ss = createClient(process.env.SAASIGNAL_API_KEY)
for await (const event of ss.infra.channels.subscribe('my-channel')) {
  console.log(event.event, event.data)
}`,
      },
    ],
    [
      'signInEmail',
      {
        curl: `curl -X POST http://localhost:3000/api/auth/sign-in/email \\
  -H "Content-Type: application/json" \\
  -d '{"email":"alice@acme.com","password":"a-long-secure-passphrase"}'`,
        sdk: `import { createClient } from 'saasignal'

const ss = createClient()
const authResult = await ss.auth.signIn({ email: 'alice@acme.com', password: 'a-long-secure-passphrase' })`,
      },
    ],
  ])('%s', (id, want) => {
    const op = byId(doc, id);
    expect(curlSample(doc, op)).toBe(want.curl);
    expect(sdkSample(doc, op)).toBe(want.sdk);
  });

  it('gives every operation a curl and an SDK sample, in that order, then a CLI one where it has a command', () => {
    const enriched = withCodeSamples(doc);
    for (const op of operations(enriched)) {
      // The OAuth protocol endpoints have no SDK method (OAuth clients call them by the RFCs): curl only.
      const sdk = op.op['x-sdk'];
      const labels = !sdk ? ['curl'] : sdk.cli ? ['curl', 'SDK', 'CLI'] : ['curl', 'SDK'];
      expect(op.op['x-codeSamples'].map((s: Json) => s.label), op.operationId).toEqual(labels);
    }
    // The source document is left as it was.
    expect(operations(doc).some((o) => o.op['x-codeSamples'])).toBe(false);
  });

  it('puts a form body into the curl sample of an OAuth endpoint, each field URL-encoded', () => {
    const token = operations(doc).find((o) => o.op.operationId === 'requestOAuthToken')!;
    const [curl] = codeSamples(doc, token).map((s) => s.source);
    expect(curl).toContain("--data-urlencode 'grant_type=authorization_code'");
    expect(curl).not.toContain('application/json');
  });

  it('puts every path parameter of the operation into the URL and every SDK call', () => {
    for (const op of operations(doc)) {
      const [curl, sdk] = codeSamples(doc, op).map((s) => s.source);
      // The URL line: no `{param}` left, nothing undefined.
      expect(curl.split('\n')[0], op.operationId).not.toMatch(/[{}]|undefined/);
      if (!op.op['x-sdk']) continue;
      expect(sdk, op.operationId).not.toContain('undefined');
      expect(sdk, op.operationId).toContain(`${op.op['x-sdk'].static ?? op.op['x-sdk'].method.split('.').pop()}(`);
    }
  });
});

/** A document no real endpoint is in: the samples must follow its extensions and examples. */
const synthetic: Json = {
  openapi: '3.1.0',
  info: { title: 'T', version: '1' },
  servers: [{ url: 'https://{host}/v1', variables: { host: { default: 'api.example.com' } } }],
  components: {
    securitySchemes: { q: { type: 'apiKey', in: 'query', name: 'access' } },
    schemas: {
      Widget: { type: 'object', properties: { id: { type: 'string', example: 'w 1/2' } } },
      WidgetInput: {
        type: 'object',
        required: ['label', 'size'],
        properties: {
          label: { type: 'string', example: "it's" },
          size: { type: 'integer', minimum: 3 },
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
        },
      },
    },
  },
  paths: {
    '/gadgets/{gadget_id}/widgets': {
      post: {
        operationId: 'makeWidget',
        'x-credentials': ['session'],
        'x-sdk': { method: 'shop.widgets.make', args: ['path:gadget_id', 'body:label', 'body'] },
        parameters: [
          { name: 'gadget_id', in: 'path', required: true, schema: { type: 'string', example: 'g 1/2' } },
          { name: 'dry_run', in: 'query', required: true, schema: { type: 'boolean' } },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/WidgetInput' } } } },
        responses: { 201: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } } } },
      },
    },
    '/feed': {
      get: {
        operationId: 'readFeed',
        security: [{ q: [] }],
        'x-credentials': ['browserQuery'],
        'x-sdk': { method: 'feed.read', args: [] },
        parameters: [{ name: 'access', in: 'query', schema: { type: 'string', example: 'secret' } }],
        responses: { 204: { description: 'nothing' } },
      },
    },
  },
};

describe('samples of any document', () => {
  it.each([
    [
      'makeWidget',
      `curl -X POST "https://api.example.com/v1/gadgets/g%201%2F2/widgets?dry_run=false" \\
  -H "Authorization: Bearer $SAASIGNAL_TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{"label":"it'\\''s","size":3}'`,
      `import { createClient } from 'saasignal'

const ss = createClient(process.env.SAASIGNAL_TOKEN)
const widget = await ss.shop.widgets.make('g 1/2', 'it\\'s', { size: 3 })`,
    ],
    [
      'readFeed',
      `curl "https://api.example.com/v1/feed?access=$SAASIGNAL_BROWSER_TOKEN"`,
      `import { createClient } from 'saasignal'

const ss = createClient(process.env.SAASIGNAL_BROWSER_TOKEN)
await ss.feed.read()`,
    ],
  ])('%s', (id, curl, sdk) => {
    const op = byId(synthetic, id);
    expect(curlSample(synthetic, op)).toBe(curl);
    expect(sdkSample(synthetic, op)).toBe(sdk);
  });
});
