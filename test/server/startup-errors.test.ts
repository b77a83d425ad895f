/**
 * The server started with each setting a user can get wrong: it says what failed in one line
 * (the setting and its value, a password masked, and the fix), with no stack trace, and exits
 * with status 1. Redis unreachable is the exception by design: one warning line, and the server
 * serves (503 where Redis is needed) until Redis is back.
 * `npm run migrate` and `npm run topup` say the same one line for the same broken database settings.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type ServerProcess, startServer, waitForHttp } from '../support/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'saasignal-startup-'));
const PG = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  /** Non-empty output lines (stdout and stderr). */
  lines: string[];
}

/** `server/main.ts` (or another entry point, with `args`) with `env` (nothing else of this environment's storage settings); waits for its exit. */
async function run(env: Record<string, string>, ms = 60_000, entry = ['server/main.ts']): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry], {
    env: { ...process.env, DATABASE_URL: join(dir, 'default.db'), REDIS_URL: '', PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, lines: out.split('\n').filter((l) => l.trim()) };
}

function pgUrl(database: string, { port, password }: { port?: number; password?: string } = {}): string {
  const url = new URL(PG);
  url.pathname = `/${database}`;
  if (port) url.port = String(port);
  if (password) url.password = password;
  return url.href;
}

async function occupied(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as { port: number }).port, server };
}

describe('a setting the server cannot start with: one line, exit status 1', () => {
  const missing = `saasignal_missing_${randomBytes(4).toString('hex')}`;
  it.each<[string, () => Promise<Record<string, string>>, RegExp]>([
    [
      'DATABASE_URL of another database kind',
      async () => ({ DATABASE_URL: 'mysql://root:hunter2@127.0.0.1/app' }),
      /^saasignal: cannot start: DATABASE_URL=mysql:\/\/root:\*\*\*@127\.0\.0\.1\/app is not a database this server can use \(mysql:\); accepted: postgres:\/\/.*plain file path$/,
    ],
    [
      'a PostgreSQL database that does not exist',
      async () => ({ DATABASE_URL: pgUrl(missing, { password: 'hunter2' }) }),
      new RegExp(`^saasignal: cannot start: database \`${missing}\` does not exist on .*\\(DATABASE_URL=postgres://[^:]+:\\*\\*\\*@.*\\): create it with \`createdb ${missing}\`$`),
    ],
    [
      'PostgreSQL unreachable',
      async () => ({ DATABASE_URL: pgUrl('test', { port: await freePort() }) }),
      /^saasignal: cannot start: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(DATABASE_URL=postgres:.*\): connection refused \(ECONNREFUSED\); is it running, and are the host and port right\?$/,
    ],
    [
      'a SQLite path that cannot be written',
      async () => {
        writeFileSync(join(dir, 'a-file'), '');
        return { DATABASE_URL: join(dir, 'a-file', 'data', 'saasignal.db') };
      },
      /^saasignal: cannot start: cannot write the SQLite database `.*a-file\/data\/saasignal\.db` \(DATABASE_URL=.*\): a part of the path is a file, not a folder \(E[A-Z]+\); set DATABASE_URL to a writable file path, or make its folder writable$/,
    ],
    [
      'a port already in use',
      async () => ({ PORT: String((await occupied()).port) }),
      /^saasignal: cannot start: port (\d+) is already in use \(PORT=\1\): stop what listens there, or choose another port, e\.g\. PORT=\d+$/,
    ],
    ['a PORT that is not a number', async () => ({ PORT: 'http' }), /^saasignal: cannot start: PORT=http is not a port number: use 1-65535/],
    ['an unknown SQLITE_DRIVER', async () => ({ SQLITE_DRIVER: 'sqlite3' }), /^saasignal: cannot start: .*SQLITE_DRIVER=sqlite3 is not a driver: use node:sqlite or better-sqlite3/],
  ])('%s', async (_name, env, line) => {
    const { code, lines } = await run(await env());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(lines[0]).not.toContain('hunter2');
    expect(code).toBe(1);
  }, 90_000);

  it('a DATABASE_URL of another kind creates no file', async () => {
    await run({ DATABASE_URL: 'mysql://root@127.0.0.1/app' });
    expect(existsSync('mysql:')).toBe(false);
  }, 90_000);

  it('a second server on the same SQLite database is refused; the first serves on', async () => {
    const databaseUrl = join(dir, 'shared', 'saasignal.db');
    const first: ServerProcess = await startServer({ databaseUrl });
    cleanups.push(() => first.stop());
    const second = await run({ DATABASE_URL: databaseUrl });
    expect(second.lines).toEqual([
      expect.stringMatching(/^saasignal: cannot start: another server is already using the SQLite database `.*shared\/saasignal\.db` \(it holds `.*saasignal\.db\.lock`\): stop it first, or give this one its own DATABASE_URL/),
    ]);
    expect(second.code).toBe(1);
    expect((await fetch(`${first.url}/openapi.json`)).status).toBe(200);
    // The lock goes with the process, however it ends: after SIGKILL a new server starts.
    await first.kill();
    const next = await startServer({ databaseUrl });
    await next.stop();
  }, 120_000);
});

