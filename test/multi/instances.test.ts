/**
 * Two server instances behind an imaginary load balancer: real `server/main.ts` processes on
 * different loopback ports, started at the same moment on a fresh PostgreSQL database (both run
 * the migrations) and one Redis. Whatever a client does through one instance, the other sees at
 * once: channel events, counters, revocations, rate-limit budgets, the balance, browser tokens
 * and sessions.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../server/db/migrations/index.ts';
import type { ServerProcess } from '../store/support/crash-run.ts';
import { call, subscribe } from '../server/support/http.ts';
import { type Account, account, apiToken, type Deployment, deployment, PASSWORD, within } from './support/deployment.ts';

const deployments: Deployment[] = [];
afterAll(async () => {
  for (const d of deployments) await d.dispose();
});

async function twoInstances(name: string, env: Record<string, string>): Promise<{ deployment: Deployment; a: ServerProcess; b: ServerProcess }> {
  const d = await deployment(name, env);
  deployments.push(d);
  const [a, b] = await d.start(2);
  return { deployment: d, a, b };
}

describe('two instances with generous limits', () => {
  let d: Deployment;
  let a: ServerProcess;
  let b: ServerProcess;
  let owner: Account;
  beforeAll(async () => {
    ({ deployment: d, a, b } = await twoInstances('shared', { SAASIGNAL_RATE_LIMIT: '1000000' }));
    owner = await account(a.base, 'shared');
  });

  it('migrated one fresh database together: every migration and server secret once', async () => {
    const client = new pg.Client({ connectionString: d.dbUrl });
    await client.connect();
    try {
      const applied = await client.query<{ name: string }>('select name from kysely_migration order by name');
      expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(migrations('postgres')).sort());
      const secrets = await client.query<{ name: string }>('select name from server_secret order by name');
      expect(secrets.rows.map((r) => r.name)).toEqual(['better-auth-secret', 'browser-token-key']);
    } finally {
      await client.end();
    }
    for (const s of [a, b]) expect(s.output()).not.toMatch(/"level":"error"/);
  });

  it('delivers an event published through one instance to subscribers on both, each way', async () => {
    const key = await apiToken(a.base, owner, ['channels:publish', 'channels:subscribe']);
    const url = (s: ServerProcess) => `${s.base}/infra/channels/room/subscribe`;
    const [onA, onB] = [await subscribe(url(a), key.secret), await subscribe(url(b), key.secret)];
    try {
      expect([onA.status, onB.status]).toEqual([200, 200]);
      for (const [from, n] of [[a, 1], [b, 2]] as const) {
        const published = await call(from.base, 'POST', '/infra/channels/room/publish', { token: key.secret, body: { event: 'ping', data: { n } } });
        expect(published.status).toBe(200);
        // `delivered` counts the subscribers of every instance.
        expect(published.body.delivered).toBe(2);
        for (const stream of [onA, onB]) {
          const event = await within(5000, stream.next(), `event ${n}`);
          expect(event).toMatchObject({ id: published.body.id, event: 'ping' });
          expect(JSON.parse(event.data!)).toMatchObject({ id: published.body.id, data: { n } });
        }
      }
    } finally {
      onA.close();
      onB.close();
    }
  });

  it('counts 2,000 increments sent through both instances exactly', async () => {
    const key = await apiToken(a.base, owner, ['kv:read', 'kv:write']);
    const total = 2000;
    const inFlight = 16;
    const values: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const res = await call(i % 2 ? a.base : b.base, 'POST', '/infra/kv/visits/increment', { token: key.secret, body: { delta: 1 } });
        expect(res.status).toBe(200);
        values.push(res.body.value);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    // Atomic: each increment saw its own value, none lost, none repeated.
    expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const s of [a, b]) expect((await call(s.base, 'GET', '/infra/kv/visits', { token: key.secret })).body.value).toBe(total);
  }, 120_000);

  it('refuses a token revoked through the other instance on the very next request, and its browser tokens', async () => {
    for (const [revoker, user] of [[a, b], [b, a]] as const) {
      const key = await apiToken(a.base, owner, ['kv:read']);
      const browser = await call(user.base, 'POST', '/core/tokens/browser', { token: key.secret, body: {} });
      expect(browser.status).toBe(200);
      // Both credentials are in use on `user` (anything it keeps about them is warm).
      expect((await call(user.base, 'GET', '/infra/kv/missing', { token: key.secret })).status).toBe(404);
      expect((await call(user.base, 'GET', '/infra/kv/missing', { token: browser.body.token })).status).toBe(404);

      const revoked = await call(revoker.base, 'DELETE', `/core/organizations/${owner.orgId}/tokens/${key.id}`, { token: owner.session });
      expect(revoked.status).toBe(200);
      for (const credential of [key.secret, browser.body.token]) {
        const res = await call(user.base, 'GET', '/infra/kv/missing', { token: credential });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHORIZED');
      }
    }
  });

  it('accepts a browser token minted on one instance on the other, for KV and for subscribing by query', async () => {
    const key = await apiToken(a.base, owner, ['kv:read', 'kv:write', 'channels:subscribe', 'channels:publish']);
    expect((await call(a.base, 'PUT', '/infra/kv/greeting', { token: key.secret, body: { value: 'hi' } })).status).toBe(200);
    const minted = await call(a.base, 'POST', '/core/tokens/browser', { token: key.secret, body: { scopes: ['kv:read', 'channels:subscribe'], ttl: 60 } });
    expect(minted.status).toBe(200);
    const bt = minted.body.token as string;
    expect(bt).toMatch(/^bt_/);

    const read = await call(b.base, 'GET', '/infra/kv/greeting', { token: bt });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ key: 'greeting', value: 'hi', expires_at: null });
    // Still a browser token there: no writes.
    expect((await call(b.base, 'PUT', '/infra/kv/greeting', { token: bt, body: { value: 'no' } })).status).toBe(403);

    const stream = await subscribe(`${b.base}/infra/channels/lobby/subscribe?token=${encodeURIComponent(bt)}`);
    try {
      expect(stream.status).toBe(200);
      const published = await call(a.base, 'POST', '/infra/channels/lobby/publish', { token: key.secret, body: { event: 'hello' } });
      expect(published.status).toBe(200);
      expect(await within(5000, stream.next(), 'event on b')).toMatchObject({ id: published.body.id, event: 'hello' });
    } finally {
      stream.close();
    }
  });

  it('keeps a session signed in on one instance valid on the other, by token and by cookie, until it signs out', async () => {
    const signIn = await fetch(`${a.base}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: owner.email, password: PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    const { token } = (await signIn.json()) as { token: string };
    const cookie = signIn.headers.getSetCookie().find((c) => c.startsWith('better-auth.session_token='));
    expect(cookie).toBeDefined();
    const cookieHeader = cookie!.split(';')[0];

    const byToken = await call(b.base, 'GET', '/api/auth/get-session', { token });
    expect(byToken.status).toBe(200);
    expect(byToken.body.user.email).toBe(owner.email);
    const byCookie = await fetch(`${b.base}/core/organizations/${owner.orgId}`, { headers: { Cookie: cookieHeader } });
    expect(byCookie.status).toBe(200);
    expect(((await byCookie.json()) as { id: string }).id).toBe(owner.orgId);

    // Signing out through b ends it on a.
    expect((await call(b.base, 'POST', '/api/auth/sign-out', { token })).status).toBe(200);
    expect((await call(a.base, 'GET', `/core/organizations/${owner.orgId}`, { token })).status).toBe(401);
    expect((await fetch(`${a.base}/core/organizations/${owner.orgId}`, { headers: { Cookie: cookieHeader } })).status).toBe(401);
  });

  it('keeps every Redis key of the deployment under REDIS_KEY_PREFIX', async () => {
    const key = await apiToken(a.base, owner, ['kv:write']);
    for (const s of [a, b]) expect((await call(s.base, 'PUT', '/infra/kv/where', { token: key.secret, body: { value: s.base } })).status).toBe(200);
    const redis = new Redis(d.redisUrl);
    try {
      const keys = async (pattern: string) => {
        const found: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          found.push(...batch);
          cursor = next;
        } while (cursor !== '0');
        return found;
      };
      const ours = await keys(`${d.redisPrefix}*`);
      // KV data and rate-limit counters of this deployment, and nothing of its project elsewhere.
      expect(ours.some((k) => k.startsWith(`${d.redisPrefix}kv:${owner.projectId}:`))).toBe(true);
      expect(ours.some((k) => k.startsWith(`${d.redisPrefix}rl:live:`))).toBe(true);
      expect((await keys(`*${owner.projectId}*`)).filter((k) => !k.startsWith(d.redisPrefix))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

describe('two instances behind a TLS-terminating load balancer, with small limits', () => {
  const PER_MINUTE = 30;
  const ALLOWANCE = 100;
  // Per client address; this suite's own sign-ups and sign-ins from 127.0.0.1 stay below it.
  const SIGN_INS_PER_MINUTE = 6;
  let a: ServerProcess;
  let b: ServerProcess;
  beforeAll(async () => {
    ({ a, b } = await twoInstances('limits', {
      SAASIGNAL_RATE_LIMIT: String(PER_MINUTE),
      SAASIGNAL_INCLUDED_MICROTOKENS: String(ALLOWANCE),
      SAASIGNAL_AUTH_RATE_LIMIT: String(SIGN_INS_PER_MINUTE),
      // The instances sit behind a proxy on this machine: believe its X-Forwarded-For.
      TRUST_PROXY: 'loopback',
      // Clients reach them at an https origin.
      SAASIGNAL_BASE_URL: 'https://api.saasignal.test',
    }));
  });

  it('sets a __Secure- session cookie that both instances accept, until signed out through either', async () => {
    const owner = await account(a.base, 'cookie');
    const signIn = await fetch(`${a.base}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: owner.email, password: PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    const setCookie = signIn.headers.getSetCookie().find((c) => c.includes('better-auth.session_token='));
    expect(setCookie).toMatch(/^__Secure-better-auth\.session_token=[^;]+;.*; Secure/);
    const cookie = { Cookie: setCookie!.split(';')[0] };

    for (const s of [a, b]) {
      const org = await fetch(`${s.base}/core/organizations/${owner.orgId}`, { headers: cookie });
      expect(org.status).toBe(200);
    }
    const session = await fetch(`${b.base}/api/auth/get-session`, { headers: cookie });
    expect(((await session.json()) as { user: { email: string } }).user.email).toBe(owner.email);
    expect((await fetch(`${b.base}/api/auth/sign-out`, { method: 'POST', headers: cookie })).status).toBe(200);
    expect((await fetch(`${a.base}/core/organizations/${owner.orgId}`, { headers: cookie })).status).toBe(401);
  });

  it('limits sign-ins per client address behind the load balancer, one budget across both instances', async () => {
    const owner = await account(a.base, 'signin');
    const signIn = (via: ServerProcess, client: string) =>
      fetch(`${via.base}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': client },
        body: JSON.stringify({ email: owner.email, password: PASSWORD }),
      });
    for (let i = 0; i < SIGN_INS_PER_MINUTE; i++) expect((await signIn(i % 2 ? a : b, '203.0.113.10')).status).toBe(200);
    for (const via of [a, b]) {
      const limited = await signIn(via, '203.0.113.10');
      expect(limited.status).toBe(429);
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Another client behind the same balancer is not held back by the first.
    expect((await signIn(a, '203.0.113.11')).status).toBe(200);
  });

  it('shares one rate-limit budget per credential: 429 with Retry-After on both once spent', async () => {
    const owner = await account(a.base, 'ratelimit');
    const key = await apiToken(a.base, owner, ['orgs:read'], false);
    // Unmetered calls, 10 at a time, alternating between the instances.
    const answers = [];
    for (let round = 0; round < 5; round++) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, i) => call(i % 2 ? a.base : b.base, 'GET', `/core/organizations/${owner.orgId}`, { token: key.secret }).then((res) => ({ via: i % 2 ? 'a' : 'b', res }))),
        )),
      );
    }
    const ok = answers.filter(({ res }) => res.status === 200);
    const limited = answers.filter(({ res }) => res.status === 429);
    expect(ok).toHaveLength(PER_MINUTE);
    expect(limited).toHaveLength(answers.length - PER_MINUTE);
    expect(new Set(limited.map(({ via }) => via))).toEqual(new Set(['a', 'b']));
    for (const { res } of limited) {
      expect(res.body.error.code).toBe('RATE_LIMITED');
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"${PER_MINUTE}-in-1min"; r=0; t=\\d+$`));
    }
    // Each answer's remaining count is one of a single countdown shared by both instances.
    const remaining = ok.map(({ res }) => Number(/r=(\d+)/.exec(res.headers.get('ratelimit') ?? '')?.[1])).sort((x, y) => x - y);
    expect(remaining).toEqual(Array.from({ length: PER_MINUTE }, (_, i) => i));
    // Another credential of the same organization has a budget of its own.
    expect((await call(b.base, 'GET', `/core/organizations/${owner.orgId}`, { token: owner.session })).status).toBe(200);
  });

  it('meters exactly across both: the balance drops by the sum of X-Microtokens-Used, then 402 on both', async () => {
    const owner = await account(a.base, 'metering');
    // Its own budget per call: the rate limit is not what this test is about.
    const keys = await Promise.all(Array.from({ length: 8 }, () => apiToken(a.base, owner, ['kv:read', 'kv:write'])));
    const balance = async (s: ServerProcess) => {
      const res = await call(s.base, 'GET', `/core/tokens/balance?org_id=${owner.orgId}`, { token: owner.session });
      expect(res.status).toBe(200);
      return Math.round(res.body.total * 1_000_000);
    };
    expect([await balance(a), await balance(b)]).toEqual([ALLOWANCE, ALLOWANCE]);

    let used = 0;
    const statuses = new Map<string, number>();
    // Sets (2 μt) and gets (1 μt) through both until each instance refuses a get; bounded.
    for (let round = 0; round < 20; round++) {
      const answers = await Promise.all(
        keys.map((key, i) => {
          const via = (round + i) % 2 ? a : b;
          const op = i % 3 === 0 ? call(via.base, 'GET', `/infra/kv/k${i}`, { token: key.secret }) : call(via.base, 'PUT', `/infra/kv/k${i}`, { token: key.secret, body: { value: round } });
          return op.then((res) => ({ via: via === a ? 'a' : 'b', res }));
        }),
      );
      for (const { via, res } of answers) {
        expect([200, 404, 402]).toContain(res.status);
        statuses.set(`${via} ${res.status}`, (statuses.get(`${via} ${res.status}`) ?? 0) + 1);
        if (res.status === 402) {
          expect(res.body.error.code).toBe('INSUFFICIENT_TOKENS');
          expect(res.headers.get('x-microtokens-used')).toBe('0');
        } else {
          used += Number(res.headers.get('x-microtokens-used'));
        }
      }
      if (answers.every(({ res }) => res.status === 402)) break;
    }
    expect(statuses.get('a 402')).toBeGreaterThan(0);
    expect(statuses.get('b 402')).toBeGreaterThan(0);
    // Whatever is left is less than the cheapest call (1 μt): nothing.
    const left = await balance(b);
    expect(left).toBe(0);
    expect(await balance(a)).toBe(0);
    expect(used).toBe(ALLOWANCE - left);
    for (const s of [a, b]) {
      const res = await call(s.base, 'GET', '/infra/kv/k0', { token: keys[0].secret });
      expect(res.status).toBe(402);
      expect(res.body.error.code).toBe('INSUFFICIENT_TOKENS');
    }
  });
});
