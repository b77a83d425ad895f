/**
 * The platform migration writes better-auth's tables itself (so that migrating never loads
 * better-auth); better-auth must find nothing left to create or add, on SQLite and PostgreSQL.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pendingAuthSchema } from '../../server/auth/better-auth.ts';
import { openDb } from '../../server/db/index.ts';
import { platformMigration } from '../../server/db/migrations/platform.ts';

const NOTHING = { tables: [], columns: [], indexes: [], problems: [] };

describe('better-auth schema', () => {
  it('is complete on SQLite', async () => {
    const db = await openDb({ url: ':memory:' });
    try {
      expect(await pendingAuthSchema(db.kysely, 'sqlite')).toEqual(NOTHING);
    } finally {
      await db.close();
    }
  });

  it('is complete on PostgreSQL', async () => {
    const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `auth_schema_${process.pid}_${Date.now()}`;
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pool.on('connect', (client) => void client.query(`SET search_path TO ${schema}`));
    const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    try {
      await pool.query(`CREATE SCHEMA ${schema}`);
      await platformMigration('postgres').up(kysely);
      expect(await pendingAuthSchema(kysely, 'postgres')).toEqual(NOTHING);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await kysely.destroy();
    }
  }, 30_000);
});
