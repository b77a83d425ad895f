/**
 * What `DATABASE_URL` may say, and what it means: `postgres://` or `postgresql://` is a
 * PostgreSQL database; `sqlite:` / `file:` URLs and plain paths are a SQLite file (`:memory:`
 * too, for tests). Anything else (`mysql://…`) is refused with the accepted forms; it used to be
 * taken silently as a file path, creating `./mysql:/…`.
 *
 * @module server/db/url
 */
import { fileURLToPath } from 'node:url';
import { maskUrl, SetupError } from '../startup/setup-error.ts';

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'sqlite'; file: string };

export const ACCEPTED_FORMS = 'postgres://user:password@host:5432/database, postgresql://…, sqlite:path/to/file.db, file:///absolute/path.db, or a plain file path';

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  if (url === ':memory:') return { kind: 'sqlite', file: url };
  // `sqlite:///abs/x.db` and `sqlite:rel/x.db`, `sqlite://rel/x.db` (as SQLAlchemy and Prisma write them).
  const sqlite = /^sqlite:(\/\/)?(.*)$/i.exec(url);
  if (sqlite) return sqliteFile(url, sqlite[2]);
  if (/^file:\/\//i.test(url)) return sqliteFile(url, fileURLToPath(url.replace(/[?#].*$/, '')));
  if (/^file:/i.test(url)) return sqliteFile(url, url.slice('file:'.length).replace(/[?#].*$/, ''));
  // A scheme of two letters or more (a Windows drive letter, `C:\…`, is one letter).
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(url);
  if (scheme) {
    throw new SetupError(`DATABASE_URL=${maskUrl(url)} is not a database this server can use (${scheme[1]}:); accepted: ${ACCEPTED_FORMS}`);
  }
  return sqliteFile(url, url);
}

function sqliteFile(url: string, file: string): DatabaseTarget {
  if (!file) throw new SetupError(`DATABASE_URL=${url} names no file; accepted: ${ACCEPTED_FORMS}`);
  return { kind: 'sqlite', file };
}
