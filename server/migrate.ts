/**
 * `npm run migrate`: applies every pending migration to the configured database (`DATABASE_URL`,
 * default `./data/saasignal.db`) and exits. Idempotent; the server also migrates on start, this is
 * for deployments that migrate as a separate step.
 *
 * @module server/migrate
 */
import { migrate, openDb } from './db/index.ts';

const url = process.env.DATABASE_URL;
// openDb applies pending migrations itself; the second pass proves nothing is left.
const db = await openDb({ url });
try {
  const pending = await migrate(db);
  const applied = await db.kysely.selectFrom('kysely_migration').select('name').orderBy('name').execute();
  console.log(JSON.stringify({ database: db.dialect, applied: applied.map((r) => r.name), pending_after: pending }));
} finally {
  await db.close();
}
