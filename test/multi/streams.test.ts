/**
 * Event streams across two instances (real server processes, one PostgreSQL, one Redis): a
 * stream held by one instance ends within the documented bound (≤ 5 s) when its authority is
 * taken away through the other (API token revoked, browser token's parent revoked, project or
 * organization deleted) and at `exp` for a browser token, receiving nothing published after;
 * the caps per token, project and organization count the streams of both instances; a client
 * resumes on the other instance with `Last-Event-ID`; and an Idempotency-Key sent to both at
 * once runs once.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../store/support/crash-run.ts';
import { call } from '../server/support/http.ts';
import { openStream, type SseClient } from '../support/sse-client.ts';
import { type Account, account, apiToken, type Deployment, deployment } from './support/deployment.ts';

const BOUND_MS = 5_000;
const SECRET = 'multi-streams-suite-secret-of-enough-length';
let d: Deployment;
let a: ServerProcess;
let b: ServerProcess;
const clients: SseClient[] = [];
const measured: Record<string, number[]> = {};

beforeAll(async () => {
  d = await deployment('streams', {
    SAASIGNAL_RATE_LIMIT: '1000000',
    SAASIGNAL_JWT_SECRET: SECRET,
    SAASIGNAL_STREAM_LIMIT_PER_TOKEN: '2',
    SAASIGNAL_STREAM_LIMIT_PER_PROJECT: '3',
    SAASIGNAL_STREAM_LIMIT_PER_ORG: '4',
  });
  [a, b] = await d.start(2);
  // The first sign-up loads better-auth (seconds on a busy machine): not part of any measurement.
  await account(a.base, 'warm-up');
});
afterAll(async () => {
  for (const c of clients) c.close();
  console.log(`multi streams: ms from the change on one instance to the end of the stream on the other: ${JSON.stringify(measured)}`);
  for (const s of [a, b]) expect(s?.output() ?? '').not.toMatch(/"level":"error"/);
  await d?.dispose();
});

async function subscribe(on: ServerProcess, channel: string, credential: { bearer?: string; query?: string }, headers: Record<string, string> = {}) {
  const query = credential.query ? `?token=${encodeURIComponent(credential.query)}` : '';
  const client = await openStream(`${on.base}/infra/channels/${channel}/subscribe${query}`, {
    ...(credential.bearer ? { Authorization: `Bearer ${credential.bearer}` } : {}),
    ...headers,
  });
  clients.push(client);
  return client;
}

interface Tenant {
  owner: Account;
  subscriber: { id: string; secret: string };
  publisher: string;
}
async function tenant(label: string): Promise<Tenant> {
  const owner = await account(a.base, label);
  return {
    owner,
    subscriber: await apiToken(a.base, owner, ['channels:subscribe']),
    publisher: (await apiToken(a.base, owner, ['channels:publish'])).secret,
  };
}
const publish = (on: ServerProcess, token: string, channel: string, event: string) =>
  call(on.base, 'POST', `/infra/channels/${channel}/publish`, { token, body: { event } });

/** Stream held by `b`; authority cut through `a`; events keep coming through `a`. */
async function assertEndsAfter(te: Tenant, sub: SseClient, channel: string, label: string, cut: () => Promise<void>, publishAfter = true) {
  expect(sub.status).toBe(200);
  expect((await publish(a, te.publisher, channel, 'before')).status).toBe(200);
  await sub.until(() => sub.events.some((e) => e.event === 'before'));
  await cut();
  const cutAt = Date.now();
  while (publishAfter && sub.endedAt === null && Date.now() - cutAt < BOUND_MS + 1000) {
    await publish(a, te.publisher, channel, 'after');
    await new Promise((r) => setTimeout(r, 25));
  }
  await sub.ended(BOUND_MS + 2000);
  const took = sub.endedAt! - cutAt;
  (measured[label] ??= []).push(took);
  expect(took).toBeLessThanOrEqual(BOUND_MS);
  expect(sub.events.filter((e) => e.event === 'after')).toEqual([]);
}

const revoke = (te: Tenant, id = te.subscriber.id) => async () => {
  const res = await call(a.base, 'DELETE', `/core/organizations/${te.owner.orgId}/tokens/${id}`, { token: te.owner.session });
  expect(res.status).toBe(200);
};

