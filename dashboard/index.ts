/**
 * The Dashboard as the server sees it: `dashboardDir` (the built app, dashboard/dist) and
 * `ensureDashboard()`, called by `npm start`, which builds it when it is missing or stale: when
 * any of its sources, the document or the types it compiles against changed since the last build
 * (a SHA-256 over them, kept in `dist/.source-sha256`). The build runs `vite build` in a child
 * process, so the server keeps answering meanwhile.
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
export const dashboardDir: string = join(here, 'dist');
const STAMP_FILE = '.source-sha256';

/** Everything the build reads from this repository, in a stable order. */
async function sources(): Promise<string[]> {
  const files = [join(here, 'index.html'), join(here, 'vite.config.ts'), join(here, 'document-picks.ts'), join(root, 'generated', 'openapi.json'), join(root, 'generated', 'types.ts'), join(root, 'spec', 'kv.ts'), join(root, 'package-lock.json')];
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
    // Missing files (a production install without package-lock.json) hash as absent.
    hash.update(relative(root, file)).update('\0').update(await readFile(file).catch(() => '')).update('\0');
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
