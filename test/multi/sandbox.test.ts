/**
 * Issue 13, item 9, across two instances (real server processes, one PostgreSQL, one Redis): the
 * test-mode budget of an organization is one budget in Redis, whichever instance and whichever
 * test token a request uses, while a live token of the same project keeps its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../store/support/crash-run.ts';
import { call } from '../server/support/http.ts';
import { type Account, account, apiToken, type Deployment, deployment } from './support/deployment.ts';

const BUDGET = 6;
let d: Deployment;
let a: ServerProcess;
let b: ServerProcess;
let owner: Account;

beforeAll(async () => {
  d = await deployment('sandbox', { SAASIGNAL_RATE_LIMIT: '1000000', SAASIGNAL_TEST_RATE_LIMIT: String(BUDGET) });
  [a, b] = await d.start(2);
  owner = await account(a.base, 'sandbox');
});
afterAll(async () => {
  await d?.dispose();
});

async function testToken(base: string, scopes: string[]): Promise<string> {
  const res = await call(base, 'POST', `/core/organizations/${owner.orgId}/tokens`, {
    token: owner.session,
    body: { name: 'sandbox', scopes, project_id: owner.projectId, mode: 'test' },
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
