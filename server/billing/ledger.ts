/**
 * Metering without a write per request (issue 16). Each instance sets aside part of an
 * organization's balance (a hold, `balance_hold`, one row per organization and instance) and
 * charges requests against it in memory; every {@link FLUSH_MS} it writes what was spent (the
 * balance, its usage records, the hold renewed) and gives back what an idle organization still holds.
 *
 * The balance is two sources (./balance.ts): the allowance of the owner's account, shared by all
 * its organizations, and the organization's top-ups. A hold says how much of it comes from the
 * allowance (`included`, taken first); spending is written off the hold's allowance part first.
 *
 * - The balance never goes below zero: a hold is taken only from what is not held by any instance
 *   (`reservable = allowance − live allowance holds of all the owner's organizations + top-ups −
 *   live top-up holds of this organization`), in one transaction that locks the owner's account
 *   row and then the organization's row (PostgreSQL) or the database (SQLite); a request is
 *   charged only from its instance's hold.
 * - 402 as soon as the reservable balance is spent: a request the hold cannot pay takes a new hold;
 *   when none can be had, the instance first writes what it spent and gives back its remainder,
 *   and that of the owner's other organizations it holds for (so that it counts as reservable),
 *   and tries once more. Holds and flushes of one owner's organizations run one at a time.
 * - `X-Microtokens-Used` is exact: a request is charged its price or nothing, synchronously.
 * - The balance and usage records are read after this instance's pending charges are written
 *   ({@link flushLedger}): on one instance they add up to the headers at once; across instances,
 *   after each has flushed (one interval, or its next 402).
 * - A crash (SIGKILL) loses at most the last interval's charges, in the customer's favour: the
 *   balance was never lowered for them and their usage records are missing; the hold of a dead
 *   instance stops counting after {@link STALE_MS}. No refused request is ever charged, and no
 *   charge that was announced is made twice. test/server/crash.test.ts states this bound.
 * - No row lock per request: PostgreSQL locks the account and organization rows once per hold and per flush.
 *
 * @module server/billing/ledger
 */
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/index.ts';
import { ulid } from '../ids.ts';
import { lockBalance, spend } from './balance.ts';

/** How often spending is written and idle holds given back. */
export const FLUSH_MS = 1_000;
/** A hold not renewed for this long belongs to a dead (or stalled) instance and no longer counts. */
export const STALE_MS = 15_000;
/** A hold covers this many calls of the price that asked for it, at most. */
const CALLS_PER_HOLD = 1_000;
/**
 * When a hold has fewer calls of the current price left than this, the next one is taken in the
 * background, so that requests do not wait for its transaction (a few round trips to PostgreSQL
 * and a commit: tens to hundreds of milliseconds on a busy machine, for every request meanwhile).
 */
const REFILL_AHEAD_CALLS = CALLS_PER_HOLD / 2;

interface Usage {
  day: string;
  operationId: string;
  calls: number;
  microtokens: number;
}

interface OrgState {
  /** The account that owns the organization (and its allowance), once known: kept, as owners never change (there is no transfer of ownership). */
  owner?: string;
  /** What this instance's `balance_hold` row says. */
  held: number;
  /** The part of {@link OrgState.held} set aside from the owner's allowance (its `included`). */
  heldIncluded: number;
  /** The part of the hold not yet charged to a request. */
  unspent: number;
  /** Charged to requests since the last flush. */
  spent: number;
  usage: Map<string, Usage>;
  /** Charged since the last flush (an idle organization's hold is given back). */
  active: boolean;
  /** A hold is being taken ahead of need ({@link REFILL_AHEAD_CALLS}). */
  refilling?: boolean;
}

/** Holds and flushes of one owner's organizations, one at a time. */
interface Lane {
  queue: Promise<unknown>;
}

const ledgers = new WeakMap<Db, Ledger>();

/**
 * Writes `db`'s pending charges of `orgId`, and of the other organizations of its owner (their
 * allowance is one), before reading its balance or usage. `ownerId` when the caller knows it.
 */
export async function flushLedger(db: Db, orgId: string, ownerId?: string): Promise<void> {
  await ledgers.get(db)?.flush(orgId, ownerId);
}

export interface LedgerOptions {
  allowance: () => number;
  flushMs?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export class Ledger {
  readonly instance = ulid();
  #orgs = new Map<string, OrgState>();
  /** By owner; a lane with nothing queued is dropped (the next task starts a new one). */
  #lanes = new Map<string, Lane & { pending: number }>();
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
    const s = this.#orgs.get(orgId);
    if (s && s.unspent >= microtokens) return this.#take(orgId, s, operationId, microtokens, calls);
    return this.#chargeHeld(orgId, operationId, microtokens, calls);
  }

