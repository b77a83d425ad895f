/**
 * Issue 13, item 8: the free allowance multiplied with organizations. Every new organization, or
 * one deleted and recreated, got the full monthly included allowance. The allowance is now the
 * owning account's, one per account, shared by every organization it owns (server/billing/balance.ts):
 *
 * - an owner who spent it to a 402 gets no fresh allowance from a new organization, from
 *   deleting and recreating one, nor from deleting all of them and starting over;
 * - what one organization spends, the owner's others no longer have, and the balance answer says
 *   so (`included_remaining` is the owner's shared remainder);
 * - top-ups stay with their organization; another account has its own allowance; a new month
 *   refills the account once, not once per organization.
 *
 * On both stores, through the real app and its metering ledger.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topUp } from '../../server/billing/balance.ts';
import { operationsById } from '../../server/spec.ts';
import { bearer, createProject, createToken, expectError, signUp, type TestApp, type User } from '../server/support/platform.ts';
import { STORES } from './support/stores.ts';

/** μt: ten `setValue` calls. */
const ALLOWANCE = 20;
const SET_PRICE = operationsById.get('setValue')!.price!;

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await store.open({ includedMicrotokens: ALLOWANCE, rateLimit: { livePerMinute: 1e6, authPerMinute: 1e6 } });
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
  });

  /** A live `kv:*` token for a project of `orgId`. */
  async function liveToken(user: User, orgId: string): Promise<string> {
    const projectId = await createProject(t.app, user, 'Allowance', orgId);
    return (await createToken(t.app, user.session, orgId, { scopes: ['kv:*'], project_id: projectId })).secret;
  }

  /** `setValue` until the first 402 (bounded): the μt the answers say were charged. */
  async function spendAll(token: string): Promise<number> {
    let used = 0;
    for (let i = 0; i < 100; i++) {
      const res = await request(t.app).put(`/infra/kv/k${i}`).set(bearer(token)).send({ value: i });
      if (res.status === 402) {
        expectError(res, 402, 'INSUFFICIENT_TOKENS');
        return used;
      }
      expect(res.status).toBe(200);
      used += Number(res.headers['x-microtokens-used']);
    }
    throw new Error('never refused: the allowance is not bounded');
  }

  async function balance(user: User, orgId: string) {
    const res = await request(t.app).get('/core/tokens/balance').query({ org_id: orgId }).set(bearer(user.session));
    expect(res.status).toBe(200);
    return { included: Math.round(res.body.included_remaining * 1e6), topup: Math.round(res.body.topup_balance * 1e6), total: Math.round(res.body.total * 1e6) };
  }

  async function createOrg(user: User, name: string): Promise<string> {
    const res = await request(t.app).post('/core/organizations').set(bearer(user.session)).send({ name });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function deleteOrg(user: User, orgId: string, name: string): Promise<void> {
    const res = await request(t.app).delete(`/core/organizations/${orgId}`).set(bearer(user.session)).send({ confirm_name: name });
    expect(res.status).toBe(200);
  }

  it('no new, recreated or restarted organization brings a fresh allowance once the owner has spent it', async () => {
    const owner = await signUp(t.app, 'allowance-owner');
    expect(await balance(owner, owner.orgId)).toEqual({ included: ALLOWANCE, topup: 0, total: ALLOWANCE });
    expect(await spendAll(await liveToken(owner, owner.orgId))).toBe(ALLOWANCE);

    // A second organization: nothing to spend.
    const second = await createOrg(owner, 'Second');
    expect(await balance(owner, second)).toEqual({ included: 0, topup: 0, total: 0 });
    expect(await spendAll(await liveToken(owner, second))).toBe(0);

    // Deleted and recreated under the same name: still nothing.
    await deleteOrg(owner, second, 'Second');
    const again = await createOrg(owner, 'Second');
    expect(again).not.toBe(second);
    expect(await balance(owner, again)).toEqual({ included: 0, topup: 0, total: 0 });
    expect(await spendAll(await liveToken(owner, again))).toBe(0);

    // Every organization deleted, then a new one: the account keeps what it spent.
    await deleteOrg(owner, again, 'Second');
    const sign = await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(owner.session));
    await deleteOrg(owner, owner.orgId, sign.body.name);
    const fresh = await createOrg(owner, 'Fresh start');
    expect(await balance(owner, fresh)).toEqual({ included: 0, topup: 0, total: 0 });
    const freshToken = await liveToken(owner, fresh);
    expect(await spendAll(freshToken)).toBe(0);

    // Top-ups stay with the organization they were bought for.
    const other = await createOrg(owner, 'Other');
    await topUp(t.db, fresh, 3 * SET_PRICE);
    expect(await balance(owner, fresh)).toEqual({ included: 0, topup: 3 * SET_PRICE, total: 3 * SET_PRICE });
    expect(await balance(owner, other)).toEqual({ included: 0, topup: 0, total: 0 });
    expect(await spendAll(freshToken)).toBe(3 * SET_PRICE);
    expect(await spendAll(await liveToken(owner, other))).toBe(0);
  }, 60_000);

  it("an owner's organizations share one allowance, which the balance reports; another account has its own", async () => {
    const owner = await signUp(t.app, 'allowance-shared');
    const second = await createOrg(owner, 'Shared second');
    const [first, other] = [await liveToken(owner, owner.orgId), await liveToken(owner, second)];
    // Half in the first organization: the second sees the same remainder.
    for (let i = 0; i < ALLOWANCE / SET_PRICE / 2; i++) expect((await request(t.app).put(`/infra/kv/h${i}`).set(bearer(first)).send({ value: i })).status).toBe(200);
    expect(await balance(owner, owner.orgId)).toEqual({ included: ALLOWANCE / 2, topup: 0, total: ALLOWANCE / 2 });
    expect(await balance(owner, second)).toEqual({ included: ALLOWANCE / 2, topup: 0, total: ALLOWANCE / 2 });
    // Both at once for the rest: together exactly the allowance, never more.
    const [a, b] = await Promise.all([spendAll(first), spendAll(other)]);
    expect(a + b).toBe(ALLOWANCE / 2);
    expect(await balance(owner, owner.orgId)).toMatchObject({ included: 0 });

    // Someone else's account is untouched and has its own.
    const stranger = await signUp(t.app, 'allowance-stranger');
    expect(await balance(stranger, stranger.orgId)).toEqual({ included: ALLOWANCE, topup: 0, total: ALLOWANCE });
    expect(await spendAll(await liveToken(stranger, stranger.orgId))).toBe(ALLOWANCE);
  }, 60_000);

  it('a new month refills the account once, shared, not once per organization', async () => {
    const owner = await signUp(t.app, 'allowance-month');
    const second = await createOrg(owner, 'Month second');
    const [first, other] = [await liveToken(owner, owner.orgId), await liveToken(owner, second)];
    expect((await spendAll(first)) + (await spendAll(other))).toBe(ALLOWANCE);
    // The account's month is over (as if the calendar had turned).
    await t.db.kysely.updateTable('account_allowance').set({ included_period: '2000-01' }).where('user_id', '=', owner.userId).execute();
    expect(await balance(owner, second)).toMatchObject({ included: ALLOWANCE });
    const [a, b] = await Promise.all([spendAll(first), spendAll(other)]);
    expect(a + b).toBe(ALLOWANCE);
    expect(await balance(owner, owner.orgId)).toEqual({ included: 0, topup: 0, total: 0 });
  }, 60_000);
});
