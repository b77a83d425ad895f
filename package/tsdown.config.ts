/**
 * The package build. The SDK: ESM and CommonJS with bundled `.d.ts`, one file each, from
 * src/index.ts (which pulls in generated/sdk.ts and the runtime), with no dependency. The CLI
 * (the `bin`): one ESM file for Node, dist/cli.js, from src/cli/bin.ts, with its own copy of the
 * SDK and its libraries (commander, @clack/prompts, open) left as the package's dependencies,
 * so that nothing of the CLI reaches an SDK import.
 */
import { defineConfig } from 'tsdown';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    platform: 'neutral',
    target: 'es2022',
    dts: true,
    clean: true,
    sourcemap: false,
    tsconfig: 'tsconfig.json',
    // CommonJS consumers get `require('saasignal').createClient` (and `.default`), without a warning.
    outputOptions: { exports: 'named' },
  },
  {
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    dts: false,
    clean: false,
    sourcemap: false,
    tsconfig: 'tsconfig.cli.json',
    fixedExtension: false,
  },
]);
