/**
 * `npm run generate`: spec/ -> generated/ (openapi.json, openapi.yaml, types.ts, sdk.ts).
 * Everything in generated/ comes from here; `npm run check:drift` reruns it and compares.
 *
 * @module scripts/generate
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderGenerated } from './render.ts';

const outDir = fileURLToPath(new URL('../generated/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const started = performance.now();
const files = await renderGenerated();
for (const [name, text] of Object.entries(files)) writeFileSync(outDir + name, text);
console.log(`generated ${Object.keys(files).join(', ')} in ${Math.round(performance.now() - started)} ms`);