describe('a stream on one instance ends when its authority is taken away through the other', () => {
  it('API token revoked (events flowing)', async () => {
    const te = await tenant('revoked');
    await assertEndsAfter(te, await subscribe(b, 'revoked', { bearer: te.subscriber.secret }), 'revoked', 'API token revoked', revoke(te));
  });

  it('API token revoked (idle stream)', async () => {
    const te = await tenant('idle');
    await assertEndsAfter(te, await subscribe(b, 'idle', { bearer: te.subscriber.secret }), 'idle', 'API token revoked, idle', revoke(te), false);
  });

  it('the parent of its browser token revoked', async () => {
    const te = await tenant('parent');
    const minted = await call(a.base, 'POST', '/core/tokens/browser', { token: te.subscriber.secret, body: { scopes: ['channels:subscribe'], ttl: 600 } });
    expect(minted.status).toBe(200);
    await assertEndsAfter(te, await subscribe(b, 'parent', { query: minted.body.token }), 'parent', 'browser token parent revoked', revoke(te));
  });

  it('its browser token reaches exp: ends at exp', async () => {
    const te = await tenant('exp');
    const exp = Math.floor(Date.now() / 1000) + 3;
    const jwt = await new SignJWT({ org: te.owner.orgId, proj: te.owner.projectId, scp: ['channels:subscribe'], mode: 'live' })
      .setProtectedHeader({ alg: 'HS256', typ: 'bt+jwt' })
      .setIssuer('saasignal')
      .setAudience('saasignal:browser')
      .setSubject(te.subscriber.id)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    const sub = await subscribe(b, 'exp', { bearer: `bt_${jwt}` });
    await assertEndsAfter(te, sub, 'exp', 'browser token exp', () => new Promise((r) => setTimeout(r, exp * 1000 - Date.now())));
    expect(sub.endedAt!).toBeGreaterThanOrEqual(exp * 1000);
    expect(sub.endedAt! - exp * 1000).toBeLessThan(500);
  });

  it('its project deleted', async () => {
    const te = await tenant('project');
    const sub = await subscribe(b, 'project', { bearer: te.subscriber.secret });
    await assertEndsAfter(
      te,
      sub,
      'project',
      'project deleted',
      async () => {
        expect((await call(a.base, 'DELETE', `/core/organizations/${te.owner.orgId}/projects/${te.owner.projectId}`, { token: te.owner.session })).status).toBe(200);
      },
      false,
    );
  });

  it('its organization deleted', async () => {
    const te = await tenant('org');
    const name = (await call(a.base, 'GET', `/core/organizations/${te.owner.orgId}`, { token: te.owner.session })).body.name;
    const sub = await subscribe(b, 'org', { bearer: te.subscriber.secret });
    await assertEndsAfter(
      te,
      sub,
      'org',
      'organization deleted',
      async () => {
        expect((await call(a.base, 'DELETE', `/core/organizations/${te.owner.orgId}`, { token: te.owner.session, body: { confirm_name: name } })).status).toBe(200);
      },
      false,
    );
  });
});

describe('caps count the streams of every instance', () => {
  it('per token, per project and per organization (429 TOO_MANY_STREAMS)', async () => {
    const te = await tenant('caps');
    const t1 = te.subscriber.secret;
    const held = [await subscribe(a, 'caps', { bearer: t1 }), await subscribe(b, 'caps', { bearer: t1 })];
    expect(held.map((s) => s.status)).toEqual([200, 200]);
    for (const on of [a, b]) {
      const refused = await subscribe(on, 'caps', { bearer: t1 });
      expect(refused.status).toBe(429);
      expect((refused.body as { error: { code: string; message: string } }).error).toMatchObject({ code: 'TOO_MANY_STREAMS', message: expect.stringContaining('token') });
    }
    const t2 = (await apiToken(a.base, te.owner, ['channels:subscribe'])).secret;
    held.push(await subscribe(b, 'caps', { bearer: t2 }));
    expect(held[2].status).toBe(200);
    const project = await subscribe(a, 'caps', { bearer: t2 });
    expect(project.status).toBe(429);
    expect((project.body as { error: { message: string } }).error.message).toContain('project');
    const other = await call(a.base, 'POST', `/core/organizations/${te.owner.orgId}/projects`, { token: te.owner.session, body: { name: 'second' } });
    const t3 = await call(a.base, 'POST', `/core/organizations/${te.owner.orgId}/tokens`, {
      token: te.owner.session,
      body: { name: 'second', scopes: ['channels:subscribe'], project_id: other.body.id },
    });
    held.push(await subscribe(a, 'caps', { bearer: t3.body.secret }));
    expect(held[3].status).toBe(200);
    const org = await subscribe(b, 'caps', { bearer: t3.body.secret });
    expect(org.status).toBe(429);
    expect((org.body as { error: { message: string } }).error.message).toContain('organization');
    for (const s of held) s.close();
  });
});

it('a client resumes on the other instance with Last-Event-ID, missing nothing and getting nothing twice', async () => {
  const te = await tenant('resume');
  const first = await subscribe(a, 'resume', { bearer: te.subscriber.secret });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await publish(a, te.publisher, 'resume', `e${i}`)).body.id);
  await first.until(() => first.events.length === 3);
  first.close();
  for (let i = 3; i < 6; i++) ids.push((await publish(b, te.publisher, 'resume', `e${i}`)).body.id);
  const again = await subscribe(b, 'resume', { bearer: te.subscriber.secret }, { 'Last-Event-ID': first.events[2].id! });
  await again.until(() => again.events.length === 3);
  ids.push((await publish(a, te.publisher, 'resume', 'e6')).body.id);
  await again.until(() => again.events.length === 4);
  expect(again.events.map((e) => e.id)).toEqual(ids.slice(3));
  again.close();
});

it('an Idempotency-Key sent to both instances at once runs once', async () => {
  const owner = await account(a.base, 'idem');
  const token = (await apiToken(a.base, owner, ['kv:read', 'kv:write'])).secret;
  const key = randomUUID();
  const send = (on: ServerProcess) =>
    fetch(`${on.base}/infra/kv/once/increment`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ delta: 1 }),
    });
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i % 2 ? a : b)));
  const statuses = answers.map((r) => r.status);
  expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
  expect(answers.filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
  expect((await call(b.base, 'GET', '/infra/kv/once', { token })).body.value).toBe(1);
  const replay = await send(a);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
});
