/**
 * The toolchain section: how long `npm run generate` and the docs build take, how long the
 * server takes from start to its first answered request (`npm start`, fresh data folder), and
 * what users download: the SDK minified and gzipped, and the docs page.
 *
 * @module scripts/bench/toolchain-bench
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { PROBE_PATH, UNTHROTTLED_ENV } from './api-process.ts';
import { freePort, start, tempDir, waitForAnswer } from './children.ts';

export interface ToolchainRun {
  generateSeconds: number;
  docsBuildSeconds: number;
  /** `npm start` to the first answered request, each run on a fresh data folder (ms). */
  startMs: number[];
  sdk: { minBytes: number; gzipBytes: number };
  docsPage: { rawBytes: number; gzipBytes: number };
}

/** Runs a command to completion (bounded); returns its wall time in seconds. */
async function timed(command: string, args: string[], timeoutSeconds: number): Promise<number> {
  const started = performance.now();
  const child = start(command, args);
  const timer = setTimeout(() => void child.stop(), timeoutSeconds * 1000);
  const code = await new Promise<number | null>((resolve) => child.process.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${child.output()}`);
  return (performance.now() - started) / 1000;
}

/** `npm start` as a user runs it, until the first request is answered; then stopped. */
async function startToFirstAnswer(): Promise<number> {
  const port = await freePort();
  const data = tempDir('start');
  const started = performance.now();
  const child = start('npm', ['start', '--silent'], {
    env: { ...UNTHROTTLED_ENV, PORT: String(port), DATABASE_URL: join(data, 'saasignal.db'), REDIS_URL: '' },
  });
  try {
    await waitForAnswer(`http://127.0.0.1:${port}${PROBE_PATH}`, child, 30_000, 2);
    return performance.now() - started;
  } finally {
    await child.stop();
  }
}

/**
 * What a browser app downloads for the SDK: a bundle that imports `createClient` from the package
 * (its source, package/src/index.ts, as its build bundles it) and makes one call.
 */
async function sdkSize(): Promise<ToolchainRun['sdk']> {
  const result = await build({
    stdin: {
      contents: "import { createClient } from 'saasignal'\ncreateClient('bt_token').infra.kv.get('hello').then((e) => console.log(e.value))\n",
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    alias: { saasignal: './package/src/index.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minBytes: code.byteLength, gzipBytes: gzipSync(code).byteLength };
}

function docsPage(): ToolchainRun['docsPage'] {
  const html = readFileSync('generated/docs/index.html');
  return { rawBytes: html.byteLength, gzipBytes: gzipSync(html).byteLength };
}

export async function runToolchain(starts: number, log: (line: string) => void): Promise<ToolchainRun> {
  const generateSeconds = await timed('npm', ['run', '--silent', 'generate'], 120);
  log(`  npm run generate: ${generateSeconds.toFixed(1)} s`);
  const docsBuildSeconds = await timed('npm', ['run', '--silent', 'docs:build'], 180);
  log(`  npm run docs:build: ${docsBuildSeconds.toFixed(1)} s`);
  const startMs: number[] = [];
  for (let i = 0; i < starts; i++) startMs.push(await startToFirstAnswer());
  log(`  npm start to first answer: ${startMs.map((ms) => Math.round(ms)).join(', ')} ms`);
  const sdk = await sdkSize();
  log(`  SDK browser bundle (createClient + one call): ${(sdk.minBytes / 1024).toFixed(1)} KB minified, ${(sdk.gzipBytes / 1024).toFixed(1)} KB + gzip`);
  return { generateSeconds, docsBuildSeconds, startMs, sdk, docsPage: docsPage() };
}
