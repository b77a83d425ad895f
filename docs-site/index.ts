/**
 * The docs site as the server sees it: `docsDir`, the folder to serve at `/docs`, and
 * `ensureDocs()`, called at start, which builds the site when it is missing or was built from
 * another version of generated/openapi.json.
 *
 * @module docs-site
 * @example
 *   await ensureDocs();
 *   app.use('/docs', express.static(docsDir));
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildOptions } from './build.ts';
import { DEFAULT_OUT, DEFAULT_SOURCE, sourceHash, STAMP_FILE } from './stamp.ts';

/** Absolute path of the built site (generated/docs, committed). */
export const docsDir: string = DEFAULT_OUT;

const pending = new Map<string, Promise<void>>();

/** True when index.html exists and the site was built from the current document. */
export async function docsAreCurrent(options: BuildOptions = {}): Promise<boolean> {
  const outDir = options.outDir ?? docsDir;
  try {
    const [stamp, source] = await Promise.all([
      readFile(join(outDir, STAMP_FILE), 'utf8'),
      readFile(options.source ?? DEFAULT_SOURCE, 'utf8'),
      readFile(join(outDir, 'index.html')).then(() => undefined),
    ]);
    return stamp.trim() === sourceHash(source);
  } catch {
    return false;
  }
}

/** Builds the site unless it is current (options are for tests). Concurrent callers share one build. */
export function ensureDocs(options: BuildOptions = {}): Promise<void> {
  const key = options.outDir ?? docsDir;
  let build = pending.get(key);
  if (!build) {
    build = (async () => {
      // Loaded only to build: its tools (Redocly, esbuild, yaml) are development dependencies,
      // absent from a production install, which serves the committed site.
      if (!(await docsAreCurrent(options))) await (await import('./build.ts')).buildDocs(options);
    })().finally(() => pending.delete(key));
    pending.set(key, build);
  }
  return build;
}
