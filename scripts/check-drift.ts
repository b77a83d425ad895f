/**
 * `npm run check:drift`: fails when generated/ differs from what spec/ generates now.
 *
 * @module scripts/check-drift
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderGenerated } from './render.ts';

const outDir = fileURLToPath(new URL('../generated/', import.meta.url));
const drifted = Object.entries(await renderGenerated()).filter(
  ([name, text]) => !existsSync(outDir + name) || readFileSync(outDir + name, 'utf8') !== text,
);
if (drifted.length) {
  console.error(`generated/ is out of date: ${drifted.map(([n]) => n).join(', ')}. Run \`npm run generate\` and commit.`);
  process.exit(1);
}
console.log('generated/ is up to date');
