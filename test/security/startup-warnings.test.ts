/**
 * A production server reached over plain http starts with a clear warning (issue 13, item 21):
 * its session cookie goes out without `Secure`. Checked on the real process's output, and on the
 * rule itself for each combination of settings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startupWarnings } from '../../server/startup-warnings.ts';
import { startServer } from '../support/processes.ts';

describe('startupWarnings', () => {
  it.each([
    [{ NODE_ENV: 'production' }, 1],
    [{ NODE_ENV: 'production', SAASIGNAL_BASE_URL: 'http://api.example.com' }, 1],
    [{ NODE_ENV: 'production', SAASIGNAL_BASE_URL: 'https://api.example.com' }, 0],
    [{ NODE_ENV: 'development', SAASIGNAL_BASE_URL: 'http://localhost:3000' }, 0],
    [{}, 0],
  ])('%j: %i warning(s)', (env, count) => {
    const warnings = startupWarnings(env);
    expect(warnings).toHaveLength(count);
    for (const w of warnings) expect(w).toMatch(/session cookie is sent without the Secure attribute/);
  });
});

describe('the server process', () => {
  it('prints the warning at start in production over http, and not over https', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warn-'));
    try {
      const output: Record<string, string> = {};
      for (const base of ['http://api.example.com', 'https://api.example.com']) {
        const server = await startServer({ databaseUrl: join(dir, 'db.sqlite'), env: { NODE_ENV: 'production', SAASIGNAL_BASE_URL: base } });
        await server.stop();
        output[base] = server.output();
      }
      const warning = (text: string) => text.split('\n').filter((l) => l.includes('"level":"warn"') && l.includes('without the Secure attribute'));
      expect(warning(output['http://api.example.com'])).toHaveLength(1);
      expect(warning(output['https://api.example.com'])).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
