/**
 * `npm run check:spectral`: Spectral with `spectral:oas` and the OWASP API ruleset, as configured
 * in `.spectral.yaml` (which lists every rule switched off and why), failing on any warning too.
 *
 * @module scripts/lint-spectral
 * @see https://github.com/stoplightio/spectral-owasp-ruleset
 */
import { spawnSync } from 'node:child_process';

const run = spawnSync('node_modules/.bin/spectral', ['lint', 'generated/openapi.json', '--ruleset', '.spectral.yaml', '--format', 'json', '--quiet'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
// Spectral exits 1 when it finds errors; anything else unparsable is the tool failing.
let problems: { code: string; severity: number; message: string; path: string[] }[];
try {
  problems = JSON.parse(run.stdout.slice(run.stdout.indexOf('[')));
} catch {
  console.error(`spectral did not run: ${(run.stderr || run.stdout || String(run.error)).trim().split('\n')[0]}`);
  process.exit(1);
}
const SEVERITY = ['error', 'warning', 'info', 'hint'];
for (const p of problems) console.error(`${SEVERITY[p.severity]} ${p.code}: ${p.message} (#/${p.path.join('/')})`);
const errors = problems.filter((p) => p.severity === 0).length;
const warnings = problems.filter((p) => p.severity === 1).length;
console.log(`spectral (oas + OWASP): ${errors} errors, ${warnings} warnings`);
if (errors + warnings > 0) process.exit(1);
