/**
 * The idempotency table (migration 0003_idempotency) on SQLite or PostgreSQL. Claiming a key is
 * one INSERT … ON CONFLICT DO NOTHING, so of several concurrent requests with one key, on one
 * instance or many, exactly one runs; the others see its row.
 *
 * @module server/idempotency/store
 */
import type { Db } from '../db/index.ts';

/** How long a key and its answer are kept. */
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** A request still `running` this long after it started is taken to be abandoned (its server stopped). */
export const ABANDONED_AFTER_MS = 60_000;

export type Claim =
  | { kind: 'run' }
  | { kind: 'running' }
  | { kind: 'mismatch' }
  | { kind: 'done'; status: number; answer: string };

interface Row {
  fingerprint: string;
  state: string;
  status: number | null;
  answer: string | null;
  expires_at: number;
  locked_until: number;
}

export interface IdempotencyStore {
  /** Takes the key for this request, or says what happened to it before. */
  claim(id: string, fingerprint: string, now?: number): Promise<Claim>;
  /** Records the answer of a request that ran. */
  complete(id: string, status: number, answer: string): Promise<void>;
  /** Forgets a running request whose answer is not kept (a retry will run it again). */
  release(id: string): Promise<void>;
  /** Deletes expired keys; returns how many. */
  sweep(now?: number): Promise<number>;
}

export function idempotencyStore(db: Db): IdempotencyStore {
  const table = () => db.kysely;
  return {
    async claim(id, fingerprint, now = Date.now()) {
      // Bounded: each pass either inserts, answers from the row, or removes an expired row.
      for (let attempt = 0; attempt < 3; attempt++) {
        const inserted = await table()
          .insertInto('idempotency_key')
          .values({ id, fingerprint, state: 'running', created_at: now, expires_at: now + KEY_TTL_MS, locked_until: now + ABANDONED_AFTER_MS })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { kind: 'run' };
        const row = (await table()
          .selectFrom('idempotency_key')
          .select(['fingerprint', 'state', 'status', 'answer', 'expires_at', 'locked_until'])
          .where('id', '=', id)
          .executeTakeFirst()) as Row | undefined;
        if (!row) continue; // released or swept in between: claim again
        if (Number(row.expires_at) <= now) {
          await table().deleteFrom('idempotency_key').where('id', '=', id).where('expires_at', '<=', now).execute();
          continue;
        }
        if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (row.state === 'done') return { kind: 'done', status: Number(row.status), answer: row.answer ?? '' };
        if (Number(row.locked_until) > now) return { kind: 'running' };
        // Abandoned: exactly one of the requests that find it so takes it over.
        const taken = await table()
          .updateTable('idempotency_key')
          .set({ locked_until: now + ABANDONED_AFTER_MS })
          .where('id', '=', id)
          .where('state', '=', 'running')
          .where('locked_until', '<=', now)
          .executeTakeFirst();
        return Number(taken.numUpdatedRows) === 1 ? { kind: 'run' } : { kind: 'running' };
      }
      return { kind: 'running' };
    },
    async complete(id, status, answer) {
      await table().updateTable('idempotency_key').set({ state: 'done', status, answer }).where('id', '=', id).execute();
    },
    async release(id) {
      await table().deleteFrom('idempotency_key').where('id', '=', id).where('state', '=', 'running').execute();
    },
    async sweep(now = Date.now()) {
      const result = await table().deleteFrom('idempotency_key').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
