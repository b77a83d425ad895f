/**
 * The SQL seam: one Kysely instance over the embedded SQLite file (default) or PostgreSQL
 * (`DATABASE_URL`), and the migrations every part of the server registers. The SQL driver is
 * chosen here only; which SQLite library runs is decided in ./sqlite-driver.ts.
 *
 * @module server/db
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement, sql } from 'kysely';
import { migrations } from './migrations/index.ts';
import { openSqliteConnection, type SqliteDriverName } from './sqlite-driver.ts';
import { watchingWrites } from './write-watch.ts';
import { RevocationEpoch } from '../auth/revocation-epoch.ts';
import { parseDatabaseUrl } from './url.ts';
import { maskUrl, reason, SetupError } from '../startup/setup-error.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  /** Untyped on purpose: each module declares the tables it owns next to its queries. */
  kysely: Kysely<any>;
  dialect: Dialect;
  /** The SQLite library in use (SQLite only). */
  driver?: SqliteDriverName;
  /** Moved by every committed write that can revoke a credential (./write-watch.ts). */
  revocations: RevocationEpoch;
  close(): Promise<void>;
}

export interface DbOptions {
  /** `postgres://…` for PostgreSQL; otherwise a SQLite file (see ./url.ts; `:memory:` for tests). */
  url?: string;
}

export const DEFAULT_DATABASE_URL = './data/saasignal.db';

/** The database the server uses: `DATABASE_URL`, else the default file (an empty value counts as unset). */
export const databaseUrl = (url?: string): string => url || process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

/**
 * Opens the database and applies every pending migration (idempotent). A database that cannot
 * be used as configured (unreachable, missing, unwritable) throws a SetupError, one line.
 */
export async function openDb(options: DbOptions = {}): Promise<Db> {
  const url = databaseUrl(options.url);
  const target = parseDatabaseUrl(url);
  const db = target.kind === 'postgres' ? await openPostgres(target.url) : await openSqlite(target.file, url);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw target.kind === 'postgres' ? explainPostgresFailure(err, target.url) : explainSqliteFailure(err, target.file, url);
  }
  return db;
}

/** The one-line cause of a SQLite file that cannot be opened or written. */
export function explainSqliteFailure(err: unknown, file: string, url: string): unknown {
  const code = String((err as { code?: string }).code ?? '');
  if (!/^(E[A-Z]+|SQLITE_(CANTOPEN|READONLY|IOERR|FULL|PERM|NOTADB|CORRUPT)\w*)$/.test(code)) return err;
  const fix = /NOTADB|CORRUPT/.test(code) ? 'point DATABASE_URL at a SaaSignal database file' : 'set DATABASE_URL to a writable file path, or make its folder writable';
  return new SetupError(`cannot write the SQLite database \`${resolve(file)}\` (DATABASE_URL=${url}): ${reason(err)}; ${fix}`);
}

