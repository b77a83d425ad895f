/**
 * The KV store on the shared SQL database (SQLite by default, PostgreSQL when configured without
 * Redis). Every operation is ONE statement (an upsert with a conditional `DO UPDATE`, a
 * `DELETE … RETURNING`), so it is atomic even when several server processes share the SQLite
 * file: never a read in JavaScript followed by a write.
 *
 * Expired rows are invisible to every statement (each compares `expires_at` with the clock) and
 * an upsert over an expired row treats it as absent; {@link KvStore.sweep} reclaims their space.
 *
 * @module server/infra/kv-sql-store
 * @see server/db/migrations/kv.ts for the table
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import {
  encodeValue,
  expiryFor,
  type IncrementResult,
  type KvRecord,
  type KvStore,
  type Namespace,
  normalizeNumber,
  prefixEnd,
  type ScanOptions,
  type ScanPage,
  type SetOptions,
  type SetResult,
} from './kv-store.ts';

interface Row {
  value: string | null;
  num: number | null;
  expires_at: number | string | null;
}

/** An increment's result must stay within ±(2^53 − 1), where every integer is exact (see kv-store.ts). */
const MAX_SAFE = sql.raw(String(Number.MAX_SAFE_INTEGER));
/** How many expired rows one sweep statement removes, so a sweep never holds the lock for long. */
const SWEEP_BATCH = 1000;

/**
 * One page of a scan (plus one row, to know whether more follow): a range of the primary key
 * (project, mode, key), so its cost depends on this namespace only. Exported for the test that
 * checks the query plan.
 */
export function scanQuery(ns: Namespace, { prefix, after, limit }: ScanOptions, now: number) {
  const end = prefixEnd(prefix);
  return sql<{ key: string }>`
    select key from kv_entries
    where project_id = ${ns.projectId} and mode = ${ns.mode}
      and key >= ${prefix} ${end === null ? sql`` : sql`and key < ${end}`}
      ${after === null ? sql`` : sql`and key > ${after}`}
      and (expires_at is null or expires_at > ${now})
    order by key
    limit ${limit + 1}`;
}

