/**
 * Issue 13, item 9: the sandbox is a free production tier. Test tokens are free to mint, so a
 * test-mode budget per token bought an unbounded number of requests; here every test credential
 * of an organization (each `sk_test_` token, project-bound or organization-wide, and the browser
 * tokens made from them) spends one budget of 100 requests per hour (lowered with the setting for
 * speed). A live token of the same project, and another organization's test tokens, are
 * unaffected. On both stores (the counters are in Redis on PostgreSQL + Redis); across two server
 * instances in test/multi/sandbox.test.ts.
 */
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PER_HOUR } from '../../server/http/rate-limit.ts';
import { bearer, createProject, createToken, expectError, signUp, type TestApp, type User } from '../server/support/platform.ts';
import { STORES } from './support/stores.ts';

/** The test-mode budget of these apps (the setting, lowered from the default for speed). */
const BUDGET = 6;

describe('the documented default', () => {
  it('is 100 test-mode requests per hour per organization, in the code and in the guides', () => {
    expect(TEST_PER_HOUR).toBe(100);
    const guide = readFileSync(new URL('../../spec/guides/rate-limits.md', import.meta.url), 'utf8');
    expect(guide).toMatch(/\| Test mode, per organization: all its test API tokens[^|]*\| 100 requests per hour \| `SAASIGNAL_TEST_RATE_LIMIT` \|/);
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(example).toMatch(/^# SAASIGNAL_TEST_RATE_LIMIT=100 /m);
  });
});

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  let owner: User;
  let other: User;
  let projectId: string;
  beforeAll(async () => {
    t = await store.open({ rateLimit: { livePerMinute: 1e6, testPerHour: BUDGET, authPerMinute: 1e6 } });
    owner = await signUp(t.app, 'sandbox-rl-owner');
    other = await signUp(t.app, 'sandbox-rl-other');
    projectId = await createProject(t.app, owner);
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  const scan = (credential: string) => request(t.app).get('/infra/kv').set(bearer(credential));
  const readOrg = (credential: string, orgId = owner.orgId) => request(t.app).get(`/core/organizations/${orgId}`).set(bearer(credential));

  it('gives all the test credentials of one organization one budget together, not one each', async () => {
    const a = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId, mode: 'test' });
    const b = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId, mode: 'test' });
    const orgWide = await createToken(t.app, owner.session, owner.orgId, { scopes: ['orgs:read'], mode: 'test' });
    const live = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read', 'orgs:read'], project_id: projectId });
    const minted = await request(t.app).post('/core/tokens/browser').set(bearer(b.secret)).send({});
    expect(minted.status).toBe(200);
    const browser: string = minted.body.token;
    // Minting the browser token was the first request of the budget.
    const spend = [() => scan(a.secret), () => scan(browser), () => readOrg(orgWide.secret), () => scan(b.secret), () => scan(a.secret)];
    for (const [i, send] of spend.entries()) {
      const res = await send();
      expect({ i, status: res.status }).toEqual({ i, status: 200 });
      expect(res.headers['ratelimit-policy']).toMatch(new RegExp(`^"${BUDGET}-in-1hr"; q=${BUDGET}; w=3600`));
      expect(res.headers.ratelimit).toMatch(new RegExp(`; r=${BUDGET - 2 - i}; `));
    }
    // Spent: every test credential of the organization is refused, a token minted now too.
    const late = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:read'], project_id: projectId, mode: 'test' });
    for (const [what, send] of [
      ['first token', () => scan(a.secret)],
      ['second token', () => scan(b.secret)],
      ['browser token', () => scan(browser)],
      ['organization-wide token', () => readOrg(orgWide.secret)],
      ['token minted after', () => scan(late.secret)],
    ] as const) {
      const res = await send();
      expect({ what, status: res.status }).toEqual({ what, status: 429 });
      expectError(res, 429, 'RATE_LIMITED');
      expect(res.body.error.message).toMatch(/test mode/);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(3000);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(res.headers['ratelimit-policy']).toMatch(new RegExp(`^"${BUDGET}-in-1hr"`));
      expect(res.headers['x-microtokens-used']).toBeUndefined();
    }
    // A live token of the same project keeps its own budget.
    const liveScan = await scan(live.secret);
    expect(liveScan.status).toBe(200);
    expect(liveScan.headers['ratelimit-policy']).toMatch(/-in-1min"/);
    expect((await readOrg(live.secret)).status).toBe(200);
    // Another organization's test mode is its own budget.
    const theirs = await createToken(t.app, other.session, other.orgId, { scopes: ['orgs:read'], mode: 'test' });
    const res = await readOrg(theirs.secret, other.orgId);
    expect(res.status).toBe(200);
    expect(res.headers.ratelimit).toMatch(new RegExp(`; r=${BUDGET - 1}; `));
  });
});
