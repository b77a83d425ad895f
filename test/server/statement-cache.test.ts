/**
 * The SQLite connection reuses prepared statements (server/db/index.ts `reusingStatements`): one
 * statement per SQL text, still correct after the schema changes, and never more than `size` kept.
 * Run on the driver this Node uses (server/db/sqlite-driver.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reusingStatements } from '../../server/db/index.ts';
import { openSqliteConnection, type SqliteConnection } from '../../server/db/sqlite-driver.ts';

let sqlite: SqliteConnection;
beforeEach(async () => {
  sqlite = await openSqliteConnection(':memory:');
  sqlite.exec('create table t (a integer)');
  sqlite.exec('insert into t values (1)');
});
afterEach(() => {
  try {
    sqlite.close();
  } catch {
    // closed by the test
  }
});

describe('reusingStatements', () => {
  it('prepares each SQL text once', () => {
    const db = reusingStatements(sqlite);
    const first = db.prepare('select a from t');
    expect(db.prepare('select a from t')).toBe(first);
    expect(db.prepare('select a + 1 as a from t')).not.toBe(first);
    expect(first.all([])).toEqual([{ a: 1 }]);
  });

  it('a schema change empties the cache, so the same SQL text sees the new schema', () => {
    const db = reusingStatements(sqlite);
    const star = db.prepare('select * from t');
    expect(star.all([])).toEqual([{ a: 1 }]);
    db.prepare('alter table t add column b text').run([]);
    db.prepare("update t set b = 'x'").run([]);
    const again = db.prepare('select * from t');
    expect(again).not.toBe(star);
    expect(again.all([])).toEqual([{ a: 1, b: 'x' }]);
    expect(db.prepare('select * from t')).toBe(again);
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
    const close = vi.spyOn(sqlite, 'close');
    reusingStatements(sqlite).close();
    expect(close).toHaveBeenCalledOnce();
    expect(() => sqlite.prepare('select 1')).toThrow();
  });
});

describe('the driver adapter', () => {
  it.each([
    ['select a from t', true],
    ['insert into t values (2) returning a', true],
    ['insert into t values (3)', false],
    ['pragma journal_mode', true],
  ])('%s: reader=%s', (text, reader) => {
    expect(sqlite.prepare(text).reader).toBe(reader);
  });

  it('binds an array of parameters and reports changes', () => {
    const insert = sqlite.prepare('insert into t values (?)');
    expect(insert.run([7])).toMatchObject({ changes: 1 });
    expect(sqlite.prepare('select a from t where a > ?').all([5])).toEqual([{ a: 7 }]);
    expect([...sqlite.prepare('select a from t order by a').iterate([])]).toEqual([{ a: 1 }, { a: 7 }]);
  });

  it('refuses an unknown SQLITE_DRIVER with the accepted values', async () => {
    await expect(openSqliteConnection(':memory:', 'sqlite3')).rejects.toThrow('use node:sqlite or better-sqlite3');
  });
});

describe('driver errors carry the SQLite result code name', () => {
  it.each([
    ['a unique violation', 'insert into u values (1, 1)', 'SQLITE_CONSTRAINT_PRIMARYKEY'],
    ['another unique violation', 'insert into u values (2, 1)', 'SQLITE_CONSTRAINT_UNIQUE'],
  ])('%s', (_name, text, code) => {
    sqlite.exec('create table u (a integer primary key, b integer unique)');
    sqlite.exec('insert into u values (1, 1)');
    expect(() => sqlite.prepare(text).run([])).toThrow(expect.objectContaining({ code }));
  });
});
