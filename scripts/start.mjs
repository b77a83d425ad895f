/**
 * `npm start`: bundles the server's own TypeScript (server/, docs-site/, generated/) into ES
 * modules with esbuild, then runs them in this process. Starting through tsx cost over a second
 * before the first answer (it transpiles and hooks every module, ours and node_modules' alike) and
 * ~45 MB of resident memory for its loader thread; the bundle leaves neither.
 * Dependencies stay in node_modules (`packages: 'external'`): native modules and lazily loaded
 * ones (better-auth, pg, ioredis) load exactly as before.
 *
 * The bundle is rebuilt whenever a source file it was built from has changed (size or mtime),
 * so it is never older than the sources; otherwise the last one is reused (~0.25 s saved). Each
 * module's `import.meta.url` is replaced by its source file's URL, so paths resolved from it
 * (generated/openapi.json, the docs site, "run as a script" checks) mean what they mean under tsx.
 * Plain JavaScript so that no loader is needed to run it. Tests and `tsx server/main.ts` run the
 * same sources directly.
 *
 * @module scripts/start
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { defaultsToApply, RUNTIME_V8_DEFAULTS } from './v8-defaults.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

// Node read NODE_OPTIONS when it started: a value `.env` adds below never reached V8.
const nodeOptions = process.env.NODE_OPTIONS;
// Settings from `.env` (see .env.example) when it exists; variables already set in the
// environment win, as with `node --env-file`.
if (existsSync(join(root, '.env'))) process.loadEnvFile(join(root, '.env'));
// In node_modules/.cache: ignored by git, next to the dependencies the bundle imports. One folder
// per checkout, for checkouts that share a node_modules through a symbolic link.
const outdir = join(root, 'node_modules', '.cache', 'saasignal', createHash('sha256').update(root).digest('hex').slice(0, 12));
const entry = join(outdir, 'server.mjs');
/** The source files of the last bundle with their size and mtime, and the files it wrote. */
const manifestFile = join(outdir, 'manifest.json');

const fingerprint = async (path) => {
  const s = await stat(path);
  return `${s.size}:${s.mtimeMs}`;
};

async function upToDate() {
  try {
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    for (const [file, print] of Object.entries(manifest.inputs)) if ((await fingerprint(file)) !== print) return false;
    for (const file of manifest.outputs) await stat(file);
    return true;
  } catch {
    return false;
  }
}

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

async function bundle() {
  const { build, stop } = await import('esbuild');
  const { outputFiles } = await build({
    absWorkingDir: root,
    entryPoints: { server: 'server/main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Modules the server imports lazily (better-auth, loaded after the first answer) stay in
    // their own chunks: in one file, their packages' imports would be hoisted and load at start.
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
  await stop();
  await mkdir(outdir, { recursive: true });
  // Written aside, then renamed: two starts at once never import a half-written file.
  for (const file of outputFiles) {
    await writeFile(`${file.path}.${process.pid}`, file.contents);
    await rename(`${file.path}.${process.pid}`, file.path);
  }
  await writeFile(`${manifestFile}.${process.pid}`, JSON.stringify({ inputs, outputs: outputFiles.map((f) => f.path) }));
  await rename(`${manifestFile}.${process.pid}`, manifestFile);
}

// npm runs this script through `sh -c`, and passes a SIGTERM it receives to that shell, which
// exits without passing it on: the server lived on, re-parented to PID 1 (a trap under systemd
// and in containers). So when npm started it, losing the parent means stopping as on SIGTERM.
// (Ctrl+C reaches every process of the terminal's group, this one included.)
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 200).unref();
}

// The V8 heap under load: what it holds between two full collections is mostly the garbage of
// requests already answered (live data stays ~45 MB), and V8 let it grow to up to 4× the live
// heap before collecting (peak RSS 257 MB after 30,000 KV gets at 50 connections). Growing by at
// most 50% instead: 172 MB, and the same CPU per request (issue 16, BENCHMARKS.md). Read by V8
// at each full collection, so it can be set here; a `--heap-growing-percent` given to node or in
// NODE_OPTIONS wins. The young generation's bound cannot be set from here (V8 sizes it when it
// starts): package.json gives `--max-semi-space-size=8` (BENCHMARKS.md, "Node 24: where the RSS
// goes").
for (const flag of defaultsToApply(RUNTIME_V8_DEFAULTS, process.execArgv, nodeOptions)) setFlagsFromString(flag);

if (!(await upToDate())) await bundle();
await import(pathToFileURL(entry).href);
