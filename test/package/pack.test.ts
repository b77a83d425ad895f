/**
 * The `saasignal` package as a consumer gets it: packed, installed from the tarball into a new
 * project (no link to the repository), then, against a real server, run as plain Node ESM and
 * CommonJS (on Node 20 and on the Node 22 and 24 binaries from the registry), in Deno and Bun,
 * type-checked with `tsc --strict` over every seed example (moduleResolution node16 and
 * bundler), and bundled for browsers by esbuild and by Vite (no `node:` import) and run with
 * browser globals only. The CLI (its `bin`) from the same tarball: test/package/cli.test.ts.
 */
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkSample } from '../../docs-site/code-samples.ts';
import { operations } from '../../lib/openapi-document.ts';
import { type App, createApp } from '../../server/app.ts';
import { consumer, pack, root, run } from './support/consumer.ts';

let dir: string;
let packDir: string;
let runtimesDir: string | undefined;

/**
 * Deno's and Bun's own binaries, from their packages on the npm registry (as `npx -p node@24`
 * brings Node 24), installed once into a folder of their own.
 */
async function runtimeBinary(runtime: 'deno' | 'bun'): Promise<string> {
  const arm = process.arch === 'arm64';
  const pkgs = { deno: arm ? '@deno/linux-arm64-glibc@2.9.5' : '@deno/linux-x64-glibc@2.9.6', bun: arm ? '@oven/bun-linux-aarch64@1.4.4' : '@oven/bun-linux-x64@1.4.4' };
  if (!runtimesDir) {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    runtimesDir = await mkdtemp(join(tmpdir(), 'saasignal-runtimes-'));
    await writeFile(join(runtimesDir, 'package.json'), '{"private":true}');
    await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', pkgs.deno, pkgs.bun], { cwd: runtimesDir, timeout: 240_000 });
  }
  const name = pkgs[runtime].replace(/@[^@]+$/, '');
  return join(runtimesDir, 'node_modules', name, runtime === 'deno' ? 'deno' : 'bin/bun');
}
let app: App;
let server: Server;
let baseUrl: string;
let key: string;

