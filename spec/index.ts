/**
 * Builds the one OpenAPI 3.1 document from every tag file. Guides (Markdown in `spec/guides/`)
 * become the info and tag descriptions, so the docs site, llms.txt and the SDK read one source.
 *
 * @module spec
 */
import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { renderGuides } from './guides/render.ts';
import { registry } from './registry.ts';
import './common.ts';
import './idempotency.ts';
import './auth.ts';
import './organizations.ts';
import './members.ts';
import './org-invitations.ts';
import './projects.ts';
import './tokens.ts';
import './dashboard-token.ts';
import './billing.ts';
import './usage.ts';
import './kv.ts';
import './channels.ts';
import './oauth.ts';
import './health.ts';

export const TAGS = [
  ['Auth', 'Email accounts and sessions.'],
  ['Organizations', 'Organizations are the top-level container for projects, billing and members. Every user belongs to at least one.'],
  ['Members', 'Organization members, their scoped permissions, and invitations.'],
  ['Projects', 'Projects live inside organizations and isolate KV namespaces and channels.'],
  ['Tokens', 'Scoped API tokens for an organization or a project, and short-lived browser tokens.'],
  ['Billing', 'The metered token balance of an organization.'],
  ['KV', 'A key-value store namespaced per project. Test tokens (`sk_test_…`) see a separate sandbox.'],
  ['Channels', 'Realtime channels: publish events, subscribe with server-sent events.'],
  ['OAuth', 'Sign-in for the `saasignal` CLI: OAuth 2.1 authorization code with PKCE and the device flow, and the CLI sessions they create.'],
  ['Health', 'Liveness and readiness probes for load balancers and orchestrators: public, free and never rate limited.'],
] as const;

export function buildDocument() {
  const generator = new OpenApiGeneratorV31(registry.definitions);
  const doc = generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'SaaSignal API',
      version: '1.0.0',
      // @ts-expect-error `summary` is OpenAPI 3.1 but missing from the generator's InfoObject type.
      summary: 'Accounts, organizations, projects, scoped tokens, metering, KV and realtime channels.',
      // Filled below from spec/guides/, which read facts (scopes, prices, statuses) from the document.
      description: '',
      license: { name: 'MIT', identifier: 'MIT' },
      contact: { name: 'SaaSignal', url: 'https://github.com/saasignal' },
    },
    servers: [
      {
        // Relative: the reference is served by the API server itself, so its origin is the API's.
        url: '/',
        description: 'This SaaSignal server. `npm start` serves on http://localhost:3000.',
        // Where clients outside a browser (SDK, curl samples) go when told nothing else.
        'x-default-origin': 'http://localhost:3000',
        // The API is public: every operation is meant for outside callers (OWASP API9, inventory).
        'x-internal': false,
      } as { url: string; description: string },
    ],
    tags: [...TAGS.map(([name, description]) => ({ name, description }))],
  });
  doc.info.description = renderGuides(doc);
  return doc;
}
