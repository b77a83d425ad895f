/**
 * Type tests: the docs' TypeScript examples, copied unchanged except for their import lines,
 * compile against the generated SDK; wrong calls do not (`@ts-expect-error`).
 * Run by vitest's typecheck (project `unit`).
 */
import { describe, expectTypeOf, it } from 'vitest';
// Docs: import { createClient } from 'saasignal'  (tsconfig paths: the SDK's source, generated/sdk.ts)
import { type APIConnectionError, type APITimeoutError, type ChannelEvent, createClient, SaaSignalClient, NotFoundError, SaaSignalError } from 'saasignal';

// Docs: import { NextResponse } from 'next/server' — not installed here; the same call shape.
declare const NextResponse: { json(body: unknown): Response };
declare const userId: string;

describe('the docs examples compile', () => {
  it('quick start and authentication', async () => {
    // Quick start: Initialize the client
    const ss = createClient(process.env.SAASIGNAL_KEY!);

    // Quick start: Make your first call (inside a Next.js route)
    async function POST(req: Request) {
      const session = await req.json()
      await ss.infra.kv.set(`session:${session.userId}`, session, { ttl: 86400 })
      return NextResponse.json({ ok: true })
    }
    void POST;

    // Authentication
    const ss1 = createClient('sk_live_abc123...')
    const ss2 = createClient()
    void ss1;
    void ss2;

    // Browser tokens
    const { token, expires_at } = await SaaSignalClient.createBrowserToken({
      apiKey: 'sk_live_abc123...',
      scopes: ['channels:subscribe', 'kv:read'],
      ttl: 900,
    })
    expectTypeOf(token).toEqualTypeOf<string>();
    expectTypeOf(expires_at).toEqualTypeOf<string>();

    // Token model
    const balance = await ss.core.billing.tokenBalance('org_123')
    console.log(balance.total) // 4.82
    expectTypeOf(balance.total).toEqualTypeOf<number>();
  });

  it('platform', async () => {
    const ss = createClient();
    const orgs = await ss.core.orgs.list()
    const org = await ss.core.orgs.create({ name: 'Acme Corp' })
    const org2 = await ss.core.orgs.get('org_01JNXS...')
    await ss.core.orgs.update('org_01JNXS...', { name: 'Acme Inc' })
    // The seed's call without a confirmation must not compile: the body (`confirm_name`) is
    // required, so a deletion is always deliberate (see the reference beside this example).
    // @ts-expect-error confirm_name is required
    await ss.core.orgs.delete('org_01JNXS...')
    await ss.core.orgs.delete('org_01JNXS...', { confirm_name: 'Acme Corp' })
    const members = await ss.core.orgs.listMembers('org_01JNXS...')
    await ss.core.orgs.invite('org_01JNXS...', {
      email: 'alice@acme.com',
      scopes: ['kv:read', 'kv:write', 'channels:publish'],
    })
    const scopes = await ss.core.orgs.myScopes('org_01JNXS...')
    await ss.core.orgs.updateMemberScopes('org_01JNXS...', 'u_123', {
      scopes: ['kv:read', 'channels:subscribe'],
    })
    await ss.core.orgs.removeMember('org_01JNXS...', 'u_123')
    const projects = await ss.core.orgs.listProjects('org_01JNXS...')
    const project = await ss.core.orgs.createProject('org_01JNXS...', { name: 'Production' })
    const project2 = await ss.core.orgs.getProject('org_01JNXS...', 'proj_01JNXS...')
    await ss.core.orgs.deleteProject('org_01JNXS...', 'proj_01JNXS...')
    const tokens = await ss.core.orgs.listTokens('org_01JNXS...')
    const token = await ss.core.orgs.createToken({
      org_id: 'org_01JNXS...',
      project_id: 'proj_01JNXS...',
      name: 'Production Key',
      scopes: ['kv:read', 'kv:write', 'channels:publish'],
    })
    await ss.core.orgs.revokeToken('org_01JNXS...', 'tok_01JNXS...')

    expectTypeOf(orgs.organizations[0].slug).toEqualTypeOf<string>();
    expectTypeOf(org.id).toEqualTypeOf<string>();
    expectTypeOf(org2.owner_id).toEqualTypeOf<string>();
    expectTypeOf(members.members[0].scopes).toMatchTypeOf<string[]>();
    expectTypeOf(scopes.scopes).toMatchTypeOf<string[]>();
    expectTypeOf(projects.next_cursor).toEqualTypeOf<string | null>();
    expectTypeOf(project.region).toEqualTypeOf<'wnam' | 'enam' | 'weur' | 'eeur' | 'apac' | 'oc' | 'afr' | 'me'>();
    expectTypeOf(project2.org_id).toEqualTypeOf<string>();
    expectTypeOf(tokens.tokens[0].prefix).toEqualTypeOf<string>();
    expectTypeOf(token.secret).toEqualTypeOf<string>();
  });

  it('KV', async () => {
    const ss = createClient();
    const entry = await ss.infra.kv.get('session:u_123')
    // entry.value, entry.expires_at
    expectTypeOf(entry.expires_at).toEqualTypeOf<string | null>();

    await ss.infra.kv.set('session:u_123', { userId: 'u_123', role: 'admin' }, { ttl: 86400 })
    await ss.infra.kv.delete('session:u_123')

    async function limit() {
      // Rate limit: max 100 req/min
      const { value } = await ss.infra.kv.increment(`ratelimit:${userId}`, { ttl: 60 })
      if (value > 100) return new Response('Rate limited', { status: 429 })
    }
    void limit;

    const result = await ss.infra.kv.scan({ prefix: 'session:', limit: 50 })
    // result.keys, result.next_cursor
    expectTypeOf(result.keys).toEqualTypeOf<string[]>();

    const results = await ss.infra.kv.batch([
      { op: 'get', key: 'config:flags' },
      { op: 'set', key: 'session:new', value: { userId: 'u_456' }, ttl: 3600 },
      { op: 'delete', key: 'session:old' },
    ])
    expectTypeOf(results.results[0].status).toEqualTypeOf<'ok' | 'not_found' | 'conflict' | 'omitted' | 'sandbox_full'>();
  });

  it('channels and errors', async () => {
    const ss = createClient();
    const published = await ss.infra.channels.publish('my-channel', { event: 'ping', data: { hello: 'world' } });
    expectTypeOf(published.delivered).toEqualTypeOf<number>();
    for await (const ev of ss.infra.channels.subscribe('my-channel')) expectTypeOf(ev.event).toEqualTypeOf<string>();
    expectTypeOf<NotFoundError>().toMatchTypeOf<SaaSignalError>();
    expectTypeOf<SaaSignalError['requestId']>().toEqualTypeOf<string | null>();
  });
});

