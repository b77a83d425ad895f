/**
 * A SHA-256 over every file of spec/ (paths and contents, in a stable order): `npm run generate`
 * records it in generated/.spec-sha256, and `npm start` compares it in development, to say when
 * generated/ (the contract the server serves) was generated from another spec/ than the one on
 * disk. Contents, not modification times: a fresh clone has arbitrary mtimes.
 *
 * @module lib/spec-hash
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SPEC_DIR = join(root, 'spec');
export const SPEC_HASH_FILE = join(root, 'generated', '.spec-sha256');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

export function specHash(dir = SPEC_DIR): string {
  const hash = createHash('sha256');
  for (const file of files(dir)) hash.update(relative(dir, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/**
 * One line when generated/ was not generated from spec/ as it is now, else undefined (also when
 * either is missing: nothing to compare, e.g. an install without spec/).
 */
export function staleGeneratedWarning(dir = SPEC_DIR, recorded = SPEC_HASH_FILE): string | undefined {
  let stamp: string;
  let current: string;
  try {
    stamp = readFileSync(recorded, 'utf8').trim();
    current = specHash(dir);
  } catch {
    return undefined;
  }
  if (stamp === current) return undefined;
  return 'spec/ has changed since generated/ was generated: the server serves the contract in generated/, not your edit; run `npm run generate` (and restart)';
}
