/**
 * Real server processes SIGKILLed while taking KV writes and increments of a shared counter.
 * `store:postgres+redis`: two processes share PostgreSQL (a database of its own) and Redis, one
 * is killed. `store:sqlite`: one process (a second server on the same SQLite file is refused, see
 * server/startup/data-lock.ts), killed, and the lock it held is free again at once. After the
 * killed one restarts, every acknowledged write is there, and the counter holds every
 * acknowledged increment and no more than were sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { crashDuringWrites, projectToken, type ServerProcess, startServer } from './support/crash-run.ts';
import { createTestDatabase, storeKind } from './support/stores.ts';

const kind = storeKind();
const running: ServerProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const server of running) await server.stop();
  for (const cleanup of cleanups) await cleanup();
});

async function storageEnv(): Promise<Record<string, string>> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kv-two-processes-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    return { DATABASE_URL: join(dir, 'saasignal.db'), REDIS_URL: '' };
  }
  const redis = process.env.REDIS_URL;
  if (!redis) throw new Error('REDIS_URL must be set');
  const { url, drop } = await createTestDatabase('kv_crash');
  cleanups.push(drop);
  return { DATABASE_URL: url, REDIS_URL: redis };
}

it(`keeps every acknowledged write when a server process is killed (${kind})`, async () => {
  const env = { ...process.env, ...(await storageEnv()), SAASIGNAL_RATE_LIMIT: '1000000' };
  // One after the other: two processes migrating a new SQLite file at the same instant race
  // (Kysely takes no lock on SQLite); that is a start-up matter, not what this test is about.
  const one = await startServer(env);
  running.push(one);
  const two = kind === 'sqlite' ? undefined : await startServer(env);
  if (two) running.push(two);
  const { token, orgId, projectId, session } = await projectToken(one.base);
  const { result, restarted } = await crashDuringWrites(two ? [one, two] : [one], token, async () => {
    const again = await startServer(env);
    running.push(again);
    return again;
  });
  expect(one.child.signalCode).toBe('SIGKILL');
  if (two) expect(two.child.exitCode).toBeNull();
  expect(result.acknowledged.size).toBeGreaterThanOrEqual(400);
  expect(result.lost).toEqual([]);
  expect(result.counter).toBeGreaterThanOrEqual(result.increments.acknowledged);
  expect(result.counter).toBeLessThanOrEqual(result.increments.attempted);

  // The survivor answers the same, and deleting the project clears the keys (Redis is shared).
  const fromTwo = await fetch(`${(two ?? restarted).base}/infra/kv/crash%3Acounter`, { headers: { Authorization: `Bearer ${token}` } });
  expect(await fromTwo.json()).toMatchObject({ value: result.counter });
  const deleted = await fetch(`${restarted.base}/core/organizations/${orgId}/projects/${projectId}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${session}` },
  });
  expect(deleted.status).toBe(200);
}, 180_000);