describe('the runtime, typed', () => {
  it('pages, raw answers, events, options and errors', async () => {
    const ss = createClient();
    for await (const org of ss.core.orgs.list()) expectTypeOf(org.slug).toEqualTypeOf<string>();
    for await (const key of ss.infra.kv.scan({ prefix: 'session:' })) expectTypeOf(key).toEqualTypeOf<string>();
    for await (const member of ss.core.orgs.listMembers('org_1')) expectTypeOf(member.scopes).toMatchTypeOf<string[]>();
    const page = await ss.infra.kv.scan({ prefix: 'session:', limit: 50 });
    expectTypeOf(page.next_cursor).toEqualTypeOf<string | null>();
    const { data, response } = await ss.infra.kv.get('k').withResponse();
    expectTypeOf(data.expires_at).toEqualTypeOf<string | null>();
    expectTypeOf(response).toEqualTypeOf<Response>();
    for await (const ev of ss.infra.channels.subscribe('c', { lastEventId: 'evt_1', signal: AbortSignal.timeout(1000) })) {
      expectTypeOf(ev).toEqualTypeOf<ChannelEvent>();
      expectTypeOf(ev.published_at).toEqualTypeOf<string>();
    }
    expectTypeOf(ss.withOptions({ timeout: 1000, maxRetries: 0 })).toEqualTypeOf<SaaSignalClient>();
    await ss.infra.kv.increment('c', { delta: 2 }, { idempotencyKey: 'k-1', timeout: 5000 });
    await ss.infra.kv.increment('c', {}, { idempotencyKey: null });
    expectTypeOf<APITimeoutError>().toMatchTypeOf<APIConnectionError>();
    expectTypeOf<APIConnectionError>().toMatchTypeOf<SaaSignalError>();
    expectTypeOf<SaaSignalError['headers']>().toEqualTypeOf<Headers>();
    // @ts-expect-error a page is not an array: iterate the list call, or read page.keys
    for (const k of page) void k;
    // @ts-expect-error timeout is a number of milliseconds
    await ss.infra.kv.get('k', { timeout: '5s' });
  });
});

describe('wrong calls do not compile', () => {
  it('rejects them', async () => {
    const ss = createClient();
    // @ts-expect-error region 'mars' is not a region
    await ss.core.orgs.createProject('org_1', { name: 'x', region: 'mars' });
    // @ts-expect-error 'kv:delete' is not a scope
    await ss.core.orgs.createToken({ org_id: 'org_1', name: 'x', scopes: ['kv:delete'] });
    // @ts-expect-error a set needs a value
    await ss.infra.kv.set('k');
    // @ts-expect-error ttl is a number of seconds, not a string
    await ss.infra.kv.set('k', 1, { ttl: '60' });
    // @ts-expect-error unknown option
    await ss.infra.kv.set('k', 1, { expire: 60 });
    // @ts-expect-error a batch op must be get, set or delete
    await ss.infra.kv.batch([{ op: 'increment', key: 'k' }]);
    // @ts-expect-error a batch set needs a value
    await ss.infra.kv.batch([{ op: 'set', key: 'k' }]);
    // @ts-expect-error a browser token ttl is a number
    await SaaSignalClient.createBrowserToken({ apiKey: 'sk_live_x', ttl: '900' });
    // @ts-expect-error tokenBalance needs the org id
    await ss.core.billing.tokenBalance();
    // @ts-expect-error createToken needs its scopes
    await ss.core.orgs.createToken({ org_id: 'org_1', name: 'x' });
  });
});
