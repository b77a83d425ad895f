/**
 * Test projects: `unit` (spec, SDK, server in-process, type tests), the store conformance
 * suite once per backend, `multi` (several instances), `production` (a production install) and
 * the browser suite. `npm test` runs them all.
 */
import { defineConfig } from 'vitest/config';

const pgEnv = {
  STORE: 'postgres',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

export default defineConfig({
  // In the repository, `saasignal` is the SDK's source; the packed package is tested by test/package/.
  resolve: { alias: { saasignal: new URL('./generated/sdk.ts', import.meta.url).pathname } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/store/**', 'test/browser/**', 'test/multi/**', 'test/production/**', '**/node_modules/**'],
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      { extends: true, test: { name: 'store:sqlite', include: ['test/store/**/*.test.ts'], env: { STORE: 'sqlite' } } },
      { extends: true, test: { name: 'store:postgres+redis', include: ['test/store/**/*.test.ts'], env: pgEnv } },
      { extends: true, test: { name: 'multi', include: ['test/multi/**/*.test.ts'], env: pgEnv, testTimeout: 120_000, fileParallelism: false } },
      // A production install in a temporary copy (npm ci --omit=dev, then npm start): minutes.
      { extends: true, test: { name: 'production', include: ['test/production/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 900_000 } },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000 } },
    ],
  },
});
