/**
 * The package build: ESM and CommonJS with bundled `.d.ts`, one file each, from src/index.ts
 * (which pulls in generated/sdk.ts and the runtime). No dependencies are left external: the
 * package has none.
 */
import { defineConfig } from 'tsdown';

export default defineConfig({
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
});