it('sqlite: and file: URLs name a SQLite file', async () => {
  for (const url of [`sqlite:${join(dir, 'via-sqlite.db')}`, `file://${join(dir, 'via-file.db')}`]) {
    const server = await startServer({ databaseUrl: url });
    await server.stop();
  }
  expect(existsSync(join(dir, 'via-sqlite.db'))).toBe(true);
  expect(existsSync(join(dir, 'via-file.db'))).toBe(true);
}, 120_000);

it('Redis unreachable at start: one warning line, and the server serves', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, DATABASE_URL: join(dir, 'redis-down.db'), REDIS_URL: `redis://:hunter2@127.0.0.1:${await freePort()}`, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  await waitForHttp(`http://127.0.0.1:${port}/openapi.json`, 60_000, child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  const lines = out.split('\n').filter((l) => l.trim());
  const redisLines = lines.filter((l) => /redis/i.test(l));
  expect(redisLines).toEqual([expect.stringMatching(/"level":"warn".*Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(REDIS_URL\) is unreachable/)]);
  // No stack trace anywhere in the output.
  expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
}, 90_000);

describe('npm run migrate and npm run topup with the same broken settings: one line, exit status 1', () => {
  const missing = `saasignal_missing_${randomBytes(4).toString('hex')}`;
  // What `npm run migrate` and `npm run topup -- <org> <tokens>` run.
  const commands: [string, string[]][] = [
    ['migrate', ['server/migrate.ts']],
    ['top up', ['server/cli/topup.ts', 'org_01JNXS9A1B2C3D4E5F6G7H8J9K', '1']],
  ];
  const cases: [string, () => Promise<Record<string, string>>, (action: string) => RegExp][] = [
    [
      'DATABASE_URL of another database kind',
      async () => ({ DATABASE_URL: 'mysql://root:hunter2@127.0.0.1/app' }),
      (action) => new RegExp(`^saasignal: cannot ${action}: DATABASE_URL=mysql://root:\\*\\*\\*@127\\.0\\.0\\.1/app is not a database this server can use \\(mysql:\\); accepted: postgres://.*plain file path$`),
    ],
    [
      'a PostgreSQL database that does not exist',
      async () => ({ DATABASE_URL: pgUrl(missing, { password: 'hunter2' }) }),
      (action) => new RegExp(`^saasignal: cannot ${action}: database \`${missing}\` does not exist on .*\\(DATABASE_URL=postgres://[^:]+:\\*\\*\\*@.*\\): create it with \`createdb ${missing}\`$`),
    ],
    [
      'PostgreSQL unreachable',
      async () => ({ DATABASE_URL: pgUrl('test', { port: await freePort() }) }),
      (action) => new RegExp(`^saasignal: cannot ${action}: cannot reach PostgreSQL at 127\\.0\\.0\\.1:\\d+ \\(DATABASE_URL=postgres:.*\\): connection refused \\(ECONNREFUSED\\); is it running, and are the host and port right\\?$`),
    ],
  ];
  for (const [action, entry] of commands) {
    it.each(cases)(`${action}: %s`, async (_name, env, line) => {
      const { code, lines } = await run(await env(), 60_000, entry);
      expect(lines).toEqual([expect.stringMatching(line(action))]);
      expect(lines[0]).not.toContain('hunter2');
      expect(code).toBe(1);
    }, 90_000);
  }
});
