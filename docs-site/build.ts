/**
 * `npm run docs:build`: generated/openapi.json -> generated/docs/, the published reference
 * (`npm run generate` builds it too, and it is committed: a production install serves it as is).
 *
 * - `index.html`: Redoc, with curl and SDK samples (`x-codeSamples`) generated from the document,
 *   the ⌘K search dialog and its index inlined; offline and file:// safe.
 * - `openapi.json` (the source, byte for byte) and `openapi.yaml`.
 * - `llms.txt`, `llms-full.txt`, `llms/<operationId>.md`, `llms/guides/<guide>.md`.
 *
 * Reads nothing but the document. The site is written to a fresh folder and swapped in at the
 * end, so a server reading dist/ never sees half a site.
 *
 * @module docs-site/build
 */
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { stringify } from 'yaml';
import { withCodeSamples } from './code-samples.ts';
import { injectSearch } from './html.ts';
import { renderLlms } from './llms.ts';
import { buildRedocPage } from './redoc.ts';
import { buildSearchIndex } from './search-index.ts';
import { DEFAULT_OUT, DEFAULT_SOURCE, sourceHash, STAMP_FILE } from './stamp.ts';

export { DEFAULT_OUT, DEFAULT_SOURCE };
const here = dirname(fileURLToPath(import.meta.url));

export interface BuildOptions {
  /** The OpenAPI document (default: generated/openapi.json). */
  source?: string;
  /** The output folder (default: generated/docs). */
  outDir?: string;
}

export interface BuildResult {
  outDir: string;
  ms: number;
  /** Bytes per file written, by path relative to outDir. */
  files: Record<string, number>;
}

/**
 * Replaces outDir with the staged site in two renames, so readers see the old site or the new
 * one. The staging folder may be on another file system (tmpfs): then it is copied first.
 */
async function swapIn(staging: string, outDir: string): Promise<void> {
  const next = `${outDir}.next-${process.pid}`;
  const old = `${outDir}.old-${process.pid}`;
  await mkdir(dirname(outDir), { recursive: true });
  await rm(next, { recursive: true, force: true });
  try {
    await rename(staging, next);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await cp(staging, next, { recursive: true });
  }
  // Another build may swap its site in at the same moment: whoever comes second retries.
  for (let attempt = 0; ; attempt++) {
    await rm(old, { recursive: true, force: true });
    await rename(outDir, old).catch(() => undefined);
    try {
      await rename(next, outDir);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw err;
    }
  }
  await rm(old, { recursive: true, force: true });
}

/** The dialog's script: search-dialog.ts and search-rank.ts as one small IIFE. */
async function dialogScript(): Promise<string> {
  const result = await esbuild({
    entryPoints: [join(here, 'search-dialog.ts')],
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

export async function buildDocs(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const source = options.source ?? DEFAULT_SOURCE;
  const outDir = options.outDir ?? DEFAULT_OUT;
  const text = await readFile(source, 'utf8');
  const doc = JSON.parse(text);

  const work = await mkdtemp(join(tmpdir(), 'saasignal-docs-'));
  try {
    const input = join(work, 'openapi.json');
    const page = join(work, 'index.html');
    await writeFile(input, JSON.stringify(withCodeSamples(doc)));
    // Redoc runs in a child process; everything else is done meanwhile.
    const [, script, css] = await Promise.all([
      buildRedocPage(input, page, doc.info?.title),
      dialogScript(),
      readFile(join(here, 'search-dialog.css'), 'utf8'),
    ]);

    const files: Record<string, string> = {
      'index.html': injectSearch(await readFile(page, 'utf8'), { css, script, index: buildSearchIndex(doc) }),
      'openapi.json': text,
      'openapi.yaml': stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }),
      ...renderLlms(doc),
      [STAMP_FILE]: `${sourceHash(text)}\n`,
    };

    const staging = join(work, 'dist');
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(staging, name)), { recursive: true });
      await writeFile(join(staging, name), content);
    }
    await swapIn(staging, outDir);
    return {
      outDir,
      ms: Math.round(performance.now() - started),
      files: Object.fromEntries(Object.entries(files).map(([n, c]) => [n, Buffer.byteLength(c)])),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await buildDocs({ outDir: process.argv[2] });
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  const total = Object.values(result.files).reduce((a, b) => a + b, 0);
  console.log(
    `docs: ${Object.keys(result.files).length} files in ${result.outDir} in ${result.ms} ms ` +
      `(index.html ${kb(result.files['index.html'])}, all ${kb(total)})`,
  );
}