  /** The slow path of {@link charge}: on the owner's lane, hold more (or give back and retry once). */
  async #chargeHeld(orgId: string, operationId: string, microtokens: number, calls: number): Promise<boolean> {
    let owner = this.#orgs.get(orgId)?.owner;
    if (owner === undefined) {
      const row = await this.db.kysely.selectFrom('organization').select('owner_id').where('id', '=', orgId).executeTakeFirst();
      if (!row) return false;
      owner = row.owner_id as string;
    }
    const ownerId = owner;
    return this.#serial(ownerId, async () => {
      // The state as it is now: an idle one may have been forgotten while this waited.
      const s = this.#state(orgId);
      s.owner = ownerId;
      // Requests charged meanwhile (without waiting) may take part of a new hold: hold until it pays.
      const held = async () => {
        while (s.unspent < microtokens) if (!(await this.#hold(orgId, s, microtokens - s.unspent, microtokens))) return false;
        return true;
      };
      if (await held()) return this.#take(orgId, s, operationId, microtokens, calls);
      // Nothing reservable left: what this instance still holds for this organization, and of the
      // allowance for the owner's others (their top-ups are no use here), becomes reservable, once more.
      await this.#write(orgId, s, true);
      for (const [id, o] of this.#orgs) if (o !== s && o.owner === ownerId && o.heldIncluded > 0) await this.#write(id, o, true);
      if (await held()) return this.#take(orgId, s, operationId, microtokens, calls);
      return false;
    });
  }

  /** Writes what was spent for `orgId` and the other organizations of its owner (the holds are kept). */
  flush(orgId: string, ownerId = this.#orgs.get(orgId)?.owner): Promise<void> {
    if (ownerId === undefined || ![...this.#orgs.values()].some((o) => o.owner === ownerId)) return Promise.resolve();
    return this.#serial(ownerId, async () => {
      for (const [id, o] of this.#orgs) if (o.owner === ownerId) await this.#write(id, o, false);
    });
  }

  /** Writes every organization's spending; gives back the holds of idle ones (all of them: `release`). */
  async flushAll(release: boolean): Promise<void> {
    await Promise.all(
      [...this.#orgs].map(async ([orgId, s]) => {
        // Never held (its first charge is still looking up the owner, or found no organization).
        if (s.owner === undefined) {
          if (!s.active && s.held === 0 && s.spent === 0) this.#orgs.delete(orgId);
          return;
        }
        await this.#serial(s.owner, async () => {
          const idle = release || !s.active;
          s.active = false;
          await this.#write(orgId, s, idle);
          if (idle && s.held === 0 && s.spent === 0 && this.#orgs.get(orgId) === s) this.#orgs.delete(orgId);
        }).catch((err: unknown) => this.options.log?.('metering flush failed', { org_id: orgId, error: String(err) }));
      }),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flushAll(true);
  }

