/**
 * `npm run generate`: spec/ -> generated/ (openapi.json, openapi.yaml, types.ts, sdk.ts,
 * .spec-sha256), then the docs site (generated/docs) and the Dashboard (generated/dashboard) when
 * they are not current. Everything in generated/ comes from here and is committed, so that a
 * production install (`npm ci --omit=dev`, without the build tools) serves the docs and the
 * Dashboard as they are; `npm run check:drift` reruns it and compares.
 *
 * @module scripts/generate
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureDashboard } from '../dashboard/index.ts';
import { ensureDocs } from '../docs-site/index.ts';
import { renderGenerated } from './render.ts';

const outDir = fileURLToPath(new URL('../generated/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const started = performance.now();
const files = await renderGenerated();
for (const [name, text] of Object.entries(files)) writeFileSync(outDir + name, text);
console.log(`generated ${Object.keys(files).join(', ')} in ${Math.round(performance.now() - started)} ms`);
const built = performance.now();
// The docs site reads the document just written; the Dashboard reads it and the types.
await ensureDocs();
await ensureDashboard();
console.log(`generated/docs and generated/dashboard are current (${Math.round(performance.now() - built)} ms)`);
