/**
 * The KV table of the SQL store (server/infra/kv-sql-store.ts): one row per key, keyed by
 * (project, mode, key) so that a scan is a range scan of the primary key that never touches
 * other projects' rows. A number is kept in `num` (a double, so an increment is exact double
 * arithmetic inside one statement); any other value as JSON text in `value`.
 *
 * @module server/db/migrations/kv
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../index.ts';

export function kvMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('kv_entries')
        .ifNotExists()
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        // Byte order in both dialects (SQLite's default BINARY; PostgreSQL needs "C"): the order
        // of Redis' ZRANGEBYLEX too, so every store scans keys in the same order.
        .addColumn('key', 'text', (c) => (dialect === 'postgres' ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull()))
        .addColumn('value', 'text')
        .addColumn('num', 'double precision')
        .addColumn('expires_at', 'bigint')
        .addPrimaryKeyConstraint('kv_entries_pk', ['project_id', 'mode', 'key'])
        .execute();
      // For the sweep that reclaims expired rows.
      await db.schema
        .createIndex('kv_entries_expires_at')
        .ifNotExists()
        .on('kv_entries')
        .column('expires_at')
        .where(sql.ref('expires_at'), 'is not', null)
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('kv_entries').ifExists().execute();
    },
  };
}
