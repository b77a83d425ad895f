/**
 * Statements compiled once: the few queries every request runs skip Kysely's query building
 * (operation nodes, a compiler pass, a query id per call), which cost ~7 µs of a ~10 µs query
 * (issue 16). The SQL is written with `?` placeholders and given `$1, $2, …` for PostgreSQL; it
 * still runs through Kysely's executor, so the SQLite driver's single-connection queue, the pool
 * and server/db/write-watch.ts apply as to any other query (and SQLite keeps one prepared
 * statement per text, see `reusingStatements` in ./index.ts).
 *
 * @module server/db/prepared
 */
import { type CompiledQuery, type QueryResult, RawNode } from 'kysely';
import type { Db } from './index.ts';

export type Prepared<R> = (parameters: readonly unknown[]) => Promise<QueryResult<R>>;

/** `text` for `db`'s dialect, with `?` placeholders (never inside a literal: ours hold none). */
export function prepare<R>(db: Db, text: string): Prepared<R> {
  let n = 0;
  const sql = db.dialect === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text;
  const query = RawNode.createWithSql(sql);
  // Plugins (none here) match results to queries by this id; one per statement is enough.
  const queryId = { queryId: `prepared:${sql}` };
  return (parameters) => db.kysely.executeQuery<R>({ sql, query, parameters, queryId } as CompiledQuery<R>);
}
