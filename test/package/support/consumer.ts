/**
 * A consumer project made from the packed package: `npm pack` (which builds it), then a new
 * temporary folder that installs the tarball, with no link to the repository.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Packs package/ into `dir` and returns the tarball's path. Packing rebuilds package/dist (its
 * `prepack`), so two test files packing at once would pack each other's half-built dist: one
 * at a time per checkout, under `flock`.
 */
export async function pack(dir: string): Promise<string> {
  const lock = join(tmpdir(), `saasignal-pack-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.lock`);
  await run('flock', [lock, 'npm', 'pack', '--pack-destination', dir, '--silent'], { cwd: join(root, 'package'), maxBuffer: 16 << 20, timeout: 300_000 });
  const tgz = (await readdir(dir)).find((f) => /^saasignal-\d+\.\d+\.\d+.*\.tgz$/.test(f));
  if (!tgz) throw new Error(`npm pack made no saasignal-<version>.tgz in ${dir}`);
  return join(dir, tgz);
}

/**
 * A new project in a temporary folder with the tarball installed. The CLI's dependencies (the
 * SDK has none) come from npm's cache, where the repository's own install put them.
 */
export async function consumer(tarball: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'saasignal-consumer-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, timeout: 180_000 });
  return dir;
}
