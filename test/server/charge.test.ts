/**
 * `charge` (server/billing/balance.ts), the monthly refill included: each row gives the balance
 * before (the allowance of the owner's account and its period, the organization's top-ups), the
 * price, and what must follow. Each organization here has an owner of its own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { charge, currentPeriod, readBalance } from '../../server/billing/balance.ts';
import { type Db, openDb } from '../../server/db/index.ts';

const ALLOWANCE = 100;
let db: Db;
beforeAll(async () => {
  db = await openDb({ url: ':memory:' });
});
afterAll(() => db.close());

let n = 0;
async function organization(included: number, topup: number, period: string): Promise<string> {
  const id = `org_charge_${n++}`;
  const owner = `usr_${id}`;
  const now = new Date().toISOString();
  await db.kysely
    .insertInto('organization')
    .values({ id, name: id, slug: id, owner_id: owner, created_at: now, updated_at: now, included_remaining: 0, included_period: period, topup_balance: topup })
    .execute();
  await db.kysely.insertInto('account_allowance').values({ user_id: owner, included_remaining: included, included_period: period }).execute();
  return id;
}

const now = currentPeriod();
const LAST_YEAR = `${Number(now.slice(0, 4)) - 1}${now.slice(4)}`;

it.each([
  // name, included, topup, period, price, charged, included after, topup after
  ['spends the allowance first', 50, 10, now, 20, true, 30, 10],
  ['then top-ups', 5, 10, now, 8, true, 0, 7],
  ['takes exactly the balance', 5, 10, now, 15, true, 0, 0],
  ['refuses more than the balance, taking nothing', 5, 10, now, 16, false, 5, 10],
  ['refills a past month before charging', 0, 0, LAST_YEAR, 30, true, ALLOWANCE - 30, 0],
  ['refills a past month, then uses top-ups too', 0, 50, LAST_YEAR, ALLOWANCE + 20, true, 0, 30],
  ['refuses beyond a refilled month, which reads as refilled', 0, 5, LAST_YEAR, ALLOWANCE + 6, false, ALLOWANCE, 5],
  ['never refills the current month twice', 0, 0, now, 1, false, 0, 0],
])('%s', async (_name, included, topup, period, price, charged, includedAfter, topupAfter) => {
  const org = await organization(included, topup, period);
  expect(await charge(db, org, price, ALLOWANCE)).toBe(charged);
  expect(await readBalance(db, org, ALLOWANCE)).toEqual({ includedRemaining: includedAfter, topupBalance: topupAfter });
  // A charge moves the account to this month; a refused one writes nothing (a read computes the refill).
  const row = await db.kysely.selectFrom('account_allowance').select('included_period').where('user_id', '=', `usr_${org}`).executeTakeFirstOrThrow();
  expect(row.included_period).toBe(charged ? now : period);
});

it('concurrent charges in a new month refill once', async () => {
  const org = await organization(0, 0, LAST_YEAR);
  const results = await Promise.all(Array.from({ length: 30 }, () => charge(db, org, 10, ALLOWANCE)));
  expect(results.filter(Boolean)).toHaveLength(ALLOWANCE / 10);
  expect(await readBalance(db, org, ALLOWANCE)).toEqual({ includedRemaining: 0, topupBalance: 0 });
});
