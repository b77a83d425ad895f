/**
 * The README's quick start is run as written: its shell block, with bash and curl, against the
 * server's real entry point on a fresh data directory.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, waitForHttp } from './support/processes.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Quick start with curl'));
const script = section.slice(section.indexOf('```sh\n') + 6, section.indexOf('\n```', section.indexOf('```sh\n')));

let server: ChildProcess;
let base: string;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'saasignal-readme-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: join(dir, 'data.db'), REDIS_URL: '' },
    stdio: 'ignore',
  });
  await waitForHttp(`${base}/openapi.json`, 30_000, server);
}, 60_000);
afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('runs the README quick start: the value comes back and the event is published', async () => {
  expect(script).toContain('curl');
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { env: { ...process.env, BASE: base } });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines[0]).toEqual({ key: 'hello', value: 'world', expires_at: null });
  expect(lines[1]).toEqual({ key: 'hello', value: 'world', expires_at: null });
  expect(lines[2]).toMatchObject({ channel: 'my-channel', event: 'ping', delivered: 0, id: expect.stringMatching(/^evt_/) });
}, 60_000);
