/**
 * The site remembers what it was built from (a SHA-256 in `.source-sha256`): the document and the
 * docs site's own code (samples, search, llms pages), so that `ensureDocs()` rebuilds a site that
 * `npm run generate` or an edit here outdated, and `npm run check:drift` refuses a committed site
 * (generated/docs) that is not current.
 *
 * @module docs-site/stamp
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STAMP_FILE = '.source-sha256';

const here = dirname(fileURLToPath(import.meta.url));
/** The document the site is built from, and the folder it is served from (committed, see README). */
export const DEFAULT_SOURCE = join(here, '..', 'generated', 'openapi.json');
export const DEFAULT_OUT = join(here, '..', 'generated', 'docs');

/** The build's own sources: every .ts and .css file of docs-site/, in a stable order. */
function codeFiles(): string[] {
  return readdirSync(here)
    .filter((name) => /\.(ts|css)$/.test(name))
    .sort()
    .map((name) => join(here, name));
}

export function sourceHash(text: string): string {
  const hash = createHash('sha256').update(text);
  for (const file of codeFiles()) hash.update('\0').update(file.slice(here.length + 1)).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}
