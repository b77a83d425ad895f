/**
 * `npm run docs:open`: builds the site if it is missing or outdated, then opens
 * generated/docs/index.html from the file system in the default browser (or prints its URL when
 * there is none, e.g. on a server).
 *
 * @module docs-site/open
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { docsDir, ensureDocs } from './index.ts';

await ensureDocs();
const url = pathToFileURL(join(docsDir, 'index.html')).href;
const [command, ...args] =
  process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : ['xdg-open', url];
// Printed first: on a machine without a desktop the opener may exist and still show nothing.
console.log(`Docs: ${url}`);
const child = spawn(command, args, { stdio: 'ignore', detached: true });
child.on('error', () => console.log('No browser opener found: open the URL above.'));
child.on('spawn', () => child.unref());
