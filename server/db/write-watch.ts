/**
 * Finds the SQL writes that can revoke a credential and reports each once it has committed, so
 * that the revocation epoch (server/auth/revocation-epoch.ts) moves after every one of them. It
 * sits in the driver, under every query of the server and of better-auth (which shares this Kysely
 * instance): a new way to revoke a token, end a session or remove a member is seen without the
 * code that does it having to remember anything.
 *
 * What counts: an UPDATE of a token (except its `last_used_at`), a member or a session; a DELETE
 * of a token, member, session, user, project or organization. Inserts grant, never revoke.
 * Outside a transaction the report follows the statement; inside one it follows the COMMIT
 * (reported earlier, a concurrent lookup could still read the old row and cache it as current).
 * The statement, or the commit, resolves only after the report: a revocation is acknowledged
 * once every instance will see it.
 *
 * @module server/db/write-watch
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';

const REVOKING = /^(?:update "(?:api_token|member|session)"|delete from "(?:api_token|member|session|user|project|organization)")/i;
/** The once-a-minute `last_used_at` write of server/auth/identify.ts, on either dialect. */
const TOUCH = /^update "api_token" set "last_used_at" = (?:\?|\$\d+) where /;

/** Whether this SQL can revoke a credential. */
export function revokes(sqlText: string): boolean {
  // Most statements are reads: one character decides.
  const first = sqlText.charCodeAt(0) | 0x20;
  if (first !== 0x75 /* u */ && first !== 0x64 /* d */) return false;
  return REVOKING.test(sqlText) && !TOUCH.test(sqlText);
}

class Watched implements DatabaseConnection {
  inTransaction = false;
  dirty = false;
  constructor(
    readonly inner: DatabaseConnection,
    private readonly committed: () => Promise<void>,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.inner.executeQuery<R>(query);
    if (revokes(query.sql)) {
      if (this.inTransaction) this.dirty = true;
      else await this.committed();
    }
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

function watchingDriver(driver: Driver, committed: () => Promise<void>): Driver {
  const wrappers = new WeakMap<DatabaseConnection, Watched>();
  const inner = (c: DatabaseConnection) => (c as Watched).inner;
  const watched = driver as Driver & Required<Pick<Driver, 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint'>>;
  return {
    init: () => driver.init(),
    destroy: () => driver.destroy(),
    async acquireConnection() {
      const connection = await driver.acquireConnection();
      let wrapper = wrappers.get(connection);
      if (!wrapper) wrappers.set(connection, (wrapper = new Watched(connection, committed)));
      return wrapper;
    },
    releaseConnection: (c) => driver.releaseConnection(inner(c)),
    async beginTransaction(c: DatabaseConnection, settings: TransactionSettings) {
      await driver.beginTransaction(inner(c), settings);
      (c as Watched).inTransaction = true;
      (c as Watched).dirty = false;
    },
    async commitTransaction(c) {
      const w = c as Watched;
      await driver.commitTransaction(w.inner);
      w.inTransaction = false;
      if (w.dirty) {
        w.dirty = false;
        await committed();
      }
    },
    async rollbackTransaction(c) {
      const w = c as Watched;
      w.inTransaction = false;
      w.dirty = false;
      await driver.rollbackTransaction(w.inner);
    },
    ...(driver.savepoint && {
      savepoint: (c, name, compile) => watched.savepoint(inner(c), name, compile),
      rollbackToSavepoint: (c, name, compile) => watched.rollbackToSavepoint(inner(c), name, compile),
      releaseSavepoint: (c, name, compile) => watched.releaseSavepoint(inner(c), name, compile),
    }),
  };
}

/** `dialect`, reporting each committed write that can revoke a credential to `committed`. */
export function watchingWrites(dialect: Dialect, committed: () => Promise<void>): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => watchingDriver(dialect.createDriver(), committed),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}