/** The one-line cause of a PostgreSQL database that cannot be reached or used. */
export function explainPostgresFailure(err: unknown, url: string): unknown {
  // Several addresses tried (localhost: ::1 and 127.0.0.1) come back as one AggregateError.
  const first = (err as { errors?: unknown[] }).errors?.[0] ?? err;
  const code = String((first as { code?: string }).code ?? (err as { code?: string }).code ?? '');
  const setting = `DATABASE_URL=${maskUrl(url)}`;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below without host or database
  }
  const database = decodeURIComponent(parsed?.pathname.slice(1) ?? '') || 'postgres';
  const user = decodeURIComponent(parsed?.username ?? '');
  const at = `${parsed?.hostname || 'localhost'}:${parsed?.port || 5432}`;
  if (code === '3D000') return new SetupError(`database \`${database}\` does not exist on ${at} (${setting}): create it with \`createdb ${database}\``);
  if (code === '28P01' || code === '28000') {
    return new SetupError(`PostgreSQL at ${at} refused ${user ? `user \`${user}\`` : 'the connection'}: ${reason(first)} (${setting}); check the user and password in DATABASE_URL`);
  }
  if (/^E[A-Z]+$/.test(code) || /Connection terminated|timeout exceeded/.test(String((first as Error).message))) {
    return new SetupError(`cannot reach PostgreSQL at ${at} (${setting}): ${reason(first)}; is it running, and are the host and port right?`);
  }
  return err;
}

async function openSqlite(file: string, url: string): Promise<Db> {
  let sqlite: Awaited<ReturnType<typeof openSqliteConnection>>;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    sqlite = await openSqliteConnection(file);
    sqlite.exec('pragma busy_timeout = 5000');
    // WAL is the first write: a read-only file or folder fails here.
    sqlite.exec('pragma journal_mode = WAL');
  } catch (err) {
    throw explainSqliteFailure(err, file, url);
  }
  // WAL: readers never block the writer, and a committed transaction is in the WAL file before
  // the answer goes out, so an acknowledged write survives the process being killed (SIGKILL).
  // synchronous=NORMAL skips the fsync per commit (every metered request writes): only an OS
  // crash or power loss can lose the last commits. SQLITE_SYNCHRONOUS=FULL trades speed for that.
  sqlite.exec(`pragma synchronous = ${process.env.SQLITE_SYNCHRONOUS === 'FULL' ? 'FULL' : 'NORMAL'}`);
  sqlite.exec('pragma foreign_keys = ON');
  // One server per database file (server/startup/data-lock.ts): the epoch can live in the process.
  const revocations = new RevocationEpoch('process');
  const kysely = new Kysely<any>({ dialect: watchingWrites(new SqliteDialect({ database: reusingStatements(sqlite) }), () => revocations.bump()) });
  return { kysely, dialect: 'sqlite', driver: sqlite.driver, revocations, close: () => kysely.destroy() };
}

/** How many distinct SQL texts keep a prepared statement (the server issues a few dozen). */
const STATEMENT_CACHE_SIZE = 500;
/** SQL that changes the schema: prepared statements kept before it may be stale. */
const SCHEMA_CHANGE = /^\s*(alter|create|drop)\b/i;

/**
 * The connection as Kysely sees it, with each SQL text prepared once. Kysely's SQLite driver
 * calls `prepare` for every query, and compiling the statement was the largest single cost of a
 * KV request (profiled: ~11% of the server's CPU). Statements of both drivers are reusable, and
 * Kysely runs one query at a time on its single connection (a stream holds it until done), so
 * one statement is never used by two queries at once. A schema change empties the cache:
 * better-sqlite3 re-prepares a kept statement by itself, but node:sqlite (Node 22) keeps the
 * column list of a `select *` as it was prepared. Oldest entries go first once the cache is full.
 */
export function reusingStatements(sqlite: SqliteDatabase, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(text) {
      if (SCHEMA_CHANGE.test(text)) {
        statements.clear();
        return sqlite.prepare(text);
      }
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
  // Off until the app shares it through Redis: instances of one database might not see each other.
  const revocations = new RevocationEpoch('off');
  const kysely = new Kysely<any>({ dialect: watchingWrites(new PostgresDialect({ pool }), () => revocations.bump()) });
  return { kysely, dialect: 'postgres', revocations, close: () => kysely.destroy() };
}

async function migratorFor(db: Db): Promise<Migrator> {
  let migrationTableSchema: string | undefined;
  if (db.dialect === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely);
    migrationTableSchema = rows[0].schema;
  }
  return new Migrator({
    db: db.kysely,
    migrationTableSchema,
    // Each part of the server owns a numbered migration; they land in any order.
    allowUnorderedMigrations: true,
    provider: { getMigrations: async () => migrations(db.dialect) as Record<string, Migration> },
  });
}

/** Names of the migrations this build knows that the database has not applied (readiness). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await (await migratorFor(db)).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/**
 * Runs pending migrations; safe to call on every start and from several instances at once.
 * PostgreSQL: Kysely locks its migration table, which lives in the connection's own schema (by
 * default Kysely finds one in any schema and takes another schema's as this one's).
 * SQLite: Kysely takes no lock; two processes starting together on a new file race, the loser's
 * transaction rolls back, and a retry finds nothing pending.
 */
export async function migrate(db: Db): Promise<string[]> {
  const migrator = await migratorFor(db);
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (db.dialect !== 'sqlite' || attempt >= 5) throw error;
    await new Promise((r) => setTimeout(r, 50 * attempt));
  }
}
