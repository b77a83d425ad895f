/**
 * Metering without a write per request (server/billing/ledger.ts): two instances charging one
 * organization at once, on SQLite and on PostgreSQL. Each charge is its price or nothing; the
 * balance never goes below zero; once both have flushed, it has dropped by exactly what was charged
 * and the usage records say the same; no instance refuses while the balance it could reserve pays.
 * Then the same for two organizations of one owner, which share its account's allowance and have
 * top-ups of their own; and what an organization spent of the allowance is written even when the
 * organization is deleted before its instance flushed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { readBalance } from '../../server/billing/balance.ts';
import { Ledger } from '../../server/billing/ledger.ts';
import { readUsage } from '../../server/billing/usage.ts';
import { type Db, openDb } from '../../server/db/index.ts';
import { createPgSchema } from '../support/pg-schema.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function twoInstances(store: 'sqlite' | 'postgres'): Promise<[Db, Db]> {
  if (store === 'sqlite') {
    // One server per SQLite file: two ledgers on one connection stand for two instances' holds.
    const db = await openDb({ url: ':memory:' });
    cleanups.push(() => db.close());
    return [db, db];
  }
  const schema = await createPgSchema('ledger');
  cleanups.push(schema.drop);
  const a = await openDb({ url: schema.url });
  const b = await openDb({ url: schema.url });
  cleanups.push(() => a.close(), () => b.close());
  return [a, b];
}

/** An organization row straight in the table (the ledger needs no more): no allowance left this month, `topup` μt of top-ups. */
async function insertOrganization(db: Db, id: string, owner: string, topup = 0): Promise<void> {
  const at = new Date().toISOString();
  await db.kysely
    .insertInto('organization')
    .values({ id, name: id, owner_id: owner, slug: `${id}-${randomBytes(3).toString('hex')}`, created_at: at, updated_at: at, included_remaining: 0, included_period: '2000-01', topup_balance: topup })
    .execute();
}

