/**
 * `npm run migrate` against PostgreSQL, as a deployment runs it before starting its instances:
 * alone it creates every table of a fresh database; run again it applies nothing (the recorded
 * migrations keep their first timestamps); two runs at the same moment both succeed and apply
 * each migration once.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { migrations } from '../../server/db/migrations/index.ts';
import { createTestDatabase } from '../store/support/stores.ts';

const exec = promisify(execFile);
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
});

const expected = Object.keys(migrations('postgres')).sort();

async function freshDatabase(): Promise<string> {
  const { url, drop } = await createTestDatabase('multi_migrate');
  drops.push(drop);
  return url;
}

/** `npm run migrate` with only DATABASE_URL set; its last stdout line is its JSON report. */
async function npmRunMigrate(databaseUrl: string) {
  const { stdout } = await exec('npm', ['run', '--silent', 'migrate'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

async function inDatabase<T>(url: string, query: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await query(client);
  } finally {
    await client.end();
  }
}

const recorded = (url: string) =>
  inDatabase(url, async (c) => (await c.query<{ name: string; timestamp: string }>('select name, timestamp from kysely_migration order by name')).rows);

it('creates every table of a fresh database, and a second run applies nothing', async () => {
  const url = await freshDatabase();
  const first = await npmRunMigrate(url);
  expect(first).toEqual({ database: 'postgres', applied: expected, pending_after: [] });
  const tables = await inDatabase(url, async (c) =>
    (await c.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'")).rows.map((r) => r.table_name),
  );
  // The platform's, better-auth's and the KV store's, in the database's default schema.
  expect(tables).toEqual(expect.arrayContaining(['kysely_migration', 'organization', 'user', 'session', 'api_token', 'server_secret', 'kv_entries']));
  const before = await recorded(url);
  expect(before.map((r) => r.name)).toEqual(expected);

  const second = await npmRunMigrate(url);
  expect(second).toEqual(first);
  expect(await recorded(url)).toEqual(before);
}, 120_000);

it('two runs at the same moment both succeed and apply each migration once', async () => {
  const url = await freshDatabase();
  const reports = await Promise.all([npmRunMigrate(url), npmRunMigrate(url)]);
  for (const report of reports) expect(report).toEqual({ database: 'postgres', applied: expected, pending_after: [] });
  expect((await recorded(url)).map((r) => r.name)).toEqual(expected);
}, 120_000);
