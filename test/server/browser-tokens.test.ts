/**
 * Browser tokens: `bt_` + an HS256 JWT; scopes a subset of the parent's; ttl 60–1800 (default
 * 900); refused once expired or once the parent is revoked; a forged, tampered, unsigned or
 * misaddressed JWT is a 401.
 */
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, openApp, signUp, type TestApp, type User } from './support/platform.ts';

const SECRET = 'browser-token-test-secret-of-enough-length';
let t: TestApp;
let owner: User;
let projectId: string;
let parent: { id: string; secret: string };
beforeAll(async () => {
  t = await openApp({ jwtSecret: SECRET });
  owner = await signUp(t.app, 'bt');
  projectId = await createProject(t.app, owner);
  parent = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:*', 'channels:subscribe'], project_id: projectId });
  await request(t.app).put('/infra/kv/greeting').set(bearer(parent.secret)).send({ value: 'hi' });
});
afterAll(async () => {
  expect(t.logs).toEqual([]);
  await t.close();
});

const mint = (body: Record<string, unknown> | undefined, credential = parent.secret) => {
  const req = request(t.app).post('/core/tokens/browser').set(bearer(credential));
  return body === undefined ? req : req.send(body);
};
const read = (token: string) => request(t.app).get('/infra/kv/greeting').set(bearer(token));

/** A JWT like the server's, with `change` applied: for forgeries the server must refuse. */
async function forge(change: { payload?: Record<string, unknown>; header?: Record<string, unknown>; key?: string; exp?: number; aud?: string; iss?: string; sub?: string }) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ org: owner.orgId, proj: projectId, scp: ['kv:read'], mode: 'live', ...change.payload })
    .setProtectedHeader({ alg: 'HS256', typ: 'bt+jwt', ...change.header } as never)
    .setIssuer(change.iss ?? 'saasignal')
    .setAudience(change.aud ?? 'saasignal:browser')
    .setSubject(change.sub ?? parent.id)
    .setIssuedAt(now)
    .setExpirationTime(change.exp ?? now + 600)
    .sign(new TextEncoder().encode(change.key ?? SECRET));
  return `bt_${jwt}`;
}

describe('create', () => {
  it('defaults to the parent’s scopes and a 900 s ttl', async () => {
    const before = Date.now();
    const res = await mint(undefined);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.stringMatching(/^bt_[\w-]+\.[\w-]+\.[\w-]+$/),
      expires_at: expect.any(String),
      ttl: 900,
      scopes: ['kv:*', 'channels:subscribe'],
      project_id: projectId,
      org_id: owner.orgId,
    });
    const expires = Date.parse(res.body.expires_at);
    expect(expires - before).toBeGreaterThanOrEqual(899_000);
    expect(expires - before).toBeLessThanOrEqual(901_000);
    const jwt = res.body.token.slice(3);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'bt+jwt' });
    expect(decodeJwt(jwt)).toMatchObject({ iss: 'saasignal', aud: 'saasignal:browser', sub: parent.id, scp: ['kv:*', 'channels:subscribe'] });
  });

  it.each([
    ['a narrower scope', ['kv:read']],
    ['the same wildcard', ['kv:*']],
    ['two scopes', ['channels:subscribe', 'kv:read']],
  ])('accepts %s (a subset of the parent’s)', async (_name, scopes) => {
    const res = await mint({ scopes, ttl: 60 });
    expect(res.status).toBe(200);
    expect(res.body.scopes).toEqual(scopes);
  });

  it.each([
    ['a scope the parent lacks', ['channels:publish']],
    ['a wider wildcard', ['channels:*']],
    ['everything', ['*']],
  ])('refuses %s with 403 INSUFFICIENT_SCOPE', async (_name, scopes) => {
    expectError(await mint({ scopes }), 403, 'INSUFFICIENT_SCOPE');
  });

  it.each([
    [59, 400],
    [60, 200],
    [1800, 200],
    [1801, 400],
    [900.5, 400],
  ])('ttl %s -> %s', async (ttl, status) => {
    const res = await mint({ ttl });
    expect(res.status).toBe(status);
    if (status === 200) expect(res.body.ttl).toBe(ttl);
    else expectError(res, 400, 'INVALID_REQUEST');
  });

  it('needs an API token: a session or a browser token is 403', async () => {
    expectError(await mint({}, owner.session), 403, 'FORBIDDEN');
    const bt = (await mint({ scopes: ['kv:read'] })).body.token;
    expectError(await mint({}, bt), 403, 'FORBIDDEN');
  });
});

