/**
 * The SQL seam: one Kysely instance over the embedded SQLite file (default) or PostgreSQL
 * (`DATABASE_URL`), and the migrations every part of the server registers. The SQL driver is
 * chosen here only, so a driver change (e.g. better-sqlite3 on newer Node) happens in one place.
 *
 * @module server/db
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database as SqliteConnection } from 'better-sqlite3';
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase, sql } from 'kysely';
import { migrations } from './migrations/index.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  /** Untyped on purpose: each module declares the tables it owns next to its queries. */
  kysely: Kysely<any>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface DbOptions {
  /** `postgres://…` for PostgreSQL; otherwise the SQLite file path (`:memory:` for tests). */
  url?: string;
}

/** Opens the database and applies every pending migration (idempotent). */
export async function openDb(options: DbOptions = {}): Promise<Db> {
  const url = options.url ?? process.env.DATABASE_URL ?? './data/saasignal.db';
  const db = /^postgres(ql)?:\/\//.test(url) ? await openPostgres(url) : await openSqlite(url);
  await migrate(db);
  return db;
}

async function openSqlite(file: string): Promise<Db> {
  const { default: Database } = await import('better-sqlite3');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // WAL: readers never block the writer, and a committed transaction is in the WAL file before
  // the answer goes out, so an acknowledged write survives the process being killed (SIGKILL).
  // synchronous=NORMAL skips the fsync per commit (every metered request writes): only an OS
  // crash or power loss can lose the last commits. SQLITE_SYNCHRONOUS=FULL trades speed for that.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${process.env.SQLITE_SYNCHRONOUS === 'FULL' ? 'FULL' : 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: reusingStatements(sqlite) }) });
  return { kysely, dialect: 'sqlite', close: () => kysely.destroy() };
}

/** How many distinct SQL texts keep a prepared statement (the server issues a few dozen). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The connection as Kysely sees it, with each SQL text prepared once. Kysely's SQLite driver
 * calls `prepare` for every query, and compiling the statement was the largest single cost of a
 * KV request (profiled: ~11% of the server's CPU). better-sqlite3 statements are reusable, and
 * Kysely runs one query at a time on its single connection (a stream holds it until done), so
 * one statement is never used by two queries at once. SQLite re-prepares a statement by itself
 * when the schema changes. Oldest entries go first once the cache is full.
 */
export function reusingStatements(sqlite: SqliteConnection, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, ReturnType<SqliteConnection['prepare']>>();
  return {
    close: () => sqlite.close(),
    prepare(text) {
      let statement = statements.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (statements.size >= size) statements.delete(statements.keys().next().value!);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

async function openPostgres(url: string): Promise<Db> {
  const { default: pg } = await import('pg');
  // int8 (bigint) columns carry microtokens and counters: parse them as numbers (all < 2^53).
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.PG_POOL_MAX ?? 10) });
  // A client that loses its connection emits 'error' — idle in the pool (the pool's listener) or
  // checked out between queries (no listener: the process would crash). The query in flight, if
  // any, is rejected anyway and answered 503; the pool replaces the dead client.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: 'postgres', close: () => kysely.destroy() };
}

/**
 * Runs pending migrations; safe to call on every start and from several instances at once.
 * PostgreSQL: Kysely locks its migration table, which lives in the connection's own schema (by
 * default Kysely finds one in any schema and takes another schema's as this one's).
 * SQLite: Kysely takes no lock; two processes starting together on a new file race, the loser's
 * transaction rolls back, and a retry finds nothing pending.
 */
export async function migrate(db: Db): Promise<string[]> {
  let migrationTableSchema: string | undefined;
  if (db.dialect === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely);
    migrationTableSchema = rows[0].schema;
  }
  const migrator = new Migrator({
    db: db.kysely,
    migrationTableSchema,
    // Each part of the server owns a numbered migration; they land in any order.
    allowUnorderedMigrations: true,
    provider: { getMigrations: async () => migrations(db.dialect) as Record<string, Migration> },
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (db.dialect !== 'sqlite' || attempt >= 5) throw error;
    await new Promise((r) => setTimeout(r, 50 * attempt));
  }
}
