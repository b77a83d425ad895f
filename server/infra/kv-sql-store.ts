/**
 * The KV store on the shared SQL database (SQLite by default, PostgreSQL when configured without
 * Redis). Every operation is ONE statement (an upsert with a conditional `DO UPDATE`, a
 * `DELETE … RETURNING`), so it is atomic even when several server processes share the SQLite
 * file: never a read in JavaScript followed by a write.
 *
 * Expired rows are invisible to every statement (each compares `expires_at` with the clock) and
 * an upsert over an expired row treats it as absent; {@link KvStore.sweep} reclaims their space.
 *
 * A test-mode write under a sandbox bound is the exception: it reads the namespace's usage and
 * writes in one transaction, which on PostgreSQL first takes a lock of the namespace
 * (`pg_advisory_xact_lock`), so two instances never both fill the last room; SQLite runs one
 * transaction at a time on its one connection (and one server per file).
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
  entrySize,
  type IncrementResult,
  type KvRecord,
  type KvStore,
  type Namespace,
  NUMBER_BYTES,
  normalizeNumber,
  overBound,
  prefixEnd,
  type SandboxBound,
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

export interface SqlKvOptions {
  now?: () => number;
  /** Bounds each project's test-mode keys (unbounded when absent). */
  sandbox?: SandboxBound;
}

/** A namespace's live keys and their size ({@link entrySize}), and the share of one key in them. */
interface UsageRow {
  n: number | string;
  b: number | string | null;
  present: number | string | null;
  own: number | string | null;
  own_num: number | string | null;
}

export function createSqlKvStore(db: Db, options: SqlKvOptions = {}): KvStore {
  const k = db.kysely;
  const now = options.now ?? Date.now;
  const bound = options.sandbox;
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

  const keyBytes = db.dialect === 'postgres' ? 'octet_length(key)' : 'length(cast(key as blob))';
  const size = `${keyBytes} + case when num is not null then ${NUMBER_BYTES} else ${textBytes} end`;
  const USAGE = `select count(*) as n, sum(${size}) as b, sum(case when key = ? then 1 else 0 end) as present,
      sum(case when key = ? then ${size} else 0 end) as own, max(case when key = ? and num is not null then 1 else 0 end) as own_num
    from kv_entries where project_id = ? and mode = ? and ${LIVE}`;

  /**
   * Runs a test-mode write with the namespace's usage (live keys only: expiry frees room at
   * once), serialized with every other bounded write of the namespace, in every instance.
   */
  async function withUsage<T>(ns: Namespace, key: string, t: number, write: (q: <R>(text: string, p: unknown[]) => Promise<R[]>, usage: Usage) => Promise<T>): Promise<T> {
    return k.transaction().execute(async (trx) => {
      const on = { ...db, kysely: trx } as Db;
      const q = async <R>(text: string, p: unknown[]) => (await prepare<R>(on, text)(p)).rows;
      if (db.dialect === 'postgres') await q('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`saasignal:kv-sandbox:${ns.projectId}:${ns.mode}`]);
      const [u] = await q<UsageRow>(USAGE, [key, key, key, ns.projectId, ns.mode, t]);
      return write(q, {
        keys: Number(u?.n ?? 0),
        bytes: Number(u?.b ?? 0),
        present: Number(u?.present ?? 0) > 0,
        own: Number(u?.own ?? 0),
        ownIsNumber: Number(u?.own_num ?? 0) > 0,
      });
    });
  }

  /** Whether putting `key` at `newSize` bytes would take the namespace past the bound. */
  const full = (b: SandboxBound, u: Usage, newSize: number) =>
    overBound(b, u, { keys: u.keys + (u.present ? 0 : 1), bytes: u.bytes - (u.present ? u.own : 0) + newSize });

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
      if (bound && ns.mode === 'test') {
        return withUsage(ns, key, t, async (q, u) => {
          if (opts.ifNotExists && u.present) return { status: 'conflict' };
          if (full(bound, u, entrySize(key, json))) return { status: 'full' };
          const rows = await q<Row>(opts.ifNotExists ? TEXTS.setIfAbsent : TEXTS.set, opts.ifNotExists ? [...values, t] : values);
          return rows[0] ? { status: 'ok', record: record(rows[0]) } : { status: 'conflict' };
        });
      }
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
      if (bound && ns.mode === 'test') return boundedIncrement(bound, ns, key, delta, createdExpiry, t);
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

  /**
   * An increment in a bounded namespace: only creating the key takes room (a number's size never
   * changes), and within the lock the usage row also says why nothing was written.
   */
  function boundedIncrement(b: SandboxBound, ns: Namespace, key: string, delta: number, createdExpiry: number | null, t: number): Promise<IncrementResult> {
    return withUsage(ns, key, t, async (q, u): Promise<IncrementResult> => {
      if (!u.present && full(b, u, Buffer.byteLength(key) + NUMBER_BYTES)) return { status: 'full' };
      let rows: Row[];
      try {
        rows = await q<Row>(TEXTS.increment, [ns.projectId, ns.mode, key, null, delta, createdExpiry, t, t, t, t]);
      } catch (error) {
        if ((error as { code?: string }).code === '22003') return { status: 'overflow' };
        throw error;
      }
      if (rows[0]) return { status: 'ok', value: normalizeNumber(Number(rows[0].num)), expiresAt: record(rows[0]).expiresAt };
      return u.ownIsNumber ? { status: 'overflow' } : { status: 'not_a_number' };
    });
  }
  return store;
}

interface Usage {
  keys: number;
  bytes: number;
  /** The key written is live in the namespace now. */
  present: boolean;
  /** Its size then ({@link entrySize}). */
  own: number;
  ownIsNumber: boolean;
}
