/**
 * Migration 0011 (server/db/migrations/account-allowance.ts) on a database written before it,
 * on SQLite and PostgreSQL: each owner's account takes the smallest allowance left among its
 * organizations of their latest month (never more than any one of them had), an owner whose
 * organizations are all in a past month is refilled at once, and an account row that already
 * exists is kept.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { currentPeriod, readBalance } from '../../server/billing/balance.ts';
import { type Db, migrate, openDb } from '../../server/db/index.ts';
import { createPgSchema } from '../support/pg-schema.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function open(store: 'sqlite' | 'postgres'): Promise<Db> {
  if (store === 'sqlite') {
    const db = await openDb({ url: ':memory:' });
    cleanups.push(() => db.close());
    return db;
  }
  const schema = await createPgSchema('allowance');
  cleanups.push(schema.drop);
  const db = await openDb({ url: schema.url });
  cleanups.push(() => db.close());
  return db;
}

const ALLOWANCE = 5_000;
const now = currentPeriod();

describe.each(['sqlite', 'postgres'] as const)('on %s', (store) => {
  it('moves per-organization allowances to one per owner by the minimum rule', async () => {
    const db = await open(store);
    // Back to the schema as 0010 left it.
    await db.kysely.deleteFrom('kysely_migration').where('name', '=', '0011_account_allowance').execute();
    await db.kysely.schema.dropIndex('organization_owner_idx').execute();
    await db.kysely.schema.alterTable('balance_hold').dropColumn('included').execute();

    const orgs: [string, string, number, string][] = [
      // id, owner, included_remaining, included_period
      ['org_a1', 'usr_a', 3_000, now],
      ['org_a2', 'usr_a', 1_000, now],
      ['org_a3', 'usr_a', 50, '2000-01'],
      ['org_b1', 'usr_b', 10, '2000-01'],
      ['org_b2', 'usr_b', 9, '2000-02'],
      ['org_c1', 'usr_c', 4_000, now],
    ];
    const at = new Date().toISOString();
    for (const [id, owner, included, period] of orgs) {
      await db.kysely
        .insertInto('organization')
        .values({ id, name: id, slug: id, owner_id: owner, created_at: at, updated_at: at, included_remaining: included, included_period: period, topup_balance: 7 })
        .execute();
    }
    // An account that already has its row keeps it.
    await db.kysely.insertInto('account_allowance').values({ user_id: 'usr_c', included_remaining: 42, included_period: now }).execute();

    expect(await migrate(db)).toEqual(['0011_account_allowance']);
    const rows = await db.kysely.selectFrom('account_allowance').selectAll().orderBy('user_id').execute();
    expect(rows.map((r) => ({ ...r, included_remaining: Number(r.included_remaining) }))).toEqual([
      { user_id: 'usr_a', included_remaining: 1_000, included_period: now },
      { user_id: 'usr_b', included_remaining: 9, included_period: '2000-02' },
      { user_id: 'usr_c', included_remaining: 42, included_period: now },
    ]);
    // Every organization of an owner reports the owner's one allowance; top-ups stay their own.
    for (const id of ['org_a1', 'org_a2', 'org_a3']) expect(await readBalance(db, id, ALLOWANCE)).toEqual({ includedRemaining: 1_000, topupBalance: 7 });
    for (const id of ['org_b1', 'org_b2']) expect(await readBalance(db, id, ALLOWANCE)).toEqual({ includedRemaining: ALLOWANCE, topupBalance: 7 });
    expect(await readBalance(db, 'org_c1', ALLOWANCE)).toEqual({ includedRemaining: 42, topupBalance: 7 });
  });
});
