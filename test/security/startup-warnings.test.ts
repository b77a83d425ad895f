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
  const smtp = 'smtp://mail.example.com:587';
  it.each([
    [{ NODE_ENV: 'production', SMTP_URL: smtp }, 1],
    [{ NODE_ENV: 'production', SMTP_URL: smtp, SAASIGNAL_BASE_URL: 'http://api.example.com' }, 1],
    [{ NODE_ENV: 'production', SMTP_URL: smtp, SAASIGNAL_BASE_URL: 'https://api.example.com' }, 0],
    [{ NODE_ENV: 'development', SAASIGNAL_BASE_URL: 'http://localhost:3000' }, 0],
    [{}, 0],
  ])('%j: %i Secure-cookie warning(s)', (env, count) => {
    const warnings = startupWarnings(env);
    expect(warnings).toHaveLength(count);
    for (const w of warnings) expect(w).toMatch(/session cookie is sent without the Secure attribute/);
  });

  // Issue 13, item 6: without SMTP, production drops invitation and verification emails.
  it.each([
    [{ NODE_ENV: 'production', SAASIGNAL_BASE_URL: 'https://api.example.com' }, /emails are dropped.*copied in the Dashboard/],
    [
      { NODE_ENV: 'production', SAASIGNAL_BASE_URL: 'https://api.example.com', SAASIGNAL_REQUIRE_EMAIL_VERIFICATION: 'true' },
      /emails are dropped.*no new account can verify its email/,
    ],
    [{ NODE_ENV: 'production', SAASIGNAL_BASE_URL: 'https://api.example.com', SMTP_URL: ' ' }, /emails are dropped/],
  ])('%j: one SMTP warning', (env, text) => {
    const warnings = startupWarnings(env);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(text);
    expect(warnings[0]).toMatch(/SMTP_URL=smtps:/);
  });

  it('no SMTP warning outside production or with SMTP_URL set', () => {
    expect(startupWarnings({ SAASIGNAL_BASE_URL: 'http://localhost:3000' })).toEqual([]);
    expect(startupWarnings({ NODE_ENV: 'production', SAASIGNAL_BASE_URL: 'https://a.example.com', SMTP_URL: smtp })).toEqual([]);
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
      for (const text of Object.values(output)) expect(text).toMatch(/"level":"warn".*SMTP_URL is not set/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
