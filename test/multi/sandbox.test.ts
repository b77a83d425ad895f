/**
 * Issue 13, item 9, across two instances (real server processes, one PostgreSQL, one Redis): the
 * test-mode budget of an organization is one budget in Redis, whichever instance and whichever
 * test token a request uses, while a live token of the same project keeps its own; and a
 * project's sandbox bound counts the writes of both instances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../store/support/crash-run.ts';
import { call } from '../server/support/http.ts';
import { type Account, account, apiToken, type Deployment, deployment } from './support/deployment.ts';

const BUDGET = 6;
const MAX_KEYS = 3;
let d: Deployment;
let a: ServerProcess;
let b: ServerProcess;
let owner: Account;

beforeAll(async () => {
  d = await deployment('sandbox', { SAASIGNAL_RATE_LIMIT: '1000000', SAASIGNAL_TEST_RATE_LIMIT: String(BUDGET), SAASIGNAL_SANDBOX_MAX_KEYS: String(MAX_KEYS) });
  [a, b] = await d.start(2);
  owner = await account(a.base, 'sandbox');
});
afterAll(async () => {
  await d?.dispose();
});

async function testToken(base: string, scopes: string[], of = owner): Promise<string> {
  const res = await call(base, 'POST', `/core/organizations/${of.orgId}/tokens`, {
    token: of.session,
    body: { name: 'sandbox', scopes, project_id: of.projectId, mode: 'test' },
  });
  expect(res.status).toBe(201);
  return res.body.secret;
}

describe('the test-mode budget of an organization', () => {
  it('is shared by its test tokens on both instances', async () => {
    const one = await testToken(a.base, ['kv:read']);
    const two = await testToken(b.base, ['kv:read']);
    const live = await apiToken(b.base, owner, ['kv:read']);
    const scan = (s: ServerProcess, token: string) => call(s.base, 'GET', '/infra/kv', { token });
    const sends = [
      () => scan(a, one),
      () => scan(b, two),
      () => scan(b, one),
      () => scan(a, two),
      () => scan(a, one),
      () => scan(b, two),
    ];
    for (const [i, send] of sends.entries()) {
      const res = await send();
      expect({ i, status: res.status }).toEqual({ i, status: 200 });
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`; r=${BUDGET - 1 - i}; `));
    }
    for (const [s, token] of [
      [a, one],
      [a, two],
      [b, one],
      [b, two],
    ] as const) {
      const res = await scan(s, token);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(3000);
    }
    for (const s of [a, b]) expect((await scan(s, live.secret)).status).toBe(200);
  });
});

describe('the sandbox bound of a project', () => {
  it('counts the keys written through both instances', async () => {
    // Another organization: a budget of its own for these six requests.
    const other = await account(a.base, 'sandbox-kv');
    const token = await testToken(a.base, ['kv:read', 'kv:write'], other);
    const put = (s: ServerProcess, key: string) => call(s.base, 'PUT', `/infra/kv/${key}`, { token, body: { value: key } });
    for (const [s, key] of [
      [a, 'k1'],
      [b, 'k2'],
      [a, 'k3'],
    ] as const) {
      expect((await put(s, key)).status).toBe(200);
    }
    const refused = await put(b, 'k4');
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 409, code: 'SANDBOX_FULL' });
    expect((await call(a.base, 'DELETE', '/infra/kv/k1', { token })).status).toBe(200);
    expect((await put(b, 'k4')).status).toBe(200);
  });
});
