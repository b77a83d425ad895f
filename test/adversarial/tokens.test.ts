/**
 * Credentials that must not work, refused with 401 in the envelope on the very next request.
 * test/server/browser-tokens.test.ts already covers the JWT forgeries one claim at a time
 * (another key, audience, issuer, `typ`, unknown parent, another organization, a widened payload,
 * `alg: none` with and without a signature, expired) and the revoked parent; test/server/
 * tokens.test.ts covers a revoked and an expired (edited) API token and made-up secrets. This
 * suite adds what those do not:
 *
 * - "at once" under load: no request that starts after a revocation answers succeeds, for the
 *   token and for the browser tokens made from it, while other requests with it are in flight;
 * - expiry in real time, to the second: an API token at its `expires_at`, a browser token at its
 *   `exp`, and the browser tokens of an API token that expired;
 * - tampered secrets: API tokens with one character changed, cut or extended; browser tokens with
 *   the signature or the header changed (HS384/HS512 with the right key), extra segments, a payload
 *   that is not JSON; sessions with one character changed or signed out.
 */
import { SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, openApp, signUp, type TestApp, type User } from '../server/support/platform.ts';

const SECRET = 'adversarial-token-suite-secret-of-enough-length';
let t: TestApp;
let owner: User;
let projectId: string;
let requests = 0;

beforeAll(async () => {
  t = await openApp({ jwtSecret: SECRET, includedMicrotokens: 1e12, rateLimit: { livePerMinute: 1e9, testPerHour: 1e9, authPerMinute: 1e9, invalidPerMinute: 1e9 } });
  owner = await signUp(t.app, 'adv-tokens');
  projectId = await createProject(t.app, owner);
});
afterAll(async () => {
  console.log(`tokens: ${requests} requests`);
  expect(t.logs).toEqual([]);
  await t.close();
});

const read = (credential: string) => {
  requests++;
  return request(t.app).get('/infra/kv/probe').set(bearer(credential));
};
const revoke = (id: string) => request(t.app).delete(`/core/organizations/${owner.orgId}/tokens/${id}`).set(bearer(owner.session));
const mint = async (parent: string, body: Record<string, unknown> = {}) => {
  const res = await request(t.app).post('/core/tokens/browser').set(bearer(parent)).send(body);
  expect(res.status).toBe(200);
  return res.body.token as string;
};
/** A readable project token and a key for it to read. */
async function reader(extra: { expires_at?: string } = {}) {
  const token = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read', 'kv:write'], project_id: projectId, ...extra });
  await request(t.app).put('/infra/kv/probe').set(bearer(token.secret)).send({ value: 'here' });
  return token;
}
const sleepUntil = async (ms: number) => {
  const wait = ms - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
};

describe('revocation takes effect at once, under load', () => {
  it('no request started after the revocation answered succeeds, for the token and its browser tokens', async () => {
    const token = await reader();
    const bt = await mint(token.secret, { scopes: ['kv:read'] });
    let revokedAt = Number.POSITIVE_INFINITY;
    const late: string[] = [];
    let served = 0;
    let after = 0;
    // Eight clients read in a loop with the token or its browser token, before and after the revocation.
    const client = async (credential: string) => {
      for (let n = 0; n < 60; n++) {
        const startedAt = performance.now();
        const res = await read(credential);
        if (res.status === 200) served++;
        if (startedAt > revokedAt) after++;
        if (startedAt > revokedAt && res.status !== 401) late.push(`${res.status} started ${(startedAt - revokedAt).toFixed(1)} ms after`);
        else if (startedAt > revokedAt) expectError(res, 401, 'UNAUTHORIZED');
      }
    };
    const clients = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => client(i % 2 ? bt : token.secret));
    await new Promise((r) => setTimeout(r, 30));
    expect((await revoke(token.id)).status).toBe(200);
    revokedAt = performance.now();
    await Promise.all(clients);
    expect(served).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(8);
    expect(late).toEqual([]);
  });
});

describe('expiry in real time', () => {
  it('an API token works until its expires_at and is refused from then on, and so are its browser tokens', async () => {
    const at = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    const token = await reader({ expires_at: at.toISOString() });
    const bt = await mint(token.secret, { scopes: ['kv:read'], ttl: 600 });
    expect((await read(token.secret)).status).toBe(200);
    expect((await read(bt)).status).toBe(200);
    await sleepUntil(at.getTime());
    expectError(await read(token.secret), 401, 'UNAUTHORIZED');
    expectError(await read(bt), 401, 'UNAUTHORIZED');
  });

  it('a browser token is refused from its exp on, with no leeway', async () => {
    const parent = await reader();
    const now = Math.floor(Date.now() / 1000);
    const bt = `bt_${await new SignJWT({ org: owner.orgId, proj: projectId, scp: ['kv:read'], mode: 'live' })
      .setProtectedHeader({ alg: 'HS256', typ: 'bt+jwt' })
      .setIssuer('saasignal')
      .setAudience('saasignal:browser')
      .setSubject(parent.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 2)
      .sign(new TextEncoder().encode(SECRET))}`;
    expect((await read(bt)).status).toBe(200);
    await sleepUntil((now + 2) * 1000);
    expectError(await read(bt), 401, 'UNAUTHORIZED');
  });
});

