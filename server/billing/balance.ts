/**
 * An organization's token balance, in integer microtokens (1 token = 1,000,000 μt): a monthly
 * included allowance, spent first, and top-ups. Every change is one SQL statement, so concurrent
 * requests and several instances can neither lose nor double-spend a microtoken.
 *
 * @module server/billing/balance
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { flushLedger, STALE_MS } from './ledger.ts';

export interface Balance {
  includedRemaining: number;
  topupBalance: number;
}

/** The monthly allowance (env `SAASIGNAL_INCLUDED_MICROTOKENS`, default 5,000,000 μt = 5 tokens). */
export function includedAllowance(): number {
  const value = Number(process.env.SAASIGNAL_INCLUDED_MICROTOKENS);
  return Number.isSafeInteger(value) && value >= 0 ? value : 5_000_000;
}

/** `YYYY-MM` in UTC: the billing period, compared as text. */
export function currentPeriod(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}

/**
 * Refills the allowance when the month has changed. The `period <` guard makes the refill happen
 * once per month, however many requests race to do it.
 */
export async function refreshPeriod(db: Db, orgId: string, allowance = includedAllowance()): Promise<void> {
  const period = currentPeriod();
  await db.kysely
    .updateTable('organization')
    .set({ included_remaining: allowance, included_period: period })
    .where('id', '=', orgId)
    .where('included_period', '<', period)
    .execute();
}

/**
 * Spends `price` μt: from the allowance first, then from top-ups. One UPDATE whose WHERE clause
 * checks the sum, so it either takes exactly `price` or nothing (returns false: insufficient).
 * Every SET expression reads the row as it was before the update (SQL semantics on both dialects).
 *
 * The monthly refill is folded into the same statement: `included` is the allowance left once the
 * period is current (the full allowance when the row's period is behind), and the row's period
 * is moved to the current one with the charge. One statement per metered request instead of two
 * (a refresh, then the charge): each is a write transaction on SQLite. When the charge fails, the
 * refill is not written either; it is recomputed identically by the next charge or balance read.
 */
export async function charge(db: Db, orgId: string, price: number, allowance = includedAllowance()): Promise<boolean> {
  if (price === 0) return true;
  const period = currentPeriod();
  const p = sql.lit(price);
  const behind = sql`included_period < ${period}`;
  const included = sql`(CASE WHEN ${behind} THEN ${sql.lit(allowance)} ELSE included_remaining END)`;
  const result = await db.kysely
    .updateTable('organization')
    .set({
      included_remaining: sql`CASE WHEN ${included} >= ${p} THEN ${included} - ${p} ELSE 0 END`,
      topup_balance: sql`CASE WHEN ${included} >= ${p} THEN topup_balance ELSE topup_balance - (${p} - ${included}) END`,
      included_period: sql`CASE WHEN ${behind} THEN ${period} ELSE included_period END`,
    })
    .where('id', '=', orgId)
    // What instances hold for their requests (server/billing/ledger.ts) is not this charge's.
    .where(sql<boolean>`${included} + topup_balance - ${held(orgId)} >= ${p}`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** μt held by live instances for their requests (server/billing/ledger.ts). */
const held = (orgId: string) =>
  sql`coalesce((select sum(microtokens) from balance_hold where org_id = ${orgId} and renewed_at > ${Date.now() - STALE_MS}), 0)`;

/** Adds top-up microtokens; false when there is no such organization. */
export async function topUp(db: Db, orgId: string, microtokens: number): Promise<boolean> {
  const result = await db.kysely
    .updateTable('organization')
    .set({ topup_balance: sql`topup_balance + ${sql.lit(microtokens)}` })
    .where('id', '=', orgId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function readBalance(db: Db, orgId: string, allowance = includedAllowance()): Promise<Balance | null> {
  // Charged by this instance and not yet written (server/billing/ledger.ts).
  await flushLedger(db, orgId);
  await refreshPeriod(db, orgId, allowance);
  const row = await db.kysely
    .selectFrom('organization')
    .select(['included_remaining', 'topup_balance'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  return row ? { includedRemaining: Number(row.included_remaining), topupBalance: Number(row.topup_balance) } : null;
}
