/**
 * The Dashboard as the server sees it: `dashboardDir` (the built app, generated/dashboard, built by
 * `npm run generate` and committed, so a production install serves it as is) and
 * `ensureDashboard()`, called by `npm start`, which rebuilds it when it is missing or stale: when
 * any of its sources, the document, the types it compiles against or the version of a package it
 * bundles changed since the last build (a SHA-256 over them, kept in `.source-sha256`). The build
 * runs `vite build` in a child process, so the server keeps answering meanwhile.
 *
 * @module dashboard
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');

/** Absolute path of the built Dashboard. */
export const dashboardDir: string = join(root, 'generated', 'dashboard');

/** The packages that end up in the bundle or make it: their versions are part of the source hash. */
const BUILD_PACKAGES = ['vite', '@vitejs/plugin-react', 'react', 'react-dom', '@tanstack/react-query', 'openapi-fetch', 'openapi-react-query'];
const STAMP_FILE = '.source-sha256';

/** Everything the build reads from this repository, in a stable order. */
async function sources(): Promise<string[]> {
  const files = [join(here, 'index.html'), join(here, 'vite.config.ts'), join(here, 'document-picks.ts'), join(root, 'generated', 'openapi.json'), join(root, 'generated', 'types.ts'), join(root, 'spec', 'kv.ts')];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push(path);
    }
  };
  await walk(join(here, 'src'));
  return files.sort();
}

export async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await sources()) {
    // A missing file hashes as absent.
    hash.update(relative(root, file)).update('\0').update(await readFile(file).catch(() => '')).update('\0');
  }
  // The installed versions, not the whole lock file: an unrelated dependency leaves the build current.
  for (const name of BUILD_PACKAGES) {
    const version = await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8').then((text) => JSON.parse(text).version as string, () => 'absent');
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest('hex');
}

export async function dashboardIsCurrent(outDir = dashboardDir): Promise<boolean> {
  try {
    const [stamp, current] = await Promise.all([readFile(join(outDir, STAMP_FILE), 'utf8'), sourceHash(), readFile(join(outDir, 'index.html'))]);
    return stamp.trim() === current;
  } catch {
    return false;
  }
}

/** Runs `vite build` for the Dashboard into `outDir` and stamps it. */
export async function buildDashboard(outDir = dashboardDir): Promise<void> {
  const hash = await sourceHash();
  // Its CLI is not among the package's exports: found next to its package.json.
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join(here, 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
  await writeFile(join(outDir, STAMP_FILE), `${hash}\n`);
}

let pending: Promise<void> | undefined;

/** Builds the Dashboard unless it is current. Concurrent callers share one build. */
export function ensureDashboard(): Promise<void> {
  pending ??= (async () => {
    if (!(await dashboardIsCurrent())) await buildDashboard();
  })().finally(() => {
    pending = undefined;
  });
  return pending;
}

// `npm run dashboard:build`: the build alone, stamped like the one `npm start` and `npm run generate` make.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildDashboard();