export function createSqlKvStore(db: Db, options: { now?: () => number } = {}): KvStore {
  const k = db.kysely;
  const now = options.now ?? Date.now;
  // `expires_at` is a bigint: PostgreSQL returns it as a number (see openDb), SQLite as a number.
  const record = (row: Row): KvRecord => ({
    value: row.num !== null ? normalizeNumber(Number(row.num)) : JSON.parse(row.value ?? 'null'),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  });
  const live = (t: number) => sql`(expires_at is null or expires_at > ${t})`;
  // SQLite's length() counts characters of text; a blob's length is its bytes.
  const textBytes = db.dialect === 'postgres' ? sql`octet_length(value)` : sql`length(cast(value as blob))`;
  const expired = (t: number) => sql`(kv_entries.expires_at is not null and kv_entries.expires_at <= ${t})`;

  const store: KvStore = {
    async get(ns, key) {
      const read = await store.read(ns, key);
      return read && { value: read.value, expiresAt: read.expiresAt };
    },

    async read(ns, key, maxBytes = Number.POSITIVE_INFINITY) {
      const t = now();
      // The text is left in the database when it is over maxBytes (a number is never large).
      const fits = Number.isFinite(maxBytes) ? sql`${textBytes} <= ${maxBytes}` : sql`1 = 1`;
      const { rows } = await sql<Row & { bytes: number | string | null }>`
        select case when ${fits} then value end as value, num, expires_at, ${textBytes} as bytes from kv_entries
        where project_id = ${ns.projectId} and mode = ${ns.mode} and key = ${key} and ${live(t)}`.execute(k);
      const row = rows[0];
      if (!row) return null;
      if (row.num !== null) return { ...record(row), bytes: encodeValue(Number(row.num)).bytes, omitted: false };
      const bytes = Number(row.bytes);
      if (bytes > maxBytes) return { value: null, expiresAt: record(row).expiresAt, bytes, omitted: true };
      return { ...record(row), bytes, omitted: false };
    },

    async set(ns, key, value, opts: SetOptions = {}): Promise<SetResult> {
      const t = now();
      const { json } = encodeValue(value);
      const parsed: unknown = JSON.parse(json);
      const isNum = typeof parsed === 'number';
      const expiresAt = expiryFor(opts.ttl, t);
      // With if_not_exists, only an expired row may be replaced: no row back means a live key exists.
      const guard = opts.ifNotExists ? sql`where ${expired(t)}` : sql``;
      const { rows } = await sql<Row>`
        insert into kv_entries (project_id, mode, key, value, num, expires_at)
        values (${ns.projectId}, ${ns.mode}, ${key}, ${isNum ? null : json}, ${isNum ? parsed : null}, ${expiresAt})
        on conflict (project_id, mode, key) do update
          set value = excluded.value, num = excluded.num, expires_at = excluded.expires_at
          ${guard}
        returning value, num, expires_at`.execute(k);
      return rows[0] ? { status: 'ok', record: record(rows[0]) } : { status: 'conflict' };
    },

    async delete(ns, key) {
      const t = now();
      // An expired row is removed too (its space reclaimed) but reported as absent.
      const { rows } = await sql<{ expires_at: number | null }>`
        delete from kv_entries where project_id = ${ns.projectId} and mode = ${ns.mode} and key = ${key}
        returning expires_at`.execute(k);
      return rows.length > 0 && (rows[0].expires_at === null || Number(rows[0].expires_at) > t);
    },

    async increment(ns, key, delta, ttl): Promise<IncrementResult> {
      const t = now();
      const createdExpiry = expiryFor(ttl, t);
      // One upsert: an absent or expired key starts at delta with the new expiry; a live number
      // gets delta added and keeps its expiry; a live non-number, or a sum outside the safe range,
      // fails the DO UPDATE condition and nothing is written (no row comes back).
      let rows: Row[];
      try {
        ({ rows } = await sql<Row>`
          insert into kv_entries (project_id, mode, key, value, num, expires_at)
          values (${ns.projectId}, ${ns.mode}, ${key}, null, ${delta}, ${createdExpiry})
          on conflict (project_id, mode, key) do update
            set num = case when ${expired(t)} then excluded.num else kv_entries.num + excluded.num end,
                value = case when ${expired(t)} then null else kv_entries.value end,
                expires_at = case when ${expired(t)} then excluded.expires_at else kv_entries.expires_at end
            where ${expired(t)}
               or (kv_entries.num is not null and abs(kv_entries.num + excluded.num) <= ${MAX_SAFE})
          returning value, num, expires_at`.execute(k));
      } catch (error) {
        // PostgreSQL raises "value out of range: overflow" (22003) for a double sum past the max.
        if ((error as { code?: string }).code === '22003') return { status: 'overflow' };
        throw error;
      }
      if (rows[0]) return { status: 'ok', value: normalizeNumber(Number(rows[0].num)), expiresAt: record(rows[0]).expiresAt };
      // Nothing written: read only to say why (a number whose sum leaves the safe range, or not a number).
      const current = await store.get(ns, key);
      if (current === null) return store.increment(ns, key, delta, ttl); // deleted meanwhile: retry
      return typeof current.value === 'number' ? { status: 'overflow' } : { status: 'not_a_number' };
    },

    async scan(ns, options: ScanOptions): Promise<ScanPage> {
      const { rows } = await scanQuery(ns, options, now()).execute(k);
      const keys = rows.slice(0, options.limit).map((r) => r.key);
      return { keys, last: rows.length > options.limit ? keys[keys.length - 1] : null };
    },

    async deleteProject(projectId) {
      await sql`delete from kv_entries where project_id = ${projectId}`.execute(k);
    },

    async sweep() {
      const t = now();
      let total = 0;
      for (;;) {
        const result = await sql`
          delete from kv_entries where (project_id, mode, key) in (
            select project_id, mode, key from kv_entries
            where expires_at is not null and expires_at <= ${t} limit ${SWEEP_BATCH})`.execute(k);
        const n = Number(result.numAffectedRows ?? 0);
        total += n;
        if (n < SWEEP_BATCH) return total;
      }
    },

    async close() {},
  };
  return store;
}
