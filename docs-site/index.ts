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
import { buildDocs, DEFAULT_OUT, DEFAULT_SOURCE } from './build.ts';
import { sourceHash, STAMP_FILE } from './stamp.ts';

/** Absolute path of the built site (docs-site/dist). */
export const docsDir: string = DEFAULT_OUT;

let pending: Promise<void> | undefined;

/** True when dist/index.html exists and was built from the current generated/openapi.json. */
export async function docsAreCurrent(): Promise<boolean> {
  try {
    const [stamp, source] = await Promise.all([
      readFile(join(docsDir, STAMP_FILE), 'utf8'),
      readFile(DEFAULT_SOURCE, 'utf8'),
      readFile(join(docsDir, 'index.html')).then(() => undefined),
    ]);
    return stamp.trim() === sourceHash(source);
  } catch {
    return false;
  }
}

/** Builds the site unless it is current. Concurrent callers share one build. */
export function ensureDocs(): Promise<void> {
  pending ??= (async () => {
    if (!(await docsAreCurrent())) await buildDocs();
  })().finally(() => {
    pending = undefined;
  });
  return pending;
}
