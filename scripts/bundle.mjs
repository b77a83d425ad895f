/**
 * Our TypeScript, bundled by esbuild into ES modules that plain node runs: what `npm start`
 * (scripts/start.mjs) and the toolchain scripts (scripts/run.mjs: `npm run generate`,
 * `npm run docs:build`) run instead of going through tsx. tsx transpiles and hooks every module it
 * loads, node_modules' included, from a loader thread: for `npm run generate`, whose dependencies
 * include TypeScript's 9 MB compiler, that was ~2.4 s of its ~5.8 s of CPU (BENCHMARKS.md).
 * Dependencies stay in node_modules (`packages: 'external'`): native modules and lazily loaded
 * ones load exactly as before.
 *
 * A bundle is rebuilt whenever a source file it was built from has changed (size or mtime), so it
 * is never older than the sources; otherwise the last one is reused. Each module's
 * `import.meta.url` is replaced by its source file's URL, so paths resolved from it
 * (generated/openapi.json, the docs site, `createRequire`) mean what they mean under tsx.
 * Plain JavaScript so that no loader is needed to run it. Tests run the same sources through
 * vitest, and tsx still runs every other script.
 *
 * @module scripts/bundle
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * In node_modules/.cache: ignored by git, next to the dependencies the bundles import. One folder
 * per checkout, for checkouts that share a node_modules through a symbolic link.
 */
export const cacheDir = join(root, 'node_modules', '.cache', 'saasignal', createHash('sha256').update(root).digest('hex').slice(0, 12));

const fingerprint = async (path) => {
  const s = await stat(path);
  return `${s.size}:${s.mtimeMs}`;
};

/** Whether the bundle its manifest describes was built from the sources as they are now. */
async function upToDate(manifestFile) {
  try {
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    for (const [file, print] of Object.entries(manifest.inputs)) if ((await fingerprint(file)) !== print) return false;
    for (const file of manifest.outputs) await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function build(entry, name, outdir, manifestFile) {
  /** Each source file read, with its fingerprint taken before reading it (a later edit shows). */
  const inputs = {};
  /** Gives each bundled module its own source file's `import.meta.url`, and notes its fingerprint. */
  const sourceImportMetaUrl = {
    name: 'source-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        inputs[args.path] = await fingerprint(args.path);
        const source = await readFile(args.path, 'utf8');
        return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
      });
    },
  };
  const esbuild = await import('esbuild');
  const { outputFiles } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { [name]: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Modules imported lazily (better-auth after the server's first answer, the docs build when
    // the site is stale) stay in their own chunks: in one file, their packages' imports would be
    // hoisted and load at start.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [sourceImportMetaUrl],
    write: false,
  });
  // The esbuild service process is not needed once the bundle is built.
  await esbuild.stop();
  await mkdir(outdir, { recursive: true });
  // Written aside, then renamed: two runs at once never import a half-written file.
  for (const file of outputFiles) {
    await writeFile(`${file.path}.${process.pid}`, file.contents);
    await rename(`${file.path}.${process.pid}`, file.path);
  }
  await writeFile(`${manifestFile}.${process.pid}`, JSON.stringify({ inputs, outputs: outputFiles.map((f) => f.path) }));
  await rename(`${manifestFile}.${process.pid}`, manifestFile);
}

/**
 * The URL of `entry` (a path relative to the repository) bundled as `<outdir>/<name>.mjs`,
 * built first unless the last build is current. `outdir` defaults to a folder of the cache per name.
 */
export async function bundled(entry, name, outdir = join(cacheDir, name)) {
  const manifestFile = join(outdir, `${name}.manifest.json`);
  if (!(await upToDate(manifestFile))) await build(entry, name, outdir, manifestFile);
  return pathToFileURL(join(outdir, `${name}.mjs`)).href;
}
