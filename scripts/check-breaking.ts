/**
 * `npm run check:breaking`: compares generated/openapi.json with the document of the last
 * released package (package/release/openapi.json) and fails on a breaking change unless the
 * document's major version went up. Consumers pin the package's version, and the package's
 * version follows the document's `info.version`.
 *
 * @module scripts/check-breaking
 */
import { readFileSync } from 'node:fs';
import { diffDocuments, major } from '../lib/openapi-diff.ts';

const read = (path: string) => JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'));
const released = read('package/release/openapi.json');
const head = read('generated/openapi.json');
const pkg = read('package/package.json');
const problems: string[] = [];

if (pkg.version !== released.info.version) {
  problems.push(`package/package.json is at ${pkg.version}, but the last released document is ${released.info.version}: run \`npm run release:baseline\`.`);
}
/**
 * Breaking by the text of the documents but not for any client, each with the reason, reviewed
 * like code: e.g. a body declared optional that the server always required.
 */
const accepted: { where: string; message: string; why: string }[] = read('package/release/accepted-breaking.json');
const isAccepted = (c: { where: string; message: string }) => accepted.some((a) => a.where === c.where && a.message === c.message);
const changes = diffDocuments(released, head);
const breaking = changes.filter((c) => c.breaking && !isAccepted(c));
for (const c of changes) console.log(`${c.breaking ? (isAccepted(c) ? 'accepted' : 'BREAKING') : 'change  '} ${c.where}: ${c.message}`);
if (breaking.length && !(major(head.info.version) > major(released.info.version))) {
  problems.push(
    `${breaking.length} breaking change(s) since ${released.info.version} without a major version: ` +
      'make the change compatible (optional field, new operation), or raise info.version in spec/index.ts to ' +
      `${major(released.info.version) + 1}.0.0 and release it with \`npm run release:baseline\`.`,
  );
}
for (const p of problems) console.error(p);
console.log(`check:breaking: ${changes.length} change(s) since ${released.info.version}, ${breaking.length} breaking`);
if (problems.length) process.exit(1);
