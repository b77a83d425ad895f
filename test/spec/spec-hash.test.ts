/**
 * The stale-generated warning of `npm start` (lib/spec-hash.ts): by content, not modification
 * time, and silent when generated/ matches spec/ (as `npm run check:drift` keeps it).
 */
import { cpSync, mkdtempSync, rmSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SPEC_DIR, specHash, staleGeneratedWarning } from '../../lib/spec-hash.ts';

const dir = mkdtempSync(join(tmpdir(), 'spec-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('is silent for the repository as generated', () => {
  expect(staleGeneratedWarning()).toBeUndefined();
});

it('warns once spec/ changes, ignores modification times, and is silent again after generating', () => {
  const spec = join(dir, 'spec');
  const recorded = join(dir, '.spec-sha256');
  cpSync(SPEC_DIR, spec, { recursive: true });
  writeFileSync(recorded, `${specHash(spec)}\n`);
  expect(staleGeneratedWarning(spec, recorded)).toBeUndefined();
  // A fresh clone: every file newer than generated/, none changed.
  utimesSync(join(spec, 'kv.ts'), new Date(), new Date(Date.now() + 3_600_000));
  expect(staleGeneratedWarning(spec, recorded)).toBeUndefined();

  appendFileSync(join(spec, 'kv.ts'), '\n// an edit\n');
  expect(staleGeneratedWarning(spec, recorded)).toBe(
    'spec/ has changed since generated/ was generated: the server serves the contract in generated/, not your edit; run `npm run generate` (and restart)',
  );
  writeFileSync(join(spec, 'guides', 'new-guide.md'), '# New\n');
  writeFileSync(recorded, `${specHash(spec)}\n`);
  expect(staleGeneratedWarning(spec, recorded)).toBeUndefined();
});

it('says nothing when there is nothing to compare', () => {
  expect(staleGeneratedWarning(join(dir, 'no-spec'), join(dir, 'no-stamp'))).toBeUndefined();
});
