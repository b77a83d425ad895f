/**
 * No secret at rest: the server on a SQLite file in a data directory of its own, a scenario that
 * creates users (with passwords, and a wrong one tried), live and test tokens (organization and
 * project level, made by a session and by a token, expiring, revoked) and browser tokens; then
 * every file of the directory (the database, `-wal`, `-shm`) is read as bytes, once while the
 * server runs (what a crash or a copy of the directory would leave) and once after it closed.
 * No password and no `sk_…` secret (nor the part of it the list does not show) appears, in UTF-8
 * or UTF-16; nor does a browser token or its signature.
 *
 * A control proves the scan sees the data: a KV value written in the scenario is found.
 * Session tokens are not checked: better-auth stores them in plain text (a known weakness,
 * see TOOLCHAIN.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, openApp, type TestApp } from '../server/support/platform.ts';

const dir = mkdtempSync(join(tmpdir(), 'secrets-at-rest-'));
const secrets: { what: string; value: string }[] = [];
const CONTROL = `control-value-${randomBytes(8).toString('hex')}`;
let t: TestApp;
let requests = 0;

const api = () => {
  requests++;
  return request(t.app);
};

afterAll(async () => {
  console.log(`secrets at rest: ${requests} requests, ${secrets.length} secrets searched`);
  await t?.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  t = await openApp({ dbUrl: join(dir, 'saasignal.db') });
  for (let u = 0; u < 3; u++) {
    const email = `at-rest-${u}-${process.pid}@example.com`;
    const password = `pw-${u}-${randomBytes(12).toString('base64url')}`;
    secrets.push({ what: `password of user ${u}`, value: password });
    const up = await api().post('/api/auth/sign-up/email').send({ email, password, name: `User ${u}` });
    expect(up.status).toBe(200);
    const wrong = `wrong-${randomBytes(12).toString('base64url')}`;
    secrets.push({ what: `wrong password tried by user ${u}`, value: wrong });
    expect((await api().post('/api/auth/sign-in/email').send({ email, password: wrong })).status).toBe(401);
    const signedIn = await api().post('/api/auth/sign-in/email').send({ email, password });
    expect(signedIn.status).toBe(200);
    const session = signedIn.body.token as string;
    const orgId = up.body.default_org_id as string;
    const project = await api().post(`/core/organizations/${orgId}/projects`).set(bearer(session)).send({ name: 'Secrets' });

    const tokenBodies: [string, Record<string, unknown>][] = [
      ['organization token', { scopes: ['*'] }],
      ['live project token', { scopes: ['*'], project_id: project.body.id }],
      ['test project token', { scopes: ['*'], project_id: project.body.id, mode: 'test' }],
      ['expiring token', { scopes: ['kv:read'], project_id: project.body.id, expires_at: '2099-01-01T00:00:00Z' }],
      ['revoked token', { scopes: ['kv:read'], project_id: project.body.id }],
    ];
    const made: Record<string, { id: string; secret: string }> = {};
    for (const [what, body] of tokenBodies) {
      const res = await api().post(`/core/organizations/${orgId}/tokens`).set(bearer(session)).send({ name: what, ...body });
      expect(res.status).toBe(201);
      made[what] = res.body;
    }
    // A token made by a token, and one made in the sandbox by a test token.
    const child = await api().post(`/core/organizations/${orgId}/tokens`).set(bearer(made['live project token'].secret)).send({ name: 'child', scopes: ['kv:read'] });
    const sandboxChild = await api().post(`/core/organizations/${orgId}/tokens`).set(bearer(made['test project token'].secret)).send({ name: 'sandbox child', scopes: ['kv:read'] });
    made.child = child.body;
    made['sandbox child'] = sandboxChild.body;
    expect((await api().delete(`/core/organizations/${orgId}/tokens/${made['revoked token'].id}`).set(bearer(session))).status).toBe(200);
    for (const [what, { secret }] of Object.entries(made)) {
      expect(secret).toMatch(/^sk_(live|test)_/);
      secrets.push({ what: `${what} of user ${u}`, value: secret });
      // The random part, and the part of it the list does not show.
      secrets.push({ what: `${what} of user ${u}, without its prefix`, value: secret.slice('sk_live_'.length) });
      secrets.push({ what: `${what} of user ${u}, undisplayed part`, value: secret.slice(12) });
    }

    for (const parent of ['live project token', 'test project token']) {
      const bt = await api().post('/core/tokens/browser').set(bearer(made[parent].secret)).send({ scopes: ['kv:read'] });
      expect(bt.status).toBe(200);
      secrets.push({ what: `browser token of the ${parent} of user ${u}`, value: bt.body.token });
      secrets.push({ what: `signature of a browser token of user ${u}`, value: bt.body.token.split('.')[2] });
      // Used once, so that anything a use records is on disk too.
      expect((await api().get('/infra/kv/none').set(bearer(bt.body.token))).status).toBe(404);
    }
    // Every token used once, for the same reason.
    for (const { secret } of Object.values(made)) await api().get(`/core/organizations/${orgId}`).set(bearer(secret));
    await api().put('/infra/kv/control').set(bearer(made['live project token'].secret)).send({ value: CONTROL });
  }
}, 60_000);

function files(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Which secrets appear in which file of the data directory, as UTF-8 or UTF-16. */
function scan(): { found: string[]; control: boolean; names: string[] } {
  const found: string[] = [];
  let control = false;
  const paths = files(dir);
  for (const path of paths) {
    const bytes = readFileSync(path);
    if (bytes.includes(Buffer.from(CONTROL))) control = true;
    for (const { what, value } of secrets) {
      for (const encoding of ['utf8', 'utf16le'] as const) {
        if (bytes.includes(Buffer.from(value, encoding))) found.push(`${what} in ${path.slice(dir.length + 1)} (${encoding})`);
      }
    }
  }
  return { found, control, names: paths.map((p) => p.slice(dir.length + 1)).sort() };
}

it('no password or token secret in the data files while the server runs', () => {
  const { found, control, names } = scan();
  expect(names).toEqual(expect.arrayContaining(['saasignal.db', 'saasignal.db-wal', 'saasignal.db-shm']));
  expect(control).toBe(true);
  expect(found).toEqual([]);
});

it('nor after it closed', async () => {
  await t.close();
  const { found, control } = scan();
  expect(control).toBe(true);
  expect(found).toEqual([]);
});
