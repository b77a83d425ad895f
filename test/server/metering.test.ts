/**
 * Metering: every metered answer carries `X-Microtokens-Used`, the balance drops by exactly the
 * sum of those headers (allowance first, then top-ups), concurrent calls never overspend, calls
 * get 402 once the balance is spent, test tokens are never charged, and the operator's top-up
 * command refills the balance.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { charge, currentPeriod, readBalance, topUp } from '../../server/billing/balance.ts';
import { operationsById } from '../../server/spec.ts';
import { bearer, createProject, createToken, expectError, openApp, signUp, type TestApp } from './support/platform.ts';

const exec = promisify(execFile);
/** The command `npm run topup --` runs, without npm's start-up time. */
const topupCli = (args: string[], env: NodeJS.ProcessEnv) => exec(process.execPath, ['--import', 'tsx', 'server/cli/topup.ts', ...args], { env });
const opened: TestApp[] = [];
afterAll(async () => {
  for (const t of opened) {
    expect(t.logs).toEqual([]);
    await t.close();
  }
});

async function setup(includedMicrotokens?: number, dbUrl?: string) {
  const t = await openApp({ includedMicrotokens, ...(dbUrl ? { dbUrl } : {}) });
  opened.push(t);
  const owner = await signUp(t.app, 'meter');
  const projectId = await createProject(t.app, owner);
  const live = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:*', 'channels:*'], project_id: projectId });
  const test = await createToken(t.app, owner.session, owner.orgId, { scopes: ['kv:*'], project_id: projectId, mode: 'test' });
  const balance = async () => (await request(t.app).get('/core/tokens/balance').query({ org_id: owner.orgId }).set(bearer(owner.session))).body;
  return { t, owner, projectId, live: live.secret, test: test.secret, balance };
}

const used = (res: { headers: Record<string, string> }) => Number(res.headers['x-microtokens-used']);
const price = (op: string) => operationsById.get(op as never)!.price!;

describe('charges', () => {
  it('the balance drops by exactly the sum of X-Microtokens-Used, each equal to the documented price', async () => {
    const { t, live, balance } = await setup();
    const start = await balance();
    expect(start).toMatchObject({ included_remaining: 5, topup_balance: 0, total: 5 });
    const calls = [
      ['setValue', () => request(t.app).put('/infra/kv/a').set(bearer(live)).send({ value: 1 })],
      ['getValue', () => request(t.app).get('/infra/kv/a').set(bearer(live))],
      ['incrementValue', () => request(t.app).post('/infra/kv/a/increment').set(bearer(live)).send({})],
      ['scanKeys', () => request(t.app).get('/infra/kv').set(bearer(live))],
      ['deleteValue', () => request(t.app).delete('/infra/kv/a').set(bearer(live))],
      ['publishEvent', () => request(t.app).post('/infra/channels/c/publish').set(bearer(live)).send({ event: 'e' })],
    ] as const;
    let sum = 0;
    for (const [op, call] of calls) {
      const res = await call();
      // The error body, if any, is in the comparison so that a failure shows why.
      expect({ op, status: res.status, used: used(res), error: res.body.error }).toEqual({ op, status: 200, used: price(op), error: undefined });
      sum += used(res);
    }
    const end = await balance();
    expect(Math.round((start.total - end.total) * 1e6)).toBe(sum);
    expect(end.included_remaining).toBe(end.total);
  });

  it('a batch costs the sum of its ops’ prices', async () => {
    const { t, live, balance } = await setup();
    const byOp = operationsById.get('batchOperations')!.priceByOp!;
    const before = (await balance()).total;
    const res = await request(t.app)
      .post('/infra/kv')
      .set(bearer(live))
      .send({ ops: [{ op: 'set', key: 'x', value: 1 }, { op: 'get', key: 'x' }, { op: 'get', key: 'y' }, { op: 'delete', key: 'x' }] });
    expect(res.status).toBe(200);
    expect(used(res)).toBe(byOp.set + 2 * byOp.get + byOp.delete);
    expect(Math.round((before - (await balance()).total) * 1e6)).toBe(used(res));
  });

  it('a metered call that fails after the charge still reports it', async () => {
    const { t, live, balance } = await setup();
    const before = (await balance()).total;
    const res = await request(t.app).get('/infra/kv/missing').set(bearer(live));
    expectError(res, 404, 'NOT_FOUND');
    expect(used(res)).toBe(price('getValue'));
    expect(Math.round((before - (await balance()).total) * 1e6)).toBe(price('getValue'));
  });

  it('nothing is charged before authentication and validation pass', async () => {
    const { t, live, balance } = await setup();
    const before = await balance();
    expectError(await request(t.app).put('/infra/kv/a').set(bearer(live)).send({ ttl: 5 }), 400, 'INVALID_REQUEST');
    expectError(await request(t.app).get('/infra/kv/a').set(bearer('sk_live_nope')), 401, 'UNAUTHORIZED');
    expect(await balance()).toEqual(before);
  });

  it('test tokens are never charged', async () => {
    const { t, test, balance } = await setup();
    const before = await balance();
    const res = await request(t.app).put('/infra/kv/a').set(bearer(test)).send({ value: 1 });
    expect(res.status).toBe(200);
    expect(res.headers['x-microtokens-used']).toBe('0');
    expect(await balance()).toEqual(before);
  });

  it('platform operations are not metered', async () => {
    const { t, owner } = await setup();
    const res = await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(owner.session));
    expect(res.headers['x-microtokens-used']).toBeUndefined();
  });
});

