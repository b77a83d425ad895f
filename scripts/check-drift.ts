/**
 * `npm run check:drift`: fails when generated/ differs from what spec/ generates now.
 *
 * @module scripts/check-drift
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dashboardIsCurrent } from '../dashboard/index.ts';
import { docsAreCurrent } from '../docs-site/index.ts';
import { renderGenerated } from './render.ts';

const outDir = fileURLToPath(new URL('../generated/', import.meta.url));
const drifted = Object.entries(await renderGenerated())
  .filter(([name, text]) => !existsSync(outDir + name) || readFileSync(outDir + name, 'utf8') !== text)
  .map(([name]) => name);
// The built sites are compared by what they were built from (their stamps), not rebuilt here.
if (!(await docsAreCurrent())) drifted.push('docs/');
if (!(await dashboardIsCurrent())) drifted.push('dashboard/');
if (drifted.length) {
  console.error(`generated/ is out of date: ${drifted.join(', ')}. Run \`npm run generate\` and commit.`);
  process.exit(1);
}
console.log('generated/ is up to date');
