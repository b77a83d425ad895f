/**
 * Runs Redocly's `build-docs` on a document: one self-contained HTML page. `--inlineBundle`
 * embeds Redoc's JavaScript (without it the page loads Redoc from a CDN and shows only
 * "Loading…" offline); telemetry and update checks are off.
 *
 * @module docs-site/redoc
 * @see https://redocly.com/docs/cli/commands/build-docs
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Redoc options, passed as `--openapi.<name>=<value>`. */
export const REDOC_OPTIONS: Record<string, string | number | boolean> = {
  // The page is the whole reference: show the success responses open, schemas two levels deep.
  expandResponses: '200,201,202',
  jsonSamplesExpandLevel: 3,
  schemasExpansionLevel: 2,
  // Required fields first, as the seeds' tables list them.
  requiredPropsFirst: true,
  // openapi.json and openapi.yaml are published beside the page, unmodified.
  hideDownloadButtons: true,
  disableTelemetry: true,
};

function cliPath(): string {
  const pkg = createRequire(import.meta.url).resolve('@redocly/cli/package.json');
  return join(dirname(pkg), 'bin', 'cli.js');
}

export async function buildRedocPage(input: string, output: string, title?: string): Promise<void> {
  const args = [cliPath(), 'build-docs', input, '--inlineBundle', '-o', output];
  if (title) args.push('--title', title);
  for (const [name, value] of Object.entries(REDOC_OPTIONS)) args.push(`--openapi.${name}=${value}`);
  try {
    await run(process.execPath, args, {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`redocly build-docs failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
