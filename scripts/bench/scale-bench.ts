/**
 * The scale section: KV get and scan latency with a small and a large number of keys in the
 * project (and as many again in another project). Keys are seeded straight into the SQL store's
 * table (openDb, multi-row inserts in big transactions), not over HTTP; the requests then go
 * through the whole server. Both sizes are served at once by two servers and measured in
 * alternating blocks, so that the noise of a shared machine falls on both alike.
 *
 * @module scripts/bench/scale-bench
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../../server/db/index.ts';
import { createSqlKvStore } from '../../server/infra/kv-sql-store.ts';
import { encodeValue } from '../../server/infra/kv-store.ts';
import { type Api, startApi } from './api-process.ts';
import { createTenant } from './api-setup.ts';
import { tempDir } from './children.ts';
import { type LatencyResult, summarize, timeRequests } from './latency.ts';

export interface ScaleTiming {
  sizes: [small: number, large: number];
  /** Requests per block, and blocks per size and operation. */
  block: number;
  blocks: number;
  maxSeconds: number;
}

export interface ScalePoint {
  keys: number;
  /** Rows in the table: `keys` in the measured project and as many in another. */
  rows: number;
  seedSeconds: number;
  dbBytes: number;
  get: LatencyResult;
  scan: LatencyResult;
}

export interface ScaleRun {
  small: ScalePoint;
  large: ScalePoint;
  /** large / small, on the median latency. */
  getRatio: number;
  scanRatio: number;
}

const key = (i: number) => `k:${String(i).padStart(7, '0')}`;
const ROWS_PER_INSERT = 500;
const ROWS_PER_TRANSACTION = 100_000;

/** Inserts keys [0, count) into each project, in live mode, as the SQL store stores them. */
async function seed(file: string, projectIds: string[], count: number): Promise<number> {
  const started = performance.now();
  const db = await openDb({ url: file });
  try {
    for (const projectId of projectIds) {
      for (let from = 0; from < count; from += ROWS_PER_TRANSACTION) {
        await db.kysely.transaction().execute(async (trx) => {
          for (let start = from; start < Math.min(count, from + ROWS_PER_TRANSACTION); start += ROWS_PER_INSERT) {
            const rows = [];
            for (let i = start; i < Math.min(count, start + ROWS_PER_INSERT); i++) {
              rows.push({ project_id: projectId, mode: 'live', key: key(i), value: encodeValue({ n: i, tag: 'seed' }).json, num: null, expires_at: null });
            }
            await trx.insertInto('kv_entries').values(rows).execute();
          }
        });
      }
    }
    // The store reads what was seeded: the table layout is the store's, not a guess.
    const store = createSqlKvStore(db);
    const probe = await store.get({ projectId: projectIds[0], mode: 'live' }, key(count - 1));
    if ((probe?.value as { n?: number } | undefined)?.n !== count - 1) throw new Error(`seeded key ${key(count - 1)} does not read back: ${JSON.stringify(probe)}`);
    const page = await store.scan({ projectId: projectIds[0], mode: 'live' }, { prefix: 'k:', after: null, limit: 100 });
    if (page.keys.length !== 100) throw new Error(`a scan of the seeded keys found ${page.keys.length} keys`);
  } finally {
    await db.close();
  }
  return (performance.now() - started) / 1000;
}

/** A spread of indexes in [0, count): the same sequence for every size. */
const spread = (i: number, count: number) => Number((BigInt(i) * 2_654_435_761n) % BigInt(count));

interface Side {
  keys: number;
  file: string;
  api: Api;
  secret: string;
  seedSeconds: number;
  get: number[];
  scan: number[];
}

async function prepareSide(keys: number): Promise<Omit<Side, 'get' | 'scan'>> {
  const file = join(tempDir(`scale-${keys}`), 'saasignal.db');
  // Tenants come from the API, as users make them; then the server stops while keys are seeded.
  const setup = await startApi({ databaseUrl: file });
  let measured;
  let other;
  try {
    measured = await createTenant(setup.base, `scale-${keys}`);
    other = await createTenant(setup.base, `scale-${keys}-other`);
  } finally {
    await setup.stop();
  }
  const seedSeconds = await seed(file, [measured.projectId, other.projectId], keys);
  const api = await startApi({ databaseUrl: file });
  return { keys, file, api, secret: measured.secret, seedSeconds };
}

export async function runScale(timing: ScaleTiming, log: (line: string) => void): Promise<ScaleRun> {
  const sides: Side[] = [];
  try {
    for (const keys of timing.sizes) {
      const side = await prepareSide(keys);
      sides.push({ ...side, get: [], scan: [] });
      log(`  seeded ${keys.toLocaleString('en-US')} keys × 2 projects in ${side.seedSeconds.toFixed(1)} s`);
    }
    const deadline = performance.now() + timing.maxSeconds * 1000;
    for (let b = 0; b < timing.blocks && performance.now() < deadline; b++) {
      for (const side of b % 2 ? [...sides].reverse() : sides) {
        const headers = { authorization: `Bearer ${side.secret}` };
        const offset = b * timing.block;
        side.get.push(...(await timeRequests({ url: side.api.base, headers, count: timing.block, maxSeconds: 30, warmup: b === 0 ? 50 : 0, path: (i) => `/infra/kv/${key(spread(offset + i, side.keys))}` })));
        // A prefix that drops the last two digits: exactly 100 keys, anywhere in the key range.
        side.scan.push(...(await timeRequests({ url: side.api.base, headers, count: timing.block, maxSeconds: 30, warmup: b === 0 ? 50 : 0, path: (i) => `/infra/kv?prefix=${key(spread(offset + i, side.keys)).slice(0, -2)}&limit=100` })));
      }
    }
    const [small, large] = sides.map((side): ScalePoint => ({
      keys: side.keys,
      rows: side.keys * 2,
      seedSeconds: side.seedSeconds,
      dbBytes: fileBytes(side.file),
      get: summarize(side.get),
      scan: summarize(side.scan),
    }));
    return { small, large, getRatio: large.get.p50 / small.get.p50, scanRatio: large.scan.p50 / small.scan.p50 };
  } finally {
    for (const side of sides) await side.api.stop();
  }
}

function fileBytes(file: string): number {
  return ['', '-wal'].reduce((sum, suffix) => {
    try {
      return sum + statSync(file + suffix).size;
    } catch {
      return sum;
    }
  }, 0);
}