beforeAll(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  packDir = await mkdtemp(join(tmpdir(), 'saasignal-pack-'));
  dir = await consumer(await pack(packDir));
  for (const f of ['seed-examples.ts', 'require-types.cts', 'control.ts', 'app.mjs', 'app.cjs', 'browser.ts']) {
    await copyFile(join(root, 'test/package/fixtures', f), join(dir, f));
  }
  app = await createApp({ dbUrl: ':memory:', validateResponses: true, log: () => undefined });
  server = await new Promise<Server>((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 240_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await app?.close();
  for (const d of [dir, packDir, runtimesDir]) if (d) await rm(d, { recursive: true, force: true });
});

const env = (extra: Record<string, string>) => ({ PATH: process.env.PATH, HOME: process.env.HOME, SAASIGNAL_BASE_URL: baseUrl, ...extra });

describe('the packed package', () => {
  it('holds compiled ESM, CommonJS and .d.ts, the CLI, README, LICENSE, CHANGELOG; only the CLI has dependencies', async () => {
    const pkg = JSON.parse(await readFile(join(dir, 'node_modules/saasignal/package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'saasignal', sideEffects: false, bin: { saasignal: './dist/cli.js' } });
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(['@clack/prompts', 'commander', 'open']);
    expect(pkg.exports['.']).toEqual({
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    });
    const { stdout } = await run('tar', ['-tzf', (await import('node:fs')).readdirSync(packDir).map((f) => join(packDir, f))[0]]);
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist/cli.js', 'dist/index.cjs', 'dist/index.d.cts', 'dist/index.d.ts', 'dist/index.js', 'package.json'].map((f) => `package/${f}`),
    );
    // The SDK's entry imports nothing: the CLI's libraries stay out of an SDK import.
    for (const f of ['index.js', 'index.cjs']) {
      expect(await readFile(join(dir, 'node_modules/saasignal/dist', f), 'utf8')).not.toMatch(/\b(import|require)\b[^;\n]*["'](commander|open|@clack\/prompts|node:[a-z]+)["']/);
    }
  });

  it('plain Node ESM (node app.mjs): quick start, pagination, raw answers, typed errors', async () => {
    const { stdout } = await run(process.execPath, ['app.mjs'], { cwd: dir, env: env({ APP_EMAIL: `esm-${Date.now()}@example.com` }) });
    const got = JSON.parse(stdout);
    expect(got.entry).toEqual({ key: 'hello', value: 'world', expires_at: expect.any(String) });
    expect(got.used).toBe('1');
    expect(got.keys).toEqual(['page:a', 'page:b', 'page:c']);
    expect(got.missing).toBe('NOT_FOUND');
    expect(got.orgs).toHaveLength(1);
    key = got.secret;
  }, 60_000);

  it('CommonJS (require)', async () => {
    const { stdout } = await run(process.execPath, ['app.cjs'], { cwd: dir, env: env({ APP_KEY: key }) });
    expect(JSON.parse(stdout)).toEqual({ entry: { key: 'hello', value: 'world', expires_at: expect.any(String) }, errorIsSaaSignalError: true, status: 401 });
  }, 30_000);

  it.each(['22', '24'])('Node %s runs the ESM and CommonJS apps', async (major) => {
    const npx = ['-y', '-p', `node@${major}`, 'node'];
    const esm = await run('npx', [...npx, 'app.mjs'], { cwd: dir, env: env({ APP_EMAIL: `node${major}-${Date.now()}@example.com` }), timeout: 240_000 });
    const got = JSON.parse(esm.stdout);
    expect(got.node).toMatch(new RegExp(`^v${major}\\.`));
    expect(got.keys).toEqual(['page:a', 'page:b', 'page:c']);
    const cjs = await run('npx', [...npx, 'app.cjs'], { cwd: dir, env: env({ APP_KEY: got.secret }), timeout: 120_000 });
    expect(JSON.parse(cjs.stdout).entry.value).toBe('world');
  }, 300_000);

  it.each(['deno', 'bun'] as const)('%s runs the ESM app', async (runtime) => {
    const bin = await runtimeBinary(runtime);
    const args = runtime === 'deno' ? ['run', '--allow-all', 'app.mjs'] : ['app.mjs'];
    const { stdout } = await run(bin, args, { cwd: dir, env: env({ APP_EMAIL: `${runtime}-${Date.now()}@example.com`, NO_COLOR: '1' }), timeout: 120_000 });
    const got = JSON.parse(stdout.trim().split('\n').pop() as string);
    expect(got).toMatchObject({ runtime, used: '1', keys: ['page:a', 'page:b', 'page:c'], missing: 'NOT_FOUND' });
  }, 300_000);

  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }, ['require-types.cts']],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, []],
  ] as const)('tsc --strict compiles every seed example and every published SDK sample (moduleResolution %s)', async (name, resolution, extra) => {
    const doc = JSON.parse(await readFile(join(root, 'generated/openapi.json'), 'utf8'));
    const samples: string[] = [];
    for (const op of operations(doc)) {
      const sample = sdkSample(doc, op);
      if (!sample) continue;
      await writeFile(join(dir, `sample-${op.operationId}.ts`), `${sample}\nexport {}\n`);
      samples.push(`sample-${op.operationId}.ts`);
    }
    expect(samples.length).toBeGreaterThan(20);
    const tsconfig = {
      compilerOptions: {
        ...resolution, target: 'es2022', lib: ['es2023', 'dom', 'dom.iterable'], strict: true, noEmit: true, skipLibCheck: false,
        // Only Node's own types come from the repository's node_modules (process.env in the seeds).
        types: ['node'], typeRoots: [join(root, 'node_modules/@types')],
      },
      files: ['seed-examples.ts', 'control.ts', ...samples, ...extra],
    };
    await writeFile(join(dir, `tsconfig.${name}.json`), JSON.stringify(tsconfig, null, 2));
    const tsc = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`], { cwd: dir }).catch((e) => e);
    const errors = String(tsc.stdout).split('\n').filter((l) => /error TS/.test(l));
    // The control's error only: every seed example and sample compiles.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^control\.ts.*mars/);
  }, 180_000);

  /** The browser fixture bundled as a browser app would be, as one script. */
  const bundlers: Record<string, () => Promise<string>> = {
    esbuild: async () => {
      const out = await build({
        entryPoints: [join(dir, 'browser.ts')], absWorkingDir: dir, bundle: true, platform: 'browser', format: 'iife', minify: true, write: false, metafile: true, logLevel: 'silent',
      });
      expect(Object.keys(out.metafile.inputs).filter((f) => !f.startsWith('node_modules/saasignal/dist/') && f !== 'browser.ts')).toEqual([]);
      return out.outputFiles[0].text;
    },
    vite: async () => {
      const { build: viteBuild } = await import('vite');
      const out = (await viteBuild({
        root: dir, configFile: false, logLevel: 'silent',
        build: { write: false, minify: true, modulePreload: false, rollupOptions: { input: join(dir, 'browser.ts'), output: { format: 'iife' } } },
      })) as { output: { type: string; code?: string; moduleIds?: string[] }[] } | { output: { type: string; code?: string }[] }[];
      const chunks = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output).filter((o) => o.type === 'chunk');
      expect(chunks).toHaveLength(1);
      return chunks[0].code as string;
    },
  };

  it.each(Object.keys(bundlers))('%s bundles it for browsers with no node: import, and the bundle calls the server', async (bundler) => {
    const code = await bundlers[bundler]();
    expect(code).not.toMatch(/["']node:/);
    const value = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the bundle did not answer')), 10_000);
      const browserGlobals = { fetch, Headers, Request, Response, AbortController, AbortSignal, TextDecoder, URL, crypto, setTimeout, clearTimeout, console, Promise };
      runInNewContext(code, { ...browserGlobals, SAASIGNAL: { baseUrl, key, done: (v: unknown) => (clearTimeout(timer), resolve(v)) } });
    });
    expect(value).toEqual({ key: 'hello', value: 'world', expires_at: expect.any(String) });
  }, 60_000);
});
