/**
 * No acknowledged write is lost when the server is killed: the real server (`server/main.ts`)
 * on a SQLite file in a temporary directory, SIGKILLed while eight clients stream KV writes and
 * increments, then restarted on the same file. Every write that got its 200 must be there, and
 * the counter must hold at least every acknowledged increment (and no more than were sent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { crashDuringWrites, projectToken, type ServerProcess, startServer } from '../store/support/crash-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'kv-crash-'));
const running: ServerProcess[] = [];
afterAll(async () => {
  for (const server of running) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

// The embedded default as `npm start` runs it, on a file of our own; no Redis, limits out of the way.
const env = {
  ...process.env,
  DATABASE_URL: join(dir, 'saasignal.db'),
  REDIS_URL: '',
  SAASIGNAL_RATE_LIMIT: '1000000',
};

it('keeps every acknowledged write across a SIGKILL', async () => {
  const server = await startServer(env);
  running.push(server);
  const { token } = await projectToken(server.base);
  const { result, restarted } = await crashDuringWrites([server], token, async () => {
    const again = await startServer(env);
    running.push(again);
    return again;
  });
  expect(server.child.signalCode).toBe('SIGKILL');
  expect(result.acknowledged.size).toBeGreaterThanOrEqual(400);
  expect(result.lost).toEqual([]);
  expect(result.counter).toBeGreaterThanOrEqual(result.increments.acknowledged);
  expect(result.counter).toBeLessThanOrEqual(result.increments.attempted);
  expect(restarted.child.exitCode).toBeNull();
}, 120_000);