describe('use', () => {
  it('reads KV with its scopes, in the parent’s project', async () => {
    const bt = (await mint({ scopes: ['kv:read'] })).body.token;
    const res = await read(bt);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ key: 'greeting', value: 'hi', expires_at: null });
  });

  it('cannot exceed its own scopes or call API-token-only operations', async () => {
    const bt = (await mint({ scopes: ['channels:subscribe'] })).body.token;
    expectError(await read(bt), 403, 'INSUFFICIENT_SCOPE');
    const writer = (await mint({ scopes: ['kv:write'] })).body.token;
    expectError(await request(t.app).put('/infra/kv/greeting').set(bearer(writer)).send({ value: 'x' }), 403, 'FORBIDDEN');
  });

  it('is refused once the parent token is revoked', async () => {
    const own = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId });
    const bt = (await mint({}, own.secret)).body.token;
    expect((await read(bt)).status).toBe(200);
    await request(t.app).delete(`/core/organizations/${owner.orgId}/tokens/${own.id}`).set(bearer(owner.session));
    expectError(await read(bt), 401, 'UNAUTHORIZED');
  });

  it('a token forged the same way as the server’s is accepted (so the refusals below test one change each)', async () => {
    expect((await read(await forge({}))).status).toBe(200);
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 5 }],
    ['signed with another key', { key: 'another-secret-of-the-same-kind-000000' }],
    ['for another audience', { aud: 'saasignal:api' }],
    ['from another issuer', { iss: 'evil' }],
    ['of another type', { header: { typ: 'JWT' } }],
    ['naming a token that does not exist', { sub: 'tok_01JNXSA1B2C3D4E5F6G7H8J9KM' }],
    ['naming another organization', { payload: { org: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB' } }],
  ])('a JWT %s is 401', async (_name, change) => {
    expectError(await read(await forge(change)), 401, 'UNAUTHORIZED');
  });

  it('a tampered payload (wider scopes) is 401', async () => {
    const real = (await mint({ scopes: ['channels:subscribe'] })).body.token.slice(3);
    const [h, p, s] = real.split('.');
    const payload = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), scp: ['*'] };
    expectError(await read(`bt_${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`), 401, 'UNAUTHORIZED');
  });

  it('an unsigned JWT (alg none) is 401', async () => {
    const real = (await mint({ scopes: ['kv:read'] })).body.token.slice(3);
    const [, p] = real.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'bt+jwt' })).toString('base64url');
    expectError(await read(`bt_${header}.${p}.`), 401, 'UNAUTHORIZED');
    expectError(await read(`bt_${header}.${p}`), 401, 'UNAUTHORIZED');
  });

  it('garbage after bt_ is 401', async () => {
    expectError(await read('bt_not-a-jwt'), 401, 'UNAUTHORIZED');
  });

  it('subscribes with the token in the query, since EventSource cannot set headers', async () => {
    const bt = (await mint({ scopes: ['channels:subscribe'] })).body.token;
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const abort = new AbortController();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/infra/channels/news/subscribe?token=${encodeURIComponent(bt)}`, { signal: abort.signal });
      const res = { status: response.status, type: response.headers.get('content-type') };
      expect(res).toEqual({ status: 200, type: expect.stringMatching(/^text\/event-stream/) });
    } finally {
      abort.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an API token in the query is refused: only browser tokens travel in URLs', async () => {
    expectError(await request(t.app).get(`/infra/channels/news/subscribe?token=${parent.secret}`), 401, 'UNAUTHORIZED');
  });
});