describe.each(['sqlite', 'postgres'] as const)('on %s', (store) => {
  it('two instances charge one organization exactly, never below zero, and refuse only what nobody can pay', async () => {
    const [dbA, dbB] = await twoInstances(store);
    const orgId = `org_ledger${store}`;
    const now = new Date().toISOString();
    await insertOrganization(dbA, orgId, 'usr_ledger');
    const ALLOWANCE = 5_000;
    const a = new Ledger(dbA, { allowance: () => ALLOWANCE, flushMs: 50 });
    const b = new Ledger(dbB, { allowance: () => ALLOWANCE, flushMs: 50 });
    let charged = 0;
    let refused = 0;
    // Prices 1-3 μt through both, 40 at a time, until both refuse a 1 μt call.
    for (let round = 0; round < 400; round++) {
      const results = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const price = 1 + ((round + i) % 3);
          return (await (i % 2 ? a : b).charge(orgId, 'getKv', price)) ? price : -1;
        }),
      );
      for (const r of results) r > 0 ? (charged += r) : refused++;
      const probe = async (ledger: Ledger) => ((await ledger.charge(orgId, 'getKv', 1)) ? ((charged += 1), true) : false);
      if (refused > 0 && !(await probe(a)) && !(await probe(b))) break;
      // Never below zero, at any moment: what is written plus what is held covers what was charged.
      const account = await dbA.kysely.selectFrom('account_allowance').select('included_remaining').where('user_id', '=', 'usr_ledger').executeTakeFirst();
      expect(Number(account?.included_remaining ?? ALLOWANCE)).toBeGreaterThanOrEqual(0);
      const balance = await dbA.kysely.selectFrom('organization').select('topup_balance').where('id', '=', orgId).executeTakeFirstOrThrow();
      expect(Number(balance.topup_balance)).toBe(0);
    }
    expect(refused).toBeGreaterThan(0);
    await a.close();
    await b.close();
    expect(charged).toBe(ALLOWANCE);
    expect(await readBalance(dbA, orgId, ALLOWANCE)).toEqual({ includedRemaining: 0, topupBalance: 0 });
    const usage = await readUsage(dbB, orgId, now.slice(0, 7));
    expect(usage.reduce((sum, u) => sum + u.microtokens, 0)).toBe(ALLOWANCE);
    expect(await dbA.kysely.selectFrom('balance_hold').selectAll().execute()).toEqual([]);
  }, 60_000);

  it('two instances charging two organizations of one owner spend its one allowance, then each its own top-ups, exactly', async () => {
    const [dbA, dbB] = await twoInstances(store);
    const owner = `usr_shared${store}`;
    const now = new Date().toISOString();
    const ALLOWANCE = 2_000;
    const TOPUP = { first: 600, second: 0 };
    const orgs = { first: `org_first${store}`, second: `org_second${store}` };
    for (const [name, id] of Object.entries(orgs)) await insertOrganization(dbA, id, owner, TOPUP[name as keyof typeof TOPUP]);
    const a = new Ledger(dbA, { allowance: () => ALLOWANCE, flushMs: 50 });
    const b = new Ledger(dbB, { allowance: () => ALLOWANCE, flushMs: 50 });
    const charged = { first: 0, second: 0 };
    let refused = 0;
    const pairs = [
      [a, 'first'],
      [b, 'second'],
      [a, 'second'],
      [b, 'first'],
    ] as const;
    for (let round = 0; round < 400; round++) {
      const results = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const [ledger, org] = pairs[i % 4];
          const price = 1 + ((round + i) % 3);
          return (await ledger.charge(orgs[org], 'getKv', price)) ? ((charged[org] += price), true) : false;
        }),
      );
      refused += results.filter((r) => !r).length;
      const probe = async (ledger: Ledger, org: keyof typeof orgs) => ((await ledger.charge(orgs[org], 'getKv', 1)) ? ((charged[org] += 1), true) : false);
      const refusing = async () => !(await probe(a, 'first')) && !(await probe(b, 'first')) && !(await probe(a, 'second')) && !(await probe(b, 'second'));
      if (refused > 0 && (await refusing())) break;
      const account = await dbA.kysely.selectFrom('account_allowance').select('included_remaining').where('user_id', '=', owner).executeTakeFirst();
      expect(Number(account?.included_remaining ?? ALLOWANCE)).toBeGreaterThanOrEqual(0);
      for (const id of Object.values(orgs)) {
        const row = await dbA.kysely.selectFrom('organization').select('topup_balance').where('id', '=', id).executeTakeFirstOrThrow();
        expect(Number(row.topup_balance)).toBeGreaterThanOrEqual(0);
      }
    }
    expect(refused).toBeGreaterThan(0);
    await a.close();
    await b.close();
    // One allowance for both, not one each; the second organization has nothing else.
    expect(charged.first + charged.second).toBe(ALLOWANCE + TOPUP.first);
    expect(charged.second).toBeLessThanOrEqual(ALLOWANCE);
    expect(await readBalance(dbA, orgs.first, ALLOWANCE)).toEqual({ includedRemaining: 0, topupBalance: 0 });
    expect(await readBalance(dbB, orgs.second, ALLOWANCE)).toEqual({ includedRemaining: 0, topupBalance: 0 });
    for (const [org, id] of Object.entries(orgs)) {
      const usage = await readUsage(dbA, id, now.slice(0, 7));
      expect(usage.reduce((sum, u) => sum + u.microtokens, 0)).toBe(charged[org as keyof typeof charged]);
    }
    expect(await dbA.kysely.selectFrom('balance_hold').selectAll().execute()).toEqual([]);
  }, 60_000);

  it('what an organization spent of the allowance stays spent when it is deleted before the flush', async () => {
    const [db] = await twoInstances(store);
    const owner = `usr_gone${store}`;
    const org = `org_gone${store}`;
    await insertOrganization(db, org, owner);
    // No timed flush: the charges are pending when the organization goes.
    const ledger = new Ledger(db, { allowance: () => 1_000, flushMs: 3_600_000 });
    for (let i = 0; i < 50; i++) expect(await ledger.charge(org, 'setValue', 2)).toBe(true);
    await db.kysely.deleteFrom('organization').where('id', '=', org).execute();
    await ledger.close();
    const account = await db.kysely.selectFrom('account_allowance').select('included_remaining').where('user_id', '=', owner).executeTakeFirstOrThrow();
    expect(Number(account.included_remaining)).toBe(1_000 - 100);
  });

  it('takes the next hold before this one runs out, so that no request waits for it, while the balance is plenty; near its end, only as requests need', async () => {
    const [db] = await twoInstances(store);
    const owner = `usr_ahead${store}`;
    const org = `org_ahead${store}`;
    await insertOrganization(db, org, owner);
    // 10 holds of 1,000 calls of 1 μt: plenty for the first 7; the last ones are taken on demand.
    const ALLOWANCE = 10_000;
    const ledger = new Ledger(db, { allowance: () => ALLOWANCE, flushMs: 3_600_000 });
    const held = async () => Number((await db.kysely.selectFrom('balance_hold').select('microtokens').where('org_id', '=', org).executeTakeFirst())?.microtokens ?? 0);
    // The first charge takes the first hold; every later one is answered at once (not a promise)
    // while the balance is plenty, the hold being renewed in the background (awaited here by a
    // flush, which runs on the same lane after it).
    expect(await ledger.charge(org, 'getKv', 1)).toBe(true);
    let waited = 0;
    let charged = 1;
    for (; charged < 6_000; charged++) {
      const answer = ledger.charge(org, 'getKv', 1);
      if (answer !== true) {
        waited++;
        expect(await answer).toBe(true);
      }
      if (charged % 100 === 0) await ledger.flush(org);
    }
    expect(waited).toBe(0);
    // Never more set aside than the spending written, a hold and the one taken ahead.
    expect(await held()).toBeLessThanOrEqual(2_000);
    // Near the end of the balance, holds are only taken on demand: every μt is charged, then 402.
    while ((await ledger.charge(org, 'getKv', 1)) === true) charged++;
    expect(charged).toBe(ALLOWANCE);
    await ledger.close();
    expect(await readBalance(db, org, ALLOWANCE)).toEqual({ includedRemaining: 0, topupBalance: 0 });
    expect(await held()).toBe(0);
  });
});
