/**
 * `npm run migrate`: applies every pending migration to the configured database (`DATABASE_URL`,
 * default `./data/saasignal.db`) and exits. Idempotent; the server also migrates on start, this is
 * for deployments that migrate as a separate step.
 *
 * @module server/migrate
 */
import { existsSync } from 'node:fs';
import { migrate, openDb } from './db/index.ts';
import { exitWith } from './startup/setup-error.ts';

// The settings `npm start` reads (.env, the environment winning), so both act on one database.
if (existsSync('.env')) process.loadEnvFile('.env');
const url = process.env.DATABASE_URL;
// openDb applies pending migrations itself; the second pass proves nothing is left. A setting
// it cannot use is one line, as at the server's start.
const db = await openDb({ url }).catch((err: unknown) => exitWith('migrate', err));
try {
  const pending = await migrate(db);
  const applied = await db.kysely.selectFrom('kysely_migration').select('name').orderBy('name').execute();
  console.log(JSON.stringify({ database: db.dialect, applied: applied.map((r) => r.name), pending_after: pending }));
} finally {
  await db.close();
}
