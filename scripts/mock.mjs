/**
 * `npm run mock`: a Prism mock of generated/openapi.json on 127.0.0.1:4010. Options after `--`
 * go to `prism mock` and replace the defaults they name, so `npm run mock -- -p 3910` serves on
 * port 3910 (Prism refuses a second `-p`, which is why this is not a one-line npm script).
 * `MOCK_PORT` picks the port too. Prism runs as a child: SIGINT/SIGTERM are passed on to it and
 * its exit status is this one's.
 *
 * @module scripts/mock
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const given = (...names) => args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
const defaults = [
  ...(given('-h', '--host') ? [] : ['-h', '127.0.0.1']),
  ...(given('-p', '--port') ? [] : ['-p', process.env.MOCK_PORT || '4010']),
];
const prism = fileURLToPath(import.meta.resolve('@stoplight/prism-cli/dist/index.js'));
const child = spawn(process.execPath, [prism, 'mock', 'generated/openapi.json', ...defaults, ...args], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + ({ SIGINT: 2, SIGTERM: 15 }[signal] ?? 1) : 1)));
