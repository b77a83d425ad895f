/**
 * Usage records: the meter adds each charged call to its (organization, day, operation) row in one
 * upsert, so concurrent requests and several instances add up exactly; `readUsage` sums a cycle.
 *
 * @module server/billing/usage
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { flushLedger } from './ledger.ts';

/**
 * Adds `price` μt charged for `operationId`: one call by default, or `calls: 0` for more of a call
 * already counted (the size of a value it read).
 */
export async function recordUsage(db: Db, orgId: string, operationId: string, price: number, { calls = 1, now = new Date() } = {}): Promise<void> {
  await db.kysely
    .insertInto('usage_daily')
    .values({ org_id: orgId, day: now.toISOString().slice(0, 10), operation_id: operationId, calls, microtokens: price })
    .onConflict((oc) =>
      oc.columns(['org_id', 'day', 'operation_id']).doUpdateSet({
        calls: sql`usage_daily.calls + ${calls}`,
        microtokens: sql`usage_daily.microtokens + ${price}`,
      }),
    )
    .execute();
}

/** The first instant of cycle `YYYY-MM` and the first instant after it. */
export function cycleBounds(cycle: string): { start: Date; end: Date } {
  const [year, month] = cycle.split('-').map(Number);
  return { start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)) };
}

export interface UsageRow {
  day: string;
  operation_id: string;
  calls: number;
  microtokens: number;
}

/** The rows of one cycle, numbers as numbers (PostgreSQL returns bigint as text). */
export async function readUsage(db: Db, orgId: string, cycle: string): Promise<UsageRow[]> {
  await flushLedger(db, orgId);
  const rows = await db.kysely
    .selectFrom('usage_daily')
    .select(['day', 'operation_id', 'calls', 'microtokens'])
    .where('org_id', '=', orgId)
    // Days are `YYYY-MM-DD`: the cycle's days are those starting with `YYYY-MM-`.
    .where('day', '>=', `${cycle}-01`)
    .where('day', '<=', `${cycle}-31`)
    .execute();
  return rows.map((r) => ({ day: String(r.day), operation_id: String(r.operation_id), calls: Number(r.calls), microtokens: Number(r.microtokens) }));
}
