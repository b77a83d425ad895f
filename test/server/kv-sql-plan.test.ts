/**
 * The SQL store's scan is a range of the primary key (project, mode, key): SQLite's plan for it
 * must be a SEARCH on that key with no sort step, so a scan never reads other projects' rows
 * (whatever their number) and stops after `limit` rows.
 */
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Db, openDb } from '../../server/db/index.ts';
import { scanStatement } from '../../server/infra/kv-sql-store.ts';

let db: Db;
beforeAll(async () => {
  db = await openDb({ url: ':memory:' });
});
afterAll(() => db.close());

const ns = { projectId: 'proj_plan', mode: 'live' as const };

it.each([
  ['every key', { prefix: '', after: null, limit: 100 }],
  ['a prefix', { prefix: 'session:', after: null, limit: 100 }],
  ['a prefix after a cursor', { prefix: 'session:', after: 'session:u_1', limit: 100 }],
  ['a prefix with no upper bound', { prefix: '\u{10FFFF}', after: null, limit: 10 }],
])('scans %s through the primary key, without sorting', async (_name, options) => {
  const { text, parameters } = scanStatement(ns, options, Date.now());
  const { rows } = await db.kysely.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${text}`, parameters));
  const plan = rows.map((r) => r.detail);
  expect(plan).toHaveLength(1);
  // The primary key of a rowid table is the automatic index sqlite_autoindex_kv_entries_1.
  expect(plan[0]).toMatch(/^SEARCH kv_entries USING INDEX sqlite_autoindex_kv_entries_1 \(project_id=\? AND mode=\? AND key>\?/);
  expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|^SCAN/m);
});
