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
import { prepare } from '../db/prepared.ts';
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

/** A row with the byte length of its JSON text (PostgreSQL returns the integer as a number or text). */
interface SizedRow extends Row {
  bytes: number | string | null;
}

/** How many expired rows one sweep statement removes, so a sweep never holds the lock for long. */
const SWEEP_BATCH = 1000;

/**
 * One page of a scan (plus one row, to know whether more follow): a range of the primary key
 * (project, mode, key), so its cost depends on this namespace only. Four texts, one per
 * combination of bounds, each prepared once. Exported for the test that checks the query plan.
 */
export function scanStatement(ns: Namespace, { prefix, after, limit }: ScanOptions, now: number): { text: string; parameters: unknown[] } {
  const end = prefixEnd(prefix);
  const parameters: unknown[] = [ns.projectId, ns.mode, prefix];
  if (end !== null) parameters.push(end);
  if (after !== null) parameters.push(after);
  parameters.push(now, limit + 1);
  return { text: SCAN_TEXTS[(end === null ? 0 : 1) + (after === null ? 0 : 2)], parameters };
}

const SCAN_TEXTS = [false, true].flatMap((after) =>
  [false, true].map(
    (end) =>
      `select key from kv_entries where project_id = ? and mode = ? and key >= ?${end ? ' and key < ?' : ''}${after ? ' and key > ?' : ''}` +
      ' and (expires_at is null or expires_at > ?) order by key limit ?',
  ),
);

const LIVE = '(expires_at is null or expires_at > ?)';
const EXPIRED = '(kv_entries.expires_at is not null and kv_entries.expires_at <= ?)';
const UPSERT = `insert into kv_entries (project_id, mode, key, value, num, expires_at) values (?, ?, ?, ?, ?, ?)
  on conflict (project_id, mode, key) do update`;
const TEXTS = {
  get: `select value, num, expires_at from kv_entries where project_id = ? and mode = ? and key = ? and ${LIVE}`,
  set: `${UPSERT} set value = excluded.value, num = excluded.num, expires_at = excluded.expires_at returning value, num, expires_at`,
  // With if_not_exists, only an expired row may be replaced: no row back means a live key exists.
  setIfAbsent: `${UPSERT} set value = excluded.value, num = excluded.num, expires_at = excluded.expires_at where ${EXPIRED} returning value, num, expires_at`,
  delete: 'delete from kv_entries where project_id = ? and mode = ? and key = ? returning expires_at',
  // An absent or expired key starts at delta with the new expiry; a live number gets delta added
  // and keeps its expiry; a live non-number, or a sum outside the safe range, fails the DO UPDATE
  // condition and nothing is written (no row comes back).
  increment: `${UPSERT}
    set num = case when ${EXPIRED} then excluded.num else kv_entries.num + excluded.num end,
        value = case when ${EXPIRED} then null else kv_entries.value end,
        expires_at = case when ${EXPIRED} then excluded.expires_at else kv_entries.expires_at end
    where ${EXPIRED} or (kv_entries.num is not null and abs(kv_entries.num + excluded.num) <= ${Number.MAX_SAFE_INTEGER})
    returning value, num, expires_at`,
};

export function createSqlKvStore(db: Db, options: { now?: () => number } = {}): KvStore {
  const k = db.kysely;
  const now = options.now ?? Date.now;
  // `expires_at` is a bigint: PostgreSQL returns it as a number (see openDb), SQLite as a number.
  const record = (row: Row): KvRecord => ({
    value: row.num !== null ? normalizeNumber(Number(row.num)) : JSON.parse(row.value ?? 'null'),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  });
  // SQLite's length() counts characters of text; a blob's length is its bytes.
  const textBytes = db.dialect === 'postgres' ? 'octet_length(value)' : 'length(cast(value as blob))';
  const statements = {
    get: prepare<Row>(db, TEXTS.get),
    // A read past maxBytes leaves the text in the database (a number is never large).
    read: prepare<SizedRow>(db, `select value, num, expires_at, ${textBytes} as bytes from kv_entries where project_id = ? and mode = ? and key = ? and ${LIVE}`),
    readWithin: prepare<SizedRow>(
      db,
      `select case when ${textBytes} <= ? then value end as value, num, expires_at, ${textBytes} as bytes from kv_entries where project_id = ? and mode = ? and key = ? and ${LIVE}`,
    ),
    set: prepare<Row>(db, TEXTS.set),
    setIfAbsent: prepare<Row>(db, TEXTS.setIfAbsent),
    delete: prepare<{ expires_at: number | null }>(db, TEXTS.delete),
    // An increment's result must stay within ±(2^53 − 1), where every integer is exact (see kv-store.ts).
    increment: prepare<Row>(db, TEXTS.increment),
    scan: SCAN_TEXTS.map((text) => prepare<{ key: string }>(db, text)),
  };

  const store: KvStore = {
    async get(ns, key) {
      const t = now();
      const { rows } = await statements.get([ns.projectId, ns.mode, key, t]);
      return rows[0] ? record(rows[0]) : null;
    },

    async read(ns, key, maxBytes = Number.POSITIVE_INFINITY) {
      const t = now();
      const { rows } = Number.isFinite(maxBytes)
        ? await statements.readWithin([maxBytes, ns.projectId, ns.mode, key, t])
        : await statements.read([ns.projectId, ns.mode, key, t]);
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
      const values = [ns.projectId, ns.mode, key, isNum ? null : json, isNum ? parsed : null, expiresAt];
      const { rows } = await (opts.ifNotExists ? statements.setIfAbsent([...values, t]) : statements.set(values));
      return rows[0] ? { status: 'ok', record: record(rows[0]) } : { status: 'conflict' };
    },

    async delete(ns, key) {
      const t = now();
      // An expired row is removed too (its space reclaimed) but reported as absent.
      const { rows } = await statements.delete([ns.projectId, ns.mode, key]);
      return rows.length > 0 && (rows[0].expires_at === null || Number(rows[0].expires_at) > t);
    },

    async increment(ns, key, delta, ttl): Promise<IncrementResult> {
      const t = now();
      const createdExpiry = expiryFor(ttl, t);
      // One upsert (see TEXTS.increment).
      let rows: Row[];
      try {
        ({ rows } = await statements.increment([ns.projectId, ns.mode, key, null, delta, createdExpiry, t, t, t, t]));
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
      const { text, parameters } = scanStatement(ns, options, now());
      const { rows } = await statements.scan[SCAN_TEXTS.indexOf(text)](parameters);
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
