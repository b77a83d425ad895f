/**
 * Runs Redocly's `build-docs` on a document: one self-contained HTML page. `--inlineBundle`
 * embeds Redoc's JavaScript (without it the page loads Redoc from a CDN and shows only
 * "Loading…" offline); Redoc's options go in a generated redocly.yaml (nested options such as
 * the code-sample languages cannot be passed as flags); telemetry and update checks are off.
 *
 * @module docs-site/redoc
 * @see https://redocly.com/docs/cli/commands/build-docs
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

const run = promisify(execFile);

/** Redoc's options, written to the `openapi:` section of a redocly.yaml for the build. */
export const REDOC_OPTIONS = {
  // The request-sample menu: our generated curl and SDK samples (x-codeSamples, matched by
  // label), then the JSON body. Without this list Redoc drops samples whose label it does not know.
  codeSamples: { languages: [{ lang: 'curl' }, { lang: 'SDK' }, { lang: 'Payload' }] },
  // The page is the whole reference: success responses open, examples expanded.
  expandResponses: '200,201,202',
  jsonSamplesExpandLevel: 3,
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
  const config = join(dirname(input), 'redocly.yaml');
  await writeFile(config, stringify({ openapi: REDOC_OPTIONS }));
  const args = [cliPath(), 'build-docs', input, '--inlineBundle', '--config', config, '--lint-config', 'off', '-o', output];
  if (title) args.push('--title', title);
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
