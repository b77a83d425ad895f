/**
 * `.env.example` lists every setting the server and `npm start` read, so a new setting cannot be
 * added without telling operators about it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Names read as `process.env.NAME`, `process.env['NAME']` or through `envNumber('NAME', …)`-style helpers. */
function settingsRead(): Set<string> {
  const names = new Set<string>();
  for (const file of [...sources('server'), join(ROOT, 'scripts/start.mjs')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) names.add(m[1] ?? m[2]);
    for (const m of text.matchAll(/env\w*\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g)) names.add(m[1]);
  }
  return names;
}

it('.env.example names every environment variable the server reads', () => {
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
  const listed = new Set([...example.matchAll(/^#\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  const read = settingsRead();
  expect(read.size).toBeGreaterThan(5);
  expect([...read].filter((name) => !listed.has(name)).sort()).toEqual([]);
});
