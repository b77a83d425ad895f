/**
 * `npm run mock` (scripts/mock.mjs) serves on the port the user picks, `npm run mock -- -p N`,
 * and SIGTERM stops it.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { freePort, waitForHttp } from '../support/processes.ts';

it('npm run mock -- -p <port> serves the mock on that port; SIGTERM stops it', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['scripts/mock.mjs', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/openapi-readiness-probe`, 30_000, child);
    expect(out).toContain(`listening on http://127.0.0.1:${port}`);
    // A documented operation answers with its documented example (401 without a key).
    const res = await fetch(`http://127.0.0.1:${port}/infra/kv/hello`);
    expect(res.status).toBe(401);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).not.toBe(null);
}, 60_000);
