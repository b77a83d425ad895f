/**
 * `npm run release:baseline`: records a release of the package. The current document becomes
 * the released one (package/release/openapi.json), the package takes the document's version, and
 * package/CHANGELOG.md gets a section listing what changed in the document since the last release.
 *
 * @module scripts/release-baseline
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type Change, diffDocuments, major } from '../lib/openapi-diff.ts';

const file = (path: string) => new URL(`../${path}`, import.meta.url);
const read = (path: string) => JSON.parse(readFileSync(file(path), 'utf8'));
const released = read('package/release/openapi.json');
const head = read('generated/openapi.json');
const changes = diffDocuments(released, head);
const breaking = changes.filter((c) => c.breaking);
const version: string = head.info.version;

if (version === released.info.version) {
  console.error(`info.version is still ${version}, the last release: raise it in spec/index.ts (major for a breaking change) and regenerate.`);
  process.exit(1);
}
if (breaking.length && !(major(version) > major(released.info.version))) {
  console.error(`${breaking.length} breaking change(s): ${version} must be a new major version.`);
  process.exit(1);
}

const lines = (title: string, list: Change[]) => (list.length ? [`### ${title}`, '', ...list.map((c) => `- \`${c.where}\`: ${c.message}`), ''] : []);
const section = [
  `## ${version} (${new Date().toISOString().slice(0, 10)})`,
  '',
  ...lines('Breaking', breaking),
  ...lines('Changed', changes.filter((c) => !c.breaking)),
  ...(changes.length ? [] : ['No change to the API.', '']),
].join('\n');
const changelog = readFileSync(file('package/CHANGELOG.md'), 'utf8');
const at = changelog.indexOf('\n## ');
writeFileSync(file('package/CHANGELOG.md'), `${changelog.slice(0, at + 1)}${section}\n${changelog.slice(at + 1)}`);
writeFileSync(file('package/release/openapi.json'), `${JSON.stringify(head, null, 2)}\n`);
const pkg = read('package/package.json');
pkg.version = version;
writeFileSync(file('package/package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`released ${version}: ${changes.length} change(s), ${breaking.length} breaking; package/CHANGELOG.md updated`);
