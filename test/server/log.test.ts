/**
 * The server's logger (server/log.ts) writes to stdout asynchronously (one write for the lines of
 * a busy moment, not one per request): what it buffered must still be written when the process
 * exits right after logging, through a pipe, as `npm start` and the supervisors that read it see.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';

function run(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/server/support/log-burst.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, lines: out.split('\n').filter(Boolean) })));
}

it.each([
  ['a normal exit', '0'],
  ['a failed start (exit 1)', '1'],
])('keeps every line logged before %s', async (_name, exitCode) => {
  const { code, lines } = await run({ COUNT: '20000', EXIT_CODE: exitCode });
  expect(code).toBe(Number(exitCode));
  expect(lines).toHaveLength(20_001);
  expect(JSON.parse(lines[0])).toMatchObject({ level: 'info', request_id: 'req_0', status: 200, message: 'request' });
  expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 'error', code: 'LAST', message: 'last line before exit' });
}, 60_000);