describe('tampered credentials', () => {
  let token: { id: string; secret: string };
  let bt: string;
  beforeAll(async () => {
    token = await reader();
    bt = await mint(token.secret, { scopes: ['kv:read'] });
  });

  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

  it('the untampered ones work (so each refusal below is about its one change)', async () => {
    expect((await read(token.secret)).status).toBe(200);
    expect((await read(bt)).status).toBe(200);
    expect((await request(t.app).get('/api/auth/get-session').set(bearer(owner.session))).status).toBe(200);
  });

  it.each([
    ['the last character changed', (s: string) => flip(s, s.length - 1)],
    ['the first secret character changed', (s: string) => flip(s, 'sk_live_'.length)],
    ['cut by one character', (s: string) => s.slice(0, -1)],
    ['extended by one character', (s: string) => `${s}A`],
    ['the mode changed', (s: string) => s.replace('sk_live_', 'sk_test_')],
    ['the prefix upper-cased', (s: string) => s.replace('sk_live_', 'SK_LIVE_')],
    ['only the display prefix', (s: string) => s.slice(0, 12)],
  ])('an API token with %s is 401', async (_name, change) => {
    expectError(await read(change(token.secret)), 401, 'UNAUTHORIZED');
  });

  it('an API token in X-Api-Key with one character changed is 401', async () => {
    expectError(await request(t.app).get('/infra/kv/probe').set('X-Api-Key', flip(token.secret, 20)), 401, 'UNAUTHORIZED');
  });

  const segments = () => bt.slice(3).split('.');
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

  it.each([
    ['its signature changed in one character', () => { const [h, p, s] = segments(); return `bt_${h}.${p}.${flip(s, 5)}`; }],
    ['its signature cut', () => { const [h, p, s] = segments(); return `bt_${h}.${p}.${s.slice(0, -2)}`; }],
    ['its signature taken from another browser token', async () => { const other = (await mint(token.secret, { scopes: ['kv:read'], ttl: 61 })).slice(3).split('.'); const [h, p] = segments(); return `bt_${h}.${p}.${other[2]}`; }],
    ['a fourth segment', () => `${bt}.${segments()[2]}`],
    ['a payload that is not JSON', () => { const [h, , s] = segments(); return `bt_${h}.${b64('not json')}.${s}`; }],
    ['no bt_ prefix (taken for a session token)', () => bt.slice(3)],
    ['a doubled prefix', () => `bt_${bt}`],
  ])('a browser token with %s is 401', async (_name, change) => {
    expectError(await read(await change()), 401, 'UNAUTHORIZED');
  });

  it.each([['HS384'], ['HS512']])('a browser token signed with the right key but %s is 401 (the algorithm is pinned)', async (alg) => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ org: owner.orgId, proj: projectId, scp: ['kv:read'], mode: 'live' })
      .setProtectedHeader({ alg, typ: 'bt+jwt' })
      .setIssuer('saasignal')
      .setAudience('saasignal:browser')
      .setSubject(token.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(SECRET));
    expectError(await read(`bt_${forged}`), 401, 'UNAUTHORIZED');
  });

  it('a session token with one character changed is 401, and so is its cookie', async () => {
    const session = owner.session;
    expectError(await request(t.app).get('/api/auth/get-session').set(bearer(flip(session, 3))), 401, 'UNAUTHORIZED');
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(flip(session, session.length - 1))), 401, 'UNAUTHORIZED');
    const [name, value] = owner.cookie.split('=');
    const [raw, signature] = decodeURIComponent(value).split('.');
    const tampered = `${name}=${encodeURIComponent(`${raw}.${flip(signature, 2)}`)}`;
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}`).set('Cookie', tampered), 401, 'UNAUTHORIZED');
    expect((await request(t.app).get(`/core/organizations/${owner.orgId}`).set('Cookie', owner.cookie)).status).toBe(200);
  });

  it('a signed-out session is refused on the very next request, as token and as cookie', async () => {
    const user = await signUp(t.app, 'adv-signout');
    expect((await request(t.app).get(`/core/organizations/${user.orgId}`).set(bearer(user.session))).status).toBe(200);
    expect((await request(t.app).post('/api/auth/sign-out').set(bearer(user.session))).status).toBe(200);
    expectError(await request(t.app).get(`/core/organizations/${user.orgId}`).set(bearer(user.session)), 401, 'UNAUTHORIZED');
    expectError(await request(t.app).get(`/core/organizations/${user.orgId}`).set('Cookie', user.cookie), 401, 'UNAUTHORIZED');
  });
});
