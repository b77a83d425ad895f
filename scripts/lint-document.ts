/**
 * `npm run check:lint`: `redocly lint` with its recommended rules, failing on any warning too
 * (redocly itself exits 0 on warnings).
 *
 * @module scripts/lint-document
 */
import { execFileSync } from 'node:child_process';

const out = execFileSync('node_modules/.bin/redocly', ['lint', 'generated/openapi.json', '--format=json'], {
  env: { ...process.env, REDOCLY_TELEMETRY: 'off' },
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
const report = JSON.parse(out.slice(out.indexOf('{')));
const { errors, warnings } = report.totals;
for (const p of report.problems) console.error(`${p.severity} ${p.ruleId}: ${p.message} (${p.location?.[0]?.pointer ?? ''})`);
console.log(`redocly lint: ${errors} errors, ${warnings} warnings`);
if (errors + warnings > 0) process.exit(1);
