/**
 * A production install, as an operator makes one: the repository's files copied to a new folder,
 * `npm ci --omit=dev` (from the local npm cache: `--prefer-offline`), then `npm start`. It serves
 * the API, the reference at /docs and the Dashboard at / from its first answer on (both are
 * committed in generated/: nothing is built, and the build tools are not installed), and in
 * development it says in one line when spec/ was edited without `npm run generate`.
 * Slow (an install, better-sqlite3 compiled on Node 20): its own vitest project, `production`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, waitForHttp } from '../support/processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'saasignal-production-'));
const app = join(dir, 'app');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** This environment without npm's own variables (a run under `npm test` sets some) and storage settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^npm_/i.test(name) && !['DATABASE_URL', 'REDIS_URL', 'NODE_ENV'].includes(name)) env[name] = value;
  // The Node that runs the tests runs npm and the server (CI runs this under Node 20, 22 and 24).
  return { ...env, PATH: [dirname(process.execPath), process.env.PATH].join(delimiter), ...extra };
}

beforeAll(() => {
  // The files of the checkout (committed or not, ignored ones left out), as a clone would have them.
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  execFileSync('sh', ['-c', `mkdir -p "${app}" && tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "${app}"`], { cwd: ROOT, input: files });
  execFileSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: cleanEnv({}), stdio: ['ignore', 'ignore', 'pipe'] });
}, 900_000);

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn('npm', ['start'], { cwd: app, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

it('installs without the development tools', () => {
  expect(existsSync(join(app, 'node_modules', 'express'))).toBe(true);
  for (const dev of ['@redocly/cli', '@stoplight/prism-cli', 'supertest', 'playwright-core']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
});

it('npm start serves the API, /docs and the Dashboard from its first answer, building nothing', async () => {
  const built = statSync(join(app, 'generated', 'docs', 'index.html')).mtimeMs;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { child, output } = start({ PORT: String(port), NODE_ENV: 'production', SAASIGNAL_BASE_URL: base });
  await waitForHttp(`${base}/healthz`, 120_000, child).catch((err) => {
    throw new Error(`${(err as Error).message}\n${output()}`);
  });

  // Right away: no "being built" answer, no 404 while a site builds.
  const docs = await fetch(`${base}/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toContain('SaaSignal API');
  const dashboard = await fetch(`${base}/`);
  expect(dashboard.status).toBe(200);
  const page = await dashboard.text();
  const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
  expect(script).toBeDefined();
  expect((await fetch(`${base}${script}`)).status).toBe(200);

  const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `production-${process.pid}@example.com`, password: 'a-long-secure-passphrase', name: 'Ops' }),
  });
  expect(signUp.status).toBe(200);
  expect((await signUp.json()).token).toEqual(expect.any(String));
  expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: 'ready' });

  await stop(child);
  expect(output()).not.toMatch(/build failed|is being built|spec\/ has changed/);
  expect(statSync(join(app, 'generated', 'docs', 'index.html')).mtimeMs).toBe(built);
}, 240_000);

it('in development, npm start says in one line that spec/ changed since generated/ was generated', async () => {
  appendFileSync(join(app, 'spec', 'kv.ts'), '\n// an edit not yet generated\n');
  const port = await freePort();
  const { child, output } = start({ PORT: String(port), DATABASE_URL: join(dir, 'development.db') });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 120_000, child);
  await stop(child);
  const warnings = output()
    .split('\n')
    .filter((line) => line.includes('spec/ has changed'));
  expect(warnings).toEqual([expect.stringMatching(/"level":"warn".*run `npm run generate`/)]);
}, 240_000);
