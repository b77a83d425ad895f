/**
 * Usage (GET /core/organizations/{org_id}/usage): every charged call lands in its operation and
 * day, totals equal the sum of X-Microtokens-Used, test-mode calls are absent, another cycle is
 * empty, and the organization's scopes and tenancy apply.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProject, createToken, expectError, openApp, signUp, type TestApp, type User } from './support/platform.ts';

let t: TestApp;
let owner: User;
let live: string;
let test: string;
let used = 0;
beforeAll(async () => {
  t = await openApp({ validateResponses: true });
  owner = await signUp(t.app, 'usage-owner');
  const project = await createProject(t.app, owner);
  live = (await createToken(t.app, owner.session, owner.orgId, { project_id: project, scopes: ['kv:*', 'billing:read'] })).secret;
  test = (await createToken(t.app, owner.session, owner.orgId, { project_id: project, scopes: ['kv:*'], mode: 'test' })).secret;
  const calls = [
    () => request(t.app).put('/infra/kv/a').set(bearer(live)).send({ value: 1 }),
    () => request(t.app).put('/infra/kv/b').set(bearer(live)).send({ value: 2 }),
    () => request(t.app).get('/infra/kv/a').set(bearer(live)),
    () => request(t.app).get('/infra/kv/missing').set(bearer(live)),
    () => request(t.app).post('/infra/kv/n/increment').set(bearer(live)).send({}),
    () => request(t.app).put('/infra/kv/t').set(bearer(test)).send({ value: 3 }),
  ];
  for (const call of calls) used += Number((await call()).headers['x-microtokens-used'] ?? 0);
});
afterAll(() => t.close());

const usage = (credential: string, query = '', orgId = owner.orgId) => request(t.app).get(`/core/organizations/${orgId}/usage${query}`).set(bearer(credential));

describe('getUsage', () => {
  it('adds up every charged call of the current cycle, by operation and by day', async () => {
    const res = await usage(owner.session);
    expect(res.status).toBe(200);
    const now = new Date();
    const cycle = now.toISOString().slice(0, 7);
    const today = now.toISOString().slice(0, 10);
    expect(res.body).toEqual({
      org_id: owner.orgId,
      cycle,
      starts_at: `${cycle}-01T00:00:00.000Z`,
      ends_at: expect.stringMatching(/^\d{4}-\d{2}-01T00:00:00\.000Z$/),
      calls: 5,
      microtokens: used,
      by_operation: [
        { operation_id: 'setValue', primitive: 'KV', calls: 2, microtokens: 4 },
        { operation_id: 'getValue', primitive: 'KV', calls: 2, microtokens: 2 },
        { operation_id: 'incrementValue', primitive: 'KV', calls: 1, microtokens: 2 },
      ].sort((a, b) => b.microtokens - a.microtokens || a.operation_id.localeCompare(b.operation_id)),
      by_day: [{ date: today, calls: 5, microtokens: used }],
    });
    expect(used).toBe(8);
  });

  it('answers an API token with billing:read the same, and another cycle with nothing', async () => {
    expect((await usage(live)).body.microtokens).toBe(used);
    const old = await usage(owner.session, '?cycle=2001-02');
    expect(old.body).toMatchObject({ cycle: '2001-02', starts_at: '2001-02-01T00:00:00.000Z', ends_at: '2001-03-01T00:00:00.000Z', calls: 0, microtokens: 0, by_operation: [], by_day: [] });
  });

  it.each(['2026-13', '2026-1', 'march', '2026-03-01'])('refuses cycle=%s (400)', async (cycle) => {
    expectError(await usage(owner.session, `?cycle=${cycle}`), 400, 'INVALID_REQUEST');
  });

  it('needs billing:read (403) and an organization of the caller (404)', async () => {
    expectError(await usage(test), 403, 'INSUFFICIENT_SCOPE');
    const stranger = await signUp(t.app, 'usage-stranger');
    expectError(await usage(stranger.session), 404, 'NOT_FOUND');
  });
});