describe('spent balance', () => {
  it('402 INSUFFICIENT_TOKENS once spent; a top-up is spent after the allowance', async () => {
    const { t, owner, live, balance } = await setup(10);
    for (let i = 0; i < 5; i++) expect((await request(t.app).put('/infra/kv/a').set(bearer(live)).send({ value: i })).status).toBe(200);
    const refused = await request(t.app).put('/infra/kv/a').set(bearer(live)).send({ value: 'no' });
    expectError(refused, 402, 'INSUFFICIENT_TOKENS');
    expect(refused.headers['x-microtokens-used']).toBe('0');
    expect((await request(t.app).get('/infra/kv/a').set(bearer(live))).status).toBe(402);
    expect(await balance()).toMatchObject({ included_remaining: 0, topup_balance: 0, total: 0 });

    await topUp(t.db, owner.orgId, 3);
    expect((await request(t.app).put('/infra/kv/a').set(bearer(live)).send({ value: 'yes' })).status).toBe(200);
    expect(await balance()).toMatchObject({ included_remaining: 0, topup_balance: 0.000001, total: 0.000001 });
    expect((await request(t.app).put('/infra/kv/a').set(bearer(live)).send({ value: 'no' })).status).toBe(402);
  });

  it('a charge larger than the allowance takes the rest from top-ups, exactly', async () => {
    const { t, owner } = await setup(1);
    await topUp(t.db, owner.orgId, 10);
    expect(await charge(t.db, owner.orgId, 4, 1)).toBe(true);
    expect(await readBalance(t.db, owner.orgId, 1)).toEqual({ includedRemaining: 0, topupBalance: 7 });
    expect(await charge(t.db, owner.orgId, 8, 1)).toBe(false);
    expect(await readBalance(t.db, owner.orgId, 1)).toEqual({ includedRemaining: 0, topupBalance: 7 });
  });

  it('concurrent calls never overspend: exactly the affordable ones succeed', async () => {
    const { t, live, balance } = await setup(100);
    const results = await Promise.all(Array.from({ length: 80 }, (_, i) => request(t.app).put(`/infra/kv/k${i}`).set(bearer(live)).send({ value: i })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(50);
    expect(results.filter((r) => r.status === 402)).toHaveLength(30);
    expect(results.reduce((sum, r) => sum + used(r), 0)).toBe(100);
    expect((await balance()).total).toBe(0);
  });

  it('the allowance is refilled once when the month changes', async () => {
    const { t, owner, live, balance } = await setup(10);
    // The allowance is the owner's account's (server/billing/balance.ts).
    await t.db.kysely.updateTable('account_allowance').set({ included_remaining: 0, included_period: '2000-01' }).where('user_id', '=', owner.userId).execute();
    expect((await request(t.app).put('/infra/kv/a').set(bearer(live)).send({ value: 1 })).status).toBe(200);
    expect((await balance()).included_remaining).toBe(0.000008);
    const row = await t.db.kysely.selectFrom('account_allowance').select('included_period').where('user_id', '=', owner.userId).executeTakeFirstOrThrow();
    expect(row.included_period).toBe(currentPeriod());
  });
});

describe('balance', () => {
  it('is readable with billing:read, in tokens', async () => {
    const { t, owner } = await setup();
    const token = await createToken(t.app, owner.session, owner.orgId, { scopes: ['billing:read'] });
    const res = await request(t.app).get('/core/tokens/balance').query({ org_id: owner.orgId }).set(bearer(token.secret));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ org_id: owner.orgId, included_remaining: 5, topup_balance: 0, total: 5 });
  });

  it('org_id is required and must be an organization id', async () => {
    const { t, owner } = await setup();
    expectError(await request(t.app).get('/core/tokens/balance').set(bearer(owner.session)), 400, 'INVALID_REQUEST');
    expectError(await request(t.app).get('/core/tokens/balance').query({ org_id: 'acme' }).set(bearer(owner.session)), 400, 'INVALID_REQUEST');
  });
});

describe('npm run topup', () => {
  it('adds top-up tokens to an organization, as the API then reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'topup-'));
    try {
      const dbUrl = join(dir, 'saasignal.db');
      const { t, owner, balance } = await setup(undefined, dbUrl);
      const env = { ...process.env, DATABASE_URL: dbUrl };
      const { stdout } = await topupCli([owner.orgId, '2.5'], env);
      expect(JSON.parse(stdout)).toEqual({ org_id: owner.orgId, added: 2.5, included_remaining: 5, topup_balance: 2.5, total: 7.5 });
      expect(await balance()).toMatchObject({ topup_balance: 2.5, total: 7.5 });

      const unknown = await topupCli(['org_01JNXS8QZ3M2V7K4T9R5W6Y8AB', '1'], env).catch((e) => e);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No organization');
      const amounts = ['-1', 'lots', '0', '1.0000001'];
      const bad = await Promise.all(amounts.map((amount) => topupCli([owner.orgId, amount], env).catch((e) => e)));
      expect(bad.map((b) => b.code)).toEqual([2, 2, 2, 2]);
      expect((await balance()).total).toBe(7.5);
      await t.close();
      opened.splice(opened.indexOf(t), 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
