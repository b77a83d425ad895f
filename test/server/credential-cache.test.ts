/**
 * Authentication without a database read per request (issue 16): verified credentials are cached
 * per process and dropped by the revocation epoch. Here, the parts one at a time (which writes
 * move the epoch, the cache's bounds, the Redis epoch's freshness and its shared reads), then two
 * app instances on one PostgreSQL database and one Redis: a revocation through one reaches the
 * credentials the other has cached, on its very next request.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialCache } from '../../server/auth/credential-cache.ts';
import { RevocationEpoch } from '../../server/auth/revocation-epoch.ts';
import { revokes } from '../../server/db/write-watch.ts';
import { createPgSchema, type PgSchema } from '../support/pg-schema.ts';
import { bearer, createProject, createToken, expectError, inviteToken, openApp, signUp, type TestApp, type User } from './support/platform.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('which writes move the revocation epoch', () => {
  const rows: [string, boolean][] = [
    ['update "api_token" set "revoked_at" = ? where "id" = ?', true],
    ['update "api_token" set "revoked_at" = $1 where "id" in ($2, $3)', true],
    ['update "member" set "scopes" = $1 where "org_id" = $2', true],
    ['delete from "member" where "org_id" = ? and "user_id" = ?', true],
    ['delete from "session" where "token" = $1', true],
    ['update "session" set "expiresAt" = ? where "id" = ?', true],
    ['delete from "user" where "id" = ?', true],
    ['delete from "project" where "id" = ?', true],
    ['delete from "organization" where "id" = ?', true],
    ['delete from "api_token" where "project_id" = ?', true],
    // The once-a-minute touch of identify.ts, on both dialects: not a revocation.
    ['update "api_token" set "last_used_at" = ? where "id" = ? and ("last_used_at" is null or "last_used_at" < ?)', false],
    ['update "api_token" set "last_used_at" = $1 where "id" = $2 and ("last_used_at" is null or "last_used_at" < $3)', false],
    // Charging and topping up write the organization row on every metered request.
    ['update "organization" set "included_remaining" = 1 where "id" = ?', false],
    ['insert into "api_token" ("id") values (?)', false],
    ['insert into "member" ("org_id") values (?)', false],
    ['select "t"."id" from "api_token" as "t" where "t"."secret_hash" = ?', false],
  ];
  it.each(rows)('%s → %s', (sql, want) => {
    expect(revokes(sql)).toBe(want);
  });
});

describe('CredentialCache', () => {
  it('keeps what was verified at the current epoch, and drops everything at a newer one', () => {
    const cache = new CredentialCache<string>();
    expect(cache.get('k', 1, 0)).toBeUndefined();
    cache.set('k', 'v', 1, 0);
    expect(cache.get('k', 1, 10)).toBe('v');
    expect(cache.get('k', 2, 10)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never keeps a lookup that started before a newer epoch was seen', () => {
    const cache = new CredentialCache<string>();
    cache.get('k', 1, 0);
    // Another request saw epoch 2 while this one was reading the database.
    cache.get('other', 2, 0);
    cache.set('k', 'stale', 1, 0);
    expect(cache.get('k', 2, 0)).toBeUndefined();
    // A request that read the older epoch neither hits nor empties the cache.
    cache.set('k', 'fresh', 2, 0);
    expect(cache.get('k', 1, 0)).toBeUndefined();
    expect(cache.get('k', 2, 0)).toBe('fresh');
  });

  it('is bounded in entries (oldest first) and in age', () => {
    const cache = new CredentialCache<number>(3, 1000);
    cache.get('', 0, 0);
    for (let i = 0; i < 5; i++) cache.set(`k${i}`, i, 0, 0);
    expect(cache.size).toBe(3);
    expect([0, 1, 2, 3, 4].map((i) => cache.get(`k${i}`, 0, 999))).toEqual([undefined, undefined, 2, 3, 4]);
    expect(cache.get('k4', 0, 1000)).toBeUndefined();
  });
});

describe('RevocationEpoch through Redis', () => {
  const prefix = `epoch-test:${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(REDIS_URL);
  afterAll(async () => {
    await redis.del(`${prefix}auth:epoch`);
    redis.disconnect();
  });

  it('shows a bump made through another instance to the very next read', async () => {
    const [a, b] = [new RevocationEpoch('off'), new RevocationEpoch('off')];
    a.useRedis(redis, prefix);
    b.useRedis(redis.duplicate(), prefix);
    const before = await b.current();
    await a.bump();
    expect(await b.current()).toBe(Number(before) + 1);
  });

  it('shares reads between requests that arrive together, each read sent after they arrived', async () => {
    const sent: number[] = [];
    let value = 0;
    const fake = {
      // Answers the value as it was when the read was sent, like Redis.
      get: async () => {
        const seen = value;
        sent.push(seen);
        await new Promise((r) => setTimeout(r, 5));
        return String(seen);
      },
      incr: async () => ++value,
    };
    const epoch = new RevocationEpoch('off');
    epoch.useRedis(fake as unknown as Redis, prefix);
    const first = epoch.current();
    // A bump acknowledged while the first read is in flight: the requests after it need the next read.
    await epoch.bump();
    const later = Array.from({ length: 50 }, () => epoch.current());
    expect(await first).toBe(0);
    expect(await Promise.all(later)).toEqual(Array(50).fill(1));
    expect(sent).toEqual([0, 1]);
  });
});

describe('two instances on one database and one Redis', () => {
  const id = randomBytes(4).toString('hex');
  let schema: PgSchema | undefined;
  const prefix = `credcache:${id}:`;
  let a: TestApp;
  let b: TestApp;
  let owner: User;
  let projectId: string;

  beforeAll(async () => {
    schema = await createPgSchema('credcache');
    const options = { dbUrl: schema.url, redisUrl: REDIS_URL, rateLimit: { livePerMinute: 1e6, authPerMinute: 1e6, redisPrefix: `${prefix}rl:` }, infra: { redisKeyPrefix: prefix } };
    a = await openApp(options);
    b = await openApp(options);
    owner = await signUp(a.app, 'credcache-owner');
    projectId = await createProject(a.app, owner);
  }, 60_000);
  afterAll(async () => {
    for (const t of [a, b]) await t?.close();
    await schema?.drop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const kvGet = (t: TestApp, credential: string) => request(t.app).get('/infra/kv/missing').set(bearer(credential));

  it('refuses on b a token revoked through a, while b has it cached', async () => {
    const token = await createToken(a.app, owner.session, owner.orgId, { scopes: ['kv:read', 'tokens:write'], project_id: projectId });
    const browser = await request(b.app).post('/core/tokens/browser').set(bearer(token.secret)).send({});
    expect(browser.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect((await kvGet(b, token.secret)).status).toBe(404);
      expect((await kvGet(b, browser.body.token)).status).toBe(404);
    }
    await request(a.app).delete(`/core/organizations/${owner.orgId}/tokens/${token.id}`).set(bearer(owner.session)).expect(200);
    expectError(await kvGet(b, token.secret), 401, 'UNAUTHORIZED');
    expectError(await kvGet(b, browser.body.token), 401, 'UNAUTHORIZED');
  });

  it('refuses on b the tokens of a member removed or narrowed through a, and the sessions signed out through a', async () => {
    const member = await signUp(a.app, 'credcache-member');
    const invite = await request(a.app).post(`/core/organizations/${owner.orgId}/members/invite`).set(bearer(owner.session)).send({ email: member.email, scopes: ['*'] });
    await request(a.app).post(`/core/invitations/${invite.body.id}/accept`).set(bearer(member.session)).send({ token: inviteToken(invite.body) }).expect(200);
    const token = await createToken(a.app, member.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId });
    const readOrg = (credential: string) => request(b.app).get(`/core/organizations/${owner.orgId}`).set(bearer(credential));
    expect((await kvGet(b, token.secret)).status).toBe(404);
    expect((await readOrg(member.session)).status).toBe(200);

    await request(a.app).put(`/core/organizations/${owner.orgId}/members/${member.userId}/scopes`).set(bearer(owner.session)).send({ scopes: ['orgs:read'] }).expect(200);
    expectError(await kvGet(b, token.secret), 403, 'INSUFFICIENT_SCOPE');

    await request(a.app).delete(`/core/organizations/${owner.orgId}/members/${member.userId}`).set(bearer(owner.session)).expect(200);
    expectError(await kvGet(b, token.secret), 401, 'UNAUTHORIZED');
    expectError(await readOrg(member.session), 404, 'NOT_FOUND');

    expect((await request(b.app).get('/core/organizations').set(bearer(member.session))).status).toBe(200);
    await request(a.app).post('/api/auth/sign-out').set(bearer(member.session)).send({}).expect(200);
    expectError(await request(b.app).get('/core/organizations').set(bearer(member.session)), 401, 'UNAUTHORIZED');
  });
});
