/**
 * The one place that knows which SQLite library runs: Node's built-in `node:sqlite` where it is
 * complete (Node 22.16+, 24: no native build at install), else better-sqlite3 (Node 20, where
 * it is an optional dependency built at install). better-sqlite3 12 aborts the process during
 * garbage collection on Node 24.19+ (`Assertion failed: (env) != nullptr`), so it is never
 * loaded where the built-in one works. `SQLITE_DRIVER=better-sqlite3|node:sqlite` forces one.
 *
 * Both are adapted to Kysely's `SqliteDatabase` (prepare → all/run/iterate with an array of
 * parameters, and `reader` telling whether a statement returns rows) plus `exec` for pragmas.
 *
 * @module server/db/sqlite-driver
 * @see https://nodejs.org/api/sqlite.html
 */
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { SetupError } from '../startup/setup-error.ts';

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export interface SqliteConnection extends SqliteDatabase {
  driver: SqliteDriverName;
  /** Runs SQL without results (pragmas, schema). */
  exec(sql: string): void;
}

/** The parts of `node:sqlite` used here (@types/node 20 does not declare the module). */
interface NodeSqlite {
  DatabaseSync: new (path: string) => {
    exec(sql: string): void;
    prepare(sql: string): NodeStatement;
    close(): void;
  };
}
interface NodeStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): IterableIterator<unknown>;
  columns(): unknown[];
}

/** `node:sqlite` when it has what the adapter needs (`columns()`: 22.16+, 23.11+), else undefined. */
async function loadNodeSqlite(): Promise<NodeSqlite | undefined> {
  // Node 22 flags the module experimental on first load; that one warning says nothing a user
  // can act on, so it is dropped (any other warning passes through).
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(typeof warning === 'string' ? warning : warning.message).startsWith('SQLite is an experimental feature')) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    // A variable specifier: the module does not exist on Node 20, for TypeScript nor at runtime.
    const specifier = 'node:sqlite';
    const mod = (await import(specifier)) as NodeSqlite;
    const probe = new mod.DatabaseSync(':memory:');
    const statement = probe.prepare('select 1');
    const complete = typeof statement.columns === 'function' && typeof statement.iterate === 'function';
    probe.close();
    return complete ? mod : undefined;
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * SQLite result codes by number, named as better-sqlite3 names them in `error.code`: the rest of
 * the server tells a busy database (503) or a unique violation (409) by that name. node:sqlite
 * gives only the number (`errcode`, extended codes) under `code: 'ERR_SQLITE_ERROR'`.
 * @see https://www.sqlite.org/rescode.html
 */
const RESULT_CODES: Record<number, string> = {
  5: 'SQLITE_BUSY',
  261: 'SQLITE_BUSY_RECOVERY',
  517: 'SQLITE_BUSY_SNAPSHOT',
  773: 'SQLITE_BUSY_TIMEOUT',
  6: 'SQLITE_LOCKED',
  262: 'SQLITE_LOCKED_SHAREDCACHE',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  19: 'SQLITE_CONSTRAINT',
  275: 'SQLITE_CONSTRAINT_CHECK',
  787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1299: 'SQLITE_CONSTRAINT_NOTNULL',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  2067: 'SQLITE_CONSTRAINT_UNIQUE',
};

/** Gives a node:sqlite error the `code` better-sqlite3 would have given it. */
function named<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    const e = err as { code?: string; errcode?: number };
    if (e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
      e.code = RESULT_CODES[e.errcode] ?? RESULT_CODES[e.errcode & 0xff] ?? `SQLITE_ERROR_${e.errcode}`;
    }
    throw err;
  }
}

function nodeConnection(mod: NodeSqlite, file: string): SqliteConnection {
  const db = named(() => new mod.DatabaseSync(file));
  return {
    driver: 'node:sqlite',
    exec: (text) => named(() => db.exec(text)),
    close: () => db.close(),
    prepare(text): SqliteStatement {
      const statement = named(() => db.prepare(text));
      return {
        // A statement returns rows exactly when it has result columns (SELECT, PRAGMA, … RETURNING).
        reader: statement.columns().length > 0,
        all: (params) => named(() => statement.all(...params)),
        run: (params) => named(() => statement.run(...params)),
        iterate: (params) => named(() => statement.iterate(...params)),
      };
    },
  };
}

async function betterSqliteConnection(file: string): Promise<SqliteConnection> {
  let Database: typeof import('better-sqlite3');
  try {
    ({ default: Database } = await import('better-sqlite3'));
  } catch (err) {
    throw new SetupError(
      `no SQLite driver: this Node (${process.version}) has no complete node:sqlite and better-sqlite3 did not load ` +
        `(${(err as Error).message.split('\n')[0]}); use Node 22.16+ or 24, or reinstall with a C++ toolchain for better-sqlite3`,
    );
  }
  const db = new Database(file);
  return { driver: 'better-sqlite3', exec: (text) => void db.exec(text), close: () => void db.close(), prepare: (text) => db.prepare(text) };
}

let chosen: Promise<NodeSqlite | undefined> | undefined;

/** Opens `file` (or `:memory:`) with the driver this Node should use. */
export async function openSqliteConnection(file: string, driver = process.env.SQLITE_DRIVER || undefined): Promise<SqliteConnection> {
  if (driver !== undefined && driver !== 'node:sqlite' && driver !== 'better-sqlite3') {
    throw new SetupError(`SQLITE_DRIVER=${driver} is not a driver: use node:sqlite or better-sqlite3, or leave it unset`);
  }
  if (driver === 'better-sqlite3') return betterSqliteConnection(file);
  const mod = await (chosen ??= loadNodeSqlite());
  if (mod) return nodeConnection(mod, file);
  if (driver === 'node:sqlite') throw new SetupError(`SQLITE_DRIVER=node:sqlite, but Node ${process.version} has no complete node:sqlite (22.16+ or 24 has)`);
  return betterSqliteConnection(file);
}