  #state(orgId: string): OrgState {
    let s = this.#orgs.get(orgId);
    if (!s) this.#orgs.set(orgId, (s = { held: 0, heldIncluded: 0, unspent: 0, spent: 0, usage: new Map(), active: false }));
    return s;
  }

  /** Runs `run` after everything queued for `ownerId`'s organizations (never call it from inside a run of the same owner). */
  #serial<T>(ownerId: string, run: () => Promise<T>): Promise<T> {
    let lane = this.#lanes.get(ownerId);
    if (!lane) this.#lanes.set(ownerId, (lane = { queue: Promise.resolve(), pending: 0 }));
    const l = lane;
    l.pending++;
    const next = l.queue.then(run, run);
    l.queue = next.catch(() => undefined);
    const done = () => {
      if (--l.pending === 0 && this.#lanes.get(ownerId) === l) this.#lanes.delete(ownerId);
    };
    next.then(done, done);
    return next;
  }

  #take(orgId: string, s: OrgState, operationId: string, microtokens: number, calls: number): true {
    s.unspent -= microtokens;
    s.spent += microtokens;
    s.active = true;
    if (calls > 0 && s.unspent < (microtokens / calls) * REFILL_AHEAD_CALLS && !s.refilling && s.owner !== undefined) this.#refill(orgId, s, microtokens / calls);
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

  /**
   * Takes the next hold while this one still pays, on the owner's lane (after a flush in
   * progress). Only a full chunk, and only while a quarter of the reservable balance covers one
   * (`plenty`): near the end of the balance, holds are taken as requests need them, as before,
   * so an instance never sets aside what another instance or organization could still use.
   */
  #refill(orgId: string, s: OrgState, price: number): void {
    s.refilling = true;
    this.#serial(s.owner!, () => (this.#orgs.get(orgId) === s ? this.#hold(orgId, s, price * CALLS_PER_HOLD, price, true) : Promise.resolve(false)))
      .catch((err: unknown) => this.options.log?.('metering hold failed', { org_id: orgId, error: String(err) }))
      .finally(() => {
        s.refilling = false;
      });
  }

  /**
   * Adds to this instance's hold at least `need` μt (up to a chunk of `price`-sized calls), from
   * the owner's allowance first, then the organization's top-ups; false if not reservable (with
   * `plenty`: unless a quarter of the reservable balance covers `need`).
   */
  async #hold(orgId: string, s: OrgState, need: number, price: number, plenty = false): Promise<boolean> {
    const now = Date.now();
    const allowance = this.options.allowance();
    const taken = await this.db.kysely.transaction().execute(async (trx) => {
      const b = await lockBalance(trx, this.db.dialect, orgId, allowance, { instance: this.instance });
      if (!b) return null;
      // Holds of instances that stopped renewing them are gone for good (after the locks: one order everywhere).
      await sql`delete from balance_hold where org_id = ${orgId} and renewed_at <= ${now - STALE_MS}`.execute(trx);
      const freeIncluded = Math.max(0, b.included - b.includedHeld - s.heldIncluded);
      const freeTopup = Math.max(0, b.topup - b.topupHeld - (s.held - s.heldIncluded));
      const reservable = freeIncluded + freeTopup;
      if (reservable < (plenty ? need * 4 : need)) return null;
      // A quarter of what is left when little is: another instance, or organization, may need some too.
      const take = Math.min(Math.max(need, price * CALLS_PER_HOLD), Math.max(need, Math.floor(reservable / 4)));
      const included = Math.min(take, freeIncluded);
      await this.#saveHold(trx, orgId, s.held + take, s.heldIncluded + included, now);
      return { take, included };
    });
    if (!taken) return false;
    s.held += taken.take;
    s.heldIncluded += taken.included;
    s.unspent += taken.take;
    return true;
  }

  async #saveHold(trx: Transaction<any>, orgId: string, microtokens: number, included: number, now: number): Promise<void> {
    if (microtokens <= 0) {
      await sql`delete from balance_hold where org_id = ${orgId} and instance_id = ${this.instance}`.execute(trx);
      return;
    }
    await sql`
      insert into balance_hold (org_id, instance_id, microtokens, included, renewed_at) values (${orgId}, ${this.instance}, ${microtokens}, ${included}, ${now})
      on conflict (org_id, instance_id) do update
        set microtokens = excluded.microtokens, included = excluded.included, renewed_at = excluded.renewed_at`.execute(trx);
  }

  /**
   * Writes the spending of `orgId` (the balance lowered, usage records added, the hold renewed or,
   * with `release`, given back), in one transaction. On failure nothing is lost: it stays pending.
   * Spending is written off the hold's allowance part first, then off the organization's top-ups.
   */
  async #write(orgId: string, s: OrgState, release: boolean): Promise<void> {
    if (s.spent === 0 && s.held === 0) return;
    // Taken now, before any await: requests charged meanwhile are the next flush's.
    const spent = s.spent;
    const usage = [...s.usage.values()].map((u) => ({ ...u }));
    const giveBack = release ? s.unspent : 0;
    s.unspent -= giveBack;
    const held = s.held - spent - giveBack;
    const fromIncluded = Math.min(spent, s.heldIncluded);
    const heldIncluded = Math.max(0, Math.min(held, s.heldIncluded - fromIncluded));
    const now = Date.now();
    let exists: boolean;
    try {
      exists = await this.db.kysely.transaction().execute(async (trx) => {
        if (!(await spend(trx, s.owner!, orgId, fromIncluded, spent - fromIncluded, this.options.allowance()))) return false;
        await this.#saveHold(trx, orgId, held, heldIncluded, now);
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
    // Written (or the organization is gone, and with it its top-ups; its allowance spending is written): no longer pending.
    s.spent -= spent;
    for (const u of usage) {
      const key = `${u.day}\u0000${u.operationId}`;
      const left = s.usage.get(key)!;
      left.calls -= u.calls;
      left.microtokens -= u.microtokens;
      if (left.calls === 0 && left.microtokens === 0) s.usage.delete(key);
    }
    s.held = exists ? held : 0;
    s.heldIncluded = exists ? heldIncluded : 0;
    if (!exists) s.unspent = 0;
  }
}
