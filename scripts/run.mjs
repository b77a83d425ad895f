/**
 * `node scripts/run.mjs <script.ts> [args…]`: runs one of our TypeScript scripts bundled
 * (scripts/bundle.mjs) by plain node, as `npm start` runs the server, instead of through tsx,
 * whose hooks cost `npm run generate` ~2.4 s of its ~5.8 s of CPU and `npm run docs:build` ~0.9 s
 * (BENCHMARKS.md). The script sees the command line tsx would give it: `process.argv[1]` is its
 * own path (so "run as a script" checks hold) and its arguments follow. Stack traces point into
 * the TypeScript sources (source maps).
 *
 * @module scripts/run
 */
import { relative, resolve } from 'node:path';
import { bundled, root } from './bundle.mjs';

const [script, ...args] = process.argv.slice(2);
if (!script || !script.endsWith('.ts')) {
  console.error('usage: node scripts/run.mjs <script.ts> [arguments]');
  process.exit(2);
}
const entry = resolve(script);
// One bundle per script, named after its path in the repository (scripts/generate.ts: scripts-generate).
const name = relative(root, entry).replace(/\.ts$/, '').replace(/[^\w.-]+/g, '-');
const url = await bundled(entry, name);
process.setSourceMapsEnabled(true);
process.argv = [process.argv[0], entry, ...args];
await import(url);
