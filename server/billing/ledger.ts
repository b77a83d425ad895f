/**
 * Metering without a write per request (issue 16). Each instance sets aside part of an
 * organization's balance (a hold, `balance_hold`, one row per organization and instance) and
 * charges requests against it in memory; every {@link FLUSH_MS} it writes what was spent (the
 * balance, its usage records, the hold renewed) and gives back what an idle organization still holds.
 *
 * - The balance never goes below zero: a hold is taken only from what is not held by any instance
 *   (`reservable = balance − live holds`), in one transaction that locks the organization's row
 *   (PostgreSQL) or the database (SQLite); a request is charged only from its instance's hold.
 * - 402 as soon as the reservable balance is spent: a request the hold cannot pay takes a new hold;
 *   when none can be had, the instance first writes what it spent and gives back its remainder
 *   (so that it counts as reservable), and tries once more.
 * - `X-Microtokens-Used` is exact: a request is charged its price or nothing, synchronously.
 * - The balance and usage records are read after this instance's pending charges are written
 *   ({@link flushLedger}): on one instance they add up to the headers at once; across instances,
 *   after each has flushed (one interval, or its next 402).
 * - A crash (SIGKILL) loses at most the last interval's charges, in the organization's favour: the
 *   balance was never lowered for them and their usage records are missing; the hold of a dead
 *   instance stops counting after {@link STALE_MS}. No refused request is ever charged, and no
 *   charge that was announced is made twice. test/server/crash.test.ts states this bound.
 * - No row lock per request: PostgreSQL locks the organization's row once per hold and per flush.
 *
 * @module server/billing/ledger
 */
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/index.ts';
import { ulid } from '../ids.ts';
import { currentPeriod } from './balance.ts';

/** How often spending is written and idle holds given back. */
export const FLUSH_MS = 1_000;
/** A hold not renewed for this long belongs to a dead (or stalled) instance and no longer counts. */
export const STALE_MS = 15_000;
/** A hold covers this many calls of the price that asked for it, at most. */
const CALLS_PER_HOLD = 1_000;

interface Usage {
  day: string;
  operationId: string;
  calls: number;
  microtokens: number;
}

interface OrgState {
  /** What this instance's `balance_hold` row says. */
  held: number;
  /** The part of the hold not yet charged to a request. */
  unspent: number;
  /** Charged to requests since the last flush. */
  spent: number;
  usage: Map<string, Usage>;
  /** Charged since the last flush (an idle organization's hold is given back). */
  active: boolean;
  /** Holds and flushes of this organization, one at a time. */
  queue: Promise<unknown>;
}

const ledgers = new WeakMap<Db, Ledger>();

/** Writes `db`'s pending charges of `orgId` (before reading its balance or usage). */
export async function flushLedger(db: Db, orgId: string): Promise<void> {
  await ledgers.get(db)?.flush(orgId);
}

export interface LedgerOptions {
  allowance: () => number;
  flushMs?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export class Ledger {
  readonly instance = ulid();
  #orgs = new Map<string, OrgState>();
  #timer: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly options: LedgerOptions,
  ) {
    ledgers.set(db, this);
    this.#timer = setInterval(() => void this.flushAll(false), options.flushMs ?? FLUSH_MS);
    this.#timer.unref();
  }

  /**
   * Charges `microtokens` (a price > 0) to `orgId` for `calls` calls of `operationId`; false when
   * the reservable balance cannot pay it (nothing charged).
   */
  charge(orgId: string, operationId: string, microtokens: number, calls = 1): boolean | Promise<boolean> {
    const s = this.#state(orgId);
    if (s.unspent >= microtokens) return this.#take(s, operationId, microtokens, calls);
    return this.#serial(s, async () => {
      // Forgotten while this waited (idle, nothing held): its successor has the truth.
      if (this.#orgs.get(orgId) !== s) return this.charge(orgId, operationId, microtokens, calls);
      // Requests charged meanwhile (without waiting) may take part of a new hold: hold until it pays.
      const held = async () => {
        while (s.unspent < microtokens) if (!(await this.#hold(orgId, s, microtokens - s.unspent, microtokens))) return false;
        return true;
      };
      if (await held()) return this.#take(s, operationId, microtokens, calls);
      // Nothing reservable left: what this instance still holds becomes reservable, once more.
      await this.#write(orgId, s, true);
      if (await held()) return this.#take(s, operationId, microtokens, calls);
      return false;
    });
  }

  /** Writes what was spent for `orgId` (the hold is kept). */
  flush(orgId: string): Promise<void> {
    const s = this.#orgs.get(orgId);
    if (!s) return Promise.resolve();
    return this.#serial(s, () => this.#write(orgId, s, false));
  }

  /** Writes every organization's spending; gives back the holds of idle ones (all of them: `release`). */
  async flushAll(release: boolean): Promise<void> {
    await Promise.all(
      [...this.#orgs].map(([orgId, s]) =>
        this.#serial(s, async () => {
          const idle = release || !s.active;
          s.active = false;
          await this.#write(orgId, s, idle);
          if (idle && s.held === 0 && s.spent === 0 && this.#orgs.get(orgId) === s) this.#orgs.delete(orgId);
        }).catch((err: unknown) => this.options.log?.('metering flush failed', { org_id: orgId, error: String(err) })),
      ),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flushAll(true);
  }

  #state(orgId: string): OrgState {
    let s = this.#orgs.get(orgId);
    if (!s) this.#orgs.set(orgId, (s = { held: 0, unspent: 0, spent: 0, usage: new Map(), active: false, queue: Promise.resolve() }));
    return s;
  }

