/**
 * The SQLite connection reuses prepared statements (server/db/index.ts `reusingStatements`): one
 * statement per SQL text, still correct after the schema changes, and never more than `size` kept.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reusingStatements } from '../../server/db/index.ts';

let sqlite: Database.Database;
beforeEach(() => {
  sqlite = new Database(':memory:');
  sqlite.exec('create table t (a integer)');
  sqlite.exec('insert into t values (1)');
});
afterEach(() => sqlite.close());

describe('reusingStatements', () => {
  it('prepares each SQL text once', () => {
    const db = reusingStatements(sqlite);
    const first = db.prepare('select a from t');
    expect(db.prepare('select a from t')).toBe(first);
    expect(db.prepare('select a + 1 as a from t')).not.toBe(first);
    expect(first.all([])).toEqual([{ a: 1 }]);
  });

  it('a kept statement sees a schema change', () => {
    const db = reusingStatements(sqlite);
    const star = db.prepare('select * from t');
    expect(star.all([])).toEqual([{ a: 1 }]);
    db.prepare('alter table t add column b text').run([]);
    db.prepare("update t set b = 'x'").run([]);
    expect(db.prepare('select * from t')).toBe(star);
    expect(star.all([])).toEqual([{ a: 1, b: 'x' }]);
  });

  it.each([
    ['keeps the newest statements', 2, ['select 1', 'select 2', 'select 3'], 'select 3', true],
    ['drops the oldest once full', 2, ['select 1', 'select 2', 'select 3'], 'select 1', false],
  ])('%s', (_name, size, texts, probe, kept) => {
    const db = reusingStatements(sqlite, size);
    const prepared = new Map(texts.map((text) => [text, db.prepare(text)]));
    expect(db.prepare(probe) === prepared.get(probe)).toBe(kept);
  });

  it('closing it closes the connection', () => {
    reusingStatements(sqlite).close();
    expect(sqlite.open).toBe(false);
  });
});
