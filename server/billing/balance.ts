/**
 * The balance an organization spends, in integer microtokens (1 token = 1,000,000 μt): the monthly
 * included allowance, spent first, and the organization's own top-ups.
 *
 * The allowance belongs to the account that owns the organization (`account_allowance`, one row
 * per owner), not to the organization: every organization an account owns spends from the same
 * allowance, so creating organizations, or deleting and recreating one, never yields a fresh one
 * (issue 13, item 8). Top-ups stay with the organization they were bought for. An account gets
 * its row, with the month's full allowance, with its first organization.
 *
 * Every path that spends (a direct {@link charge}, the metering ledger's holds and flushes in
 * ./ledger.ts) first locks the owner's account row, then the organization's row, in that order
 * (PostgreSQL `for update`; on SQLite the transaction holds the database), so concurrent requests,
 * several organizations of one owner and several instances neither lose nor double-spend a
 * microtoken, and what live instances hold for any of the owner's organizations counts against
 * the one allowance.
 *
 * @module server/billing/balance
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Db, Dialect } from '../db/index.ts';
import { flushLedger, STALE_MS } from './ledger.ts';

export interface Balance {
  /** The owner's allowance left this month, shared by all its organizations. */
  includedRemaining: number;
  /** The organization's own top-ups. */
  topupBalance: number;
}

/** The monthly allowance of an account (env `SAASIGNAL_INCLUDED_MICROTOKENS`, default 5,000,000 μt = 5 tokens). */
export function includedAllowance(): number {
  const value = Number(process.env.SAASIGNAL_INCLUDED_MICROTOKENS);
  return Number.isSafeInteger(value) && value >= 0 ? value : 5_000_000;
}

/** `YYYY-MM` in UTC: the billing period, compared as text. */
export function currentPeriod(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}

type Executor = Kysely<any> | Transaction<any>;

/**
 * Gives `ownerId` its allowance row (this month's full allowance) unless it has one. A row is
 * never deleted, whatever happens to the owner's organizations: that is what keeps the allowance
 * from being multiplied.
 */
export async function openAccount(db: Executor, ownerId: string, allowance: number): Promise<void> {
  await sql`
    insert into account_allowance (user_id, included_remaining, included_period) values (${ownerId}, ${allowance}, ${currentPeriod()})
    on conflict (user_id) do nothing`.execute(db);
}

/** The allowance left this month: the full allowance when the row's period is behind (refilled at its next charge). */
const includedNow = (row: { included_remaining: unknown; included_period: string }, allowance: number) =>
  row.included_period < currentPeriod() ? allowance : Number(row.included_remaining);

/** What a spending path reads, under the locks of {@link lockBalance}. */
export interface LockedBalance {
  ownerId: string;
  /** The owner's allowance left this month. */
  included: number;
  /** The organization's top-ups. */
  topup: number;
  /** μt of the allowance that live instances hold, for any organization of the owner. */
  includedHeld: number;
  /** μt of this organization's top-ups that live instances hold. */
  topupHeld: number;
}

/**
 * Locks the owner's account row, then the organization's row (the one order every spending path
 * takes them in), and reads the balance and the live holds (./ledger.ts) against it: all holds of
 * all the owner's organizations against the allowance, this organization's against its top-ups.
 * `except` leaves out one instance's own hold for this organization (it counts it itself). Null
 * when there is no such organization.
 */
export async function lockBalance(
  trx: Transaction<any>,
  dialect: Dialect,
  orgId: string,
  allowance: number,
  except?: { instance: string },
): Promise<LockedBalance | null> {
  const forUpdate = dialect === 'postgres' ? sql`for update` : sql``;
  // An organization's owner never changes: read without a lock, to know which account to lock first.
  const owner = await sql<{ owner_id: string }>`select owner_id from organization where id = ${orgId}`.execute(trx);
  const ownerId = owner.rows[0]?.owner_id;
  if (!ownerId) return null;
  await openAccount(trx, ownerId, allowance);
  const account = await sql<{ included_remaining: unknown; included_period: string }>`
    select included_remaining, included_period from account_allowance where user_id = ${ownerId} ${forUpdate}`.execute(trx);
  const org = await sql<{ topup_balance: unknown }>`select topup_balance from organization where id = ${orgId} ${forUpdate}`.execute(trx);
  if (!org.rows[0] || !account.rows[0]) return null;
  const notMine = except ? sql`and not (h.org_id = ${orgId} and h.instance_id = ${except.instance})` : sql``;
  const held = await sql<{ included_held: unknown; topup_held: unknown }>`
    select coalesce(sum(h.included), 0) as included_held,
           coalesce(sum(case when h.org_id = ${orgId} then h.microtokens - h.included else 0 end), 0) as topup_held
    from balance_hold h join organization o on o.id = h.org_id
    where o.owner_id = ${ownerId} and h.renewed_at > ${Date.now() - STALE_MS} ${notMine}`.execute(trx);
  return {
    ownerId,
    included: includedNow(account.rows[0], allowance),
    topup: Number(org.rows[0].topup_balance),
    includedHeld: Number(held.rows[0]?.included_held ?? 0),
    topupHeld: Number(held.rows[0]?.topup_held ?? 0),
  };
}

