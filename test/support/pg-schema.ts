/**
 * A PostgreSQL schema of a test's own in the shared database (`DATABASE_URL`, else the local
 * `test` database), and the URL whose connections work in it (`search_path`), so that suites
 * running at once never see each other's rows. Dropped, with everything in it, by `drop()`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `base` with its connections' `search_path` set to `schema`. */
export const schemaUrl = (schema: string, base = PG_URL): string =>
  `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;

export interface PgSchema {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

/** Creates `<label>_<random>`; `label` is an identifier (letters, digits, `_`). */
export async function createPgSchema(label: string): Promise<PgSchema> {
  const name = `${label}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE SCHEMA ${name}`);
  return { name, url: schemaUrl(name), drop: () => admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`) };
}