  #serial<T>(s: OrgState, run: () => Promise<T>): Promise<T> {
    const next = s.queue.then(run, run);
    s.queue = next.catch(() => undefined);
    return next;
  }

  #take(s: OrgState, operationId: string, microtokens: number, calls: number): true {
    s.unspent -= microtokens;
    s.spent += microtokens;
    s.active = true;
    const day = new Date().toISOString().slice(0, 10);
    const key = `${day}\u0000${operationId}`;
    const u = s.usage.get(key);
    if (u) {
      u.calls += calls;
      u.microtokens += microtokens;
    } else {
      s.usage.set(key, { day, operationId, calls, microtokens });
    }
    return true;
  }

  /** Adds to this instance's hold at least `need` μt (up to a chunk of `price`-sized calls); false if not reservable. */
  async #hold(orgId: string, s: OrgState, need: number, price: number): Promise<boolean> {
    const now = Date.now();
    const taken = await this.db.kysely.transaction().execute(async (trx) => {
      const org = await sql<{ included_remaining: number; topup_balance: number; included_period: string }>`
        select included_remaining, topup_balance, included_period from organization where id = ${orgId}
        ${this.db.dialect === 'postgres' ? sql`for update` : sql``}`.execute(trx);
      const row = org.rows[0];
      if (!row) return 0;
      // Holds of instances that stopped renewing them are gone for good.
      await sql`delete from balance_hold where org_id = ${orgId} and renewed_at <= ${now - STALE_MS}`.execute(trx);
      const others = await sql<{ held: number | string | null }>`
        select sum(microtokens) as held from balance_hold where org_id = ${orgId} and instance_id <> ${this.instance}`.execute(trx);
      const included = row.included_period < currentPeriod() ? this.options.allowance() : Number(row.included_remaining);
      const reservable = included + Number(row.topup_balance) - Number(others.rows[0]?.held ?? 0) - s.held;
      if (reservable < need) return 0;
      // A quarter of what is left when little is: another instance may need some too.
      const take = Math.min(Math.max(need, price * CALLS_PER_HOLD), Math.max(need, Math.floor(reservable / 4)));
      await this.#saveHold(trx, orgId, s.held + take, now);
      return take;
    });
    s.held += taken;
    s.unspent += taken;
    return taken > 0;
  }

  async #saveHold(trx: Transaction<any>, orgId: string, microtokens: number, now: number): Promise<void> {
    if (microtokens <= 0) {
      await sql`delete from balance_hold where org_id = ${orgId} and instance_id = ${this.instance}`.execute(trx);
      return;
    }
    await sql`
      insert into balance_hold (org_id, instance_id, microtokens, renewed_at) values (${orgId}, ${this.instance}, ${microtokens}, ${now})
      on conflict (org_id, instance_id) do update set microtokens = excluded.microtokens, renewed_at = excluded.renewed_at`.execute(trx);
  }

  /**
   * Writes the spending of `orgId` (the balance lowered, usage records added, the hold renewed or,
   * with `release`, given back), in one transaction. On failure nothing is lost: it stays pending.
   */
  async #write(orgId: string, s: OrgState, release: boolean): Promise<void> {
    if (s.spent === 0 && s.held === 0) return;
    // Taken now, before any await: requests charged meanwhile are the next flush's.
    const spent = s.spent;
    const usage = [...s.usage.values()].map((u) => ({ ...u }));
    const giveBack = release ? s.unspent : 0;
    s.unspent -= giveBack;
    const held = s.held - spent - giveBack;
    const now = Date.now();
    let exists: boolean;
    try {
      exists = await this.db.kysely.transaction().execute(async (trx) => {
        if (!(await settle(trx, orgId, spent, this.options.allowance()))) return false;
        await this.#saveHold(trx, orgId, held, now);
        for (const u of usage) {
          await sql`
            insert into usage_daily (org_id, day, operation_id, calls, microtokens) values (${orgId}, ${u.day}, ${u.operationId}, ${u.calls}, ${u.microtokens})
            on conflict (org_id, day, operation_id) do update
              set calls = usage_daily.calls + excluded.calls, microtokens = usage_daily.microtokens + excluded.microtokens`.execute(trx);
        }
        return true;
      });
    } catch (err) {
      s.unspent += giveBack;
      throw err;
    }
    // Written (or the organization is gone, and with it its balance): no longer pending.
    s.spent -= spent;
    for (const u of usage) {
      const key = `${u.day}\u0000${u.operationId}`;
      const left = s.usage.get(key)!;
      left.calls -= u.calls;
      left.microtokens -= u.microtokens;
      if (left.calls === 0 && left.microtokens === 0) s.usage.delete(key);
    }
    s.held = exists ? held : 0;
    if (!exists) s.unspent = 0;
  }
}

/**
 * Lowers the balance by `price` μt already charged to requests, allowance first (refilled when
 * the month has changed, as in balance.ts's `charge`). Never below zero: a hold guaranteed the
 * money unless its instance stalled past {@link STALE_MS} and another took it meanwhile. False when
 * the organization no longer exists.
 */
async function settle(trx: Transaction<any>, orgId: string, price: number, allowance: number): Promise<boolean> {
  const period = currentPeriod();
  const p = sql.lit(price);
  const included = sql`(CASE WHEN included_period < ${period} THEN ${sql.lit(allowance)} ELSE included_remaining END)`;
  const rest = sql`topup_balance - (${p} - ${included})`;
  const result = await trx
    .updateTable('organization')
    .set({
      included_remaining: sql`CASE WHEN ${included} >= ${p} THEN ${included} - ${p} ELSE 0 END`,
      topup_balance: sql`CASE WHEN ${included} >= ${p} THEN topup_balance WHEN ${rest} < 0 THEN 0 ELSE ${rest} END`,
      included_period: sql`CASE WHEN included_period < ${period} THEN ${period} ELSE included_period END`,
    })
    .where('id', '=', orgId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