/**
 * Writes spending off the balance: `fromIncluded` off the owner's allowance (refilled first when
 * its month has passed; the period moved to the current one), `fromTopup` off the organization's
 * top-ups. Neither goes below zero. Call inside a transaction, the account before the
 * organization as in {@link lockBalance}. False when the organization no longer exists (what it
 * spent of the allowance is written all the same: deleting it gives nothing back).
 */
export async function spend(trx: Transaction<any>, ownerId: string, orgId: string, fromIncluded: number, fromTopup: number, allowance: number): Promise<boolean> {
  const period = currentPeriod();
  if (fromIncluded > 0) {
    const f = sql.lit(fromIncluded);
    const included = sql`(CASE WHEN included_period < ${period} THEN ${sql.lit(allowance)} ELSE included_remaining END)`;
    await trx
      .updateTable('account_allowance')
      .set({
        included_remaining: sql`CASE WHEN ${included} >= ${f} THEN ${included} - ${f} ELSE 0 END`,
        included_period: sql`CASE WHEN included_period < ${period} THEN ${period} ELSE included_period END`,
      })
      .where('user_id', '=', ownerId)
      .execute();
  }
  const t = sql.lit(fromTopup);
  const result = await trx
    .updateTable('organization')
    .set({ topup_balance: sql`CASE WHEN topup_balance >= ${t} THEN topup_balance - ${t} ELSE 0 END` })
    .where('id', '=', orgId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Spends `price` μt at once (per-minute charges of open streams): from what is left of the
 * allowance once live holds are counted, then from the organization's top-ups not held. It takes
 * exactly `price` or nothing (false: insufficient, or no such organization).
 */
export async function charge(db: Db, orgId: string, price: number, allowance = includedAllowance()): Promise<boolean> {
  if (price === 0) return true;
  return db.kysely.transaction().execute(async (trx) => {
    const b = await lockBalance(trx, db.dialect, orgId, allowance);
    if (!b) return false;
    const freeIncluded = Math.max(0, b.included - b.includedHeld);
    const freeTopup = Math.max(0, b.topup - b.topupHeld);
    if (freeIncluded + freeTopup < price) return false;
    const fromIncluded = Math.min(price, freeIncluded);
    return spend(trx, b.ownerId, orgId, fromIncluded, price - fromIncluded, allowance);
  });
}

/** Adds top-up microtokens to one organization; false when there is no such organization. */
export async function topUp(db: Db, orgId: string, microtokens: number): Promise<boolean> {
  const result = await db.kysely
    .updateTable('organization')
    .set({ topup_balance: sql`topup_balance + ${sql.lit(microtokens)}` })
    .where('id', '=', orgId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * The balance of `orgId`: its owner's allowance left (shared with the owner's other
 * organizations) and its own top-ups, after this instance's pending charges of all the owner's
 * organizations are written (./ledger.ts). Null when there is no such organization.
 */
export async function readBalance(db: Db, orgId: string, allowance = includedAllowance()): Promise<Balance | null> {
  const owner = await db.kysely.selectFrom('organization').select('owner_id').where('id', '=', orgId).executeTakeFirst();
  if (!owner) return null;
  await flushLedger(db, orgId, owner.owner_id);
  const org = await db.kysely.selectFrom('organization').select(['owner_id', 'topup_balance']).where('id', '=', orgId).executeTakeFirst();
  if (!org) return null;
  await openAccount(db.kysely, org.owner_id, allowance);
  const account = await db.kysely
    .selectFrom('account_allowance')
    .select(['included_remaining', 'included_period'])
    .where('user_id', '=', org.owner_id)
    .executeTakeFirstOrThrow();
  return { includedRemaining: includedNow(account, allowance), topupBalance: Number(org.topup_balance) };
}
