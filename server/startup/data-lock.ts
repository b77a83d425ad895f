/**
 * One server per SQLite database. A second server on the same file would start without a word
 * and split what lives in each process (channel fan-out, rate-limit counters): subscribers of
 * one never see events published through the other, and every limit doubles.
 *
 * The lock is SQLite's own: a small database next to the data (`<file>.lock`) held in exclusive
 * locking mode for the life of the process. The operating system drops the lock when the
 * process ends in any way (even SIGKILL), so there is no stale lock file to clean up, and it
 * holds across containers sharing the volume on one host.
 *
 * @module server/startup/data-lock
 * @see https://www.sqlite.org/pragma.html#pragma_locking_mode
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { explainSqliteFailure } from '../db/index.ts';
import { openSqliteConnection, type SqliteConnection } from '../db/sqlite-driver.ts';
import { SetupError } from './setup-error.ts';

export interface DataLock {
  file: string;
  release(): void;
}

/**
 * Takes the lock for the SQLite database `file` (`url`: the setting, for messages), or throws a
 * SetupError: another server holds it, or the folder cannot be written.
 */
export async function lockDatabase(file: string, url: string): Promise<DataLock> {
  const lockFile = `${file}.lock`;
  let lock: SqliteConnection;
  try {
    mkdirSync(dirname(file), { recursive: true });
    lock = await openSqliteConnection(lockFile);
  } catch (err) {
    throw explainSqliteFailure(err, file, url);
  }
  try {
    lock.exec('pragma busy_timeout = 0');
    lock.exec('pragma journal_mode = DELETE');
    lock.exec('pragma locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; in this mode it is kept after the commit.
    lock.exec('begin exclusive');
    lock.exec('create table if not exists holder (pid integer not null, since text not null)');
    lock.exec('delete from holder');
    lock.prepare('insert into holder values (?, ?)').run([process.pid, new Date().toISOString()]);
    lock.exec('commit');
  } catch (err) {
    lock.close();
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new SetupError(
        `another server is already using the SQLite database \`${file}\` (it holds \`${lockFile}\`): stop it first, or give this one its own DATABASE_URL; several instances need PostgreSQL and Redis`,
      );
    }
    throw explainSqliteFailure(err, file, url);
  }
  return { file: lockFile, release: () => lock.close() };
}
