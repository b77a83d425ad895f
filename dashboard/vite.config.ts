/**
 * Vite build of the Dashboard. `virtual:saasignal-document` hands the app the parts of
 * generated/openapi.json it needs at run time (scope list, regions, token modes, the KV key, TTL
 * and channel-name constraints), read from the document at build time: nothing is retyped, and the
 * 300 KB document itself never reaches the browser.
 *
 * @module dashboard/vite.config
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { documentPicks } from './document-picks.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const documentFile = fileURLToPath(new URL('../generated/openapi.json', import.meta.url));
const VIRTUAL = 'virtual:saasignal-document';

function documentModule(): Plugin {
  return {
    name: 'saasignal-document',
    resolveId: (id) => (id === VIRTUAL ? `\0${VIRTUAL}` : undefined),
    load(id) {
      if (id !== `\0${VIRTUAL}`) return undefined;
      this.addWatchFile(documentFile);
      const picks = documentPicks(JSON.parse(readFileSync(documentFile, 'utf8')));
      return Object.entries(picks)
        .map(([name, value]) => `export const ${name} = ${JSON.stringify(value)};`)
        .join('\n');
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [react(), documentModule()],
  build: {
    // Committed with the rest of generated/ (see dashboard/index.ts).
    outDir: '../generated/dashboard',
    emptyOutDir: true,
    // Assets are served with `immutable`: every file name carries its content hash.
    assetsInlineLimit: 0,
    target: 'es2022',
    reportCompressedSize: false,
    // One chunk on purpose (~90 KB gzipped): every page needs React and the query client anyway.
    // The budget that matters, first-load JS gzipped ≤ 200 KB, is measured by `npm run bench`.
    chunkSizeWarningLimit: 400,
  },
  // `npm run dashboard:dev` against `npm start` on port 3000.
  server: { proxy: Object.fromEntries(['/api', '/core', '/infra', '/docs'].map((p) => [p, 'http://127.0.0.1:3000'])) },
  logLevel: 'warn',
});
