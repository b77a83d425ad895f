/**
 * No acknowledged write is lost when the server is killed: the real server (`server/main.ts`)
 * on a SQLite file in a temporary directory, SIGKILLed while eight clients stream KV writes and
 * increments, then restarted on the same file. Every write that got its 200 must be there, and
 * the counter must hold at least every acknowledged increment (and no more than were sent).
 *
 * Metering charges requests in memory and writes them every second (server/billing/ledger.ts):
 * a SIGKILL between charges and their write loses at most the last interval's charges, in the
 * organization's favour (its balance was never lowered for them, their usage records are missing),
 * never a charge the balance did not cover, and never one twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { FLUSH_MS } from '../../server/billing/ledger.ts';
import { crashDuringWrites, projectToken, type ServerProcess, startServer } from '../store/support/crash-run.ts';
import { call } from './support/http.ts';

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

it('loses at most the last interval of charges to a SIGKILL, in the organization\'s favour', async () => {
  const meterEnv = { ...env, DATABASE_URL: join(dir, 'metering.db') };
  const server = await startServer(meterEnv);
  running.push(server);
  const { token, orgId, session } = await projectToken(server.base);
  const balance = async (base: string) => {
    const res = await call(base, 'GET', `/core/tokens/balance?org_id=${orgId}`, { token: session });
    expect(res.status).toBe(200);
    return Math.round(res.body.total * 1_000_000);
  };
  const usage = async (base: string) => (await call(base, 'GET', `/core/organizations/${orgId}/usage`, { token: session })).body.microtokens as number;
  const gets = async (n: number) => {
    let used = 0;
    for (let i = 0; i < n; i++) {
      const res = await call(server.base, 'GET', '/infra/kv/missing', { token });
      expect(res.status).toBe(404);
      used += Number(res.headers.get('x-microtokens-used'));
    }
    return used;
  };
  const before = await balance(server.base);
  const usedBefore = await usage(server.base);
  const written = await gets(40);
  // Past two flushes: these charges are in the database.
  await new Promise((r) => setTimeout(r, 2.5 * FLUSH_MS));
  const pending = await gets(40);
  await server.kill();
  expect(server.child.signalCode).toBe('SIGKILL');

  const again = await startServer(meterEnv);
  running.push(again);
  const drop = before - (await balance(again.base));
  expect(written).toBeGreaterThan(0);
  expect(drop).toBeGreaterThanOrEqual(written);
  expect(drop).toBeLessThanOrEqual(written + pending);
  // The usage records were written with the balance, in the same transactions.
  expect((await usage(again.base)) - usedBefore).toBe(drop);
}, 120_000);
