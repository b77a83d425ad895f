/**
 * The README's deployment check is run as written: its shell block (the one that sets `A` and
 * `B`), with bash and curl, against two instances of a fresh deployment; what it prints is what
 * the README says it prints.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { type Deployment, deployment } from './support/deployment.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Deployment'), readme.indexOf('\n## ', readme.indexOf('## Deployment') + 1));
const blocks = [...section.matchAll(/```sh\n([\s\S]*?)\n```/g)].map((m) => m[1]);
const script = blocks.find((b) => b.startsWith('A=${A:-'));

const dir = mkdtempSync(join(tmpdir(), 'saasignal-deployment-'));
let d: Deployment | undefined;
afterAll(async () => {
  await d?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

it('runs the README deployment check: a write and an event through A are seen on B', async () => {
  expect(script).toBeDefined();
  d = await deployment('readme');
  const [a, b] = await d.start(2);
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script!], {
    cwd: dir,
    env: { ...process.env, A: a.base, B: b.base },
    timeout: 60_000,
  });
  const [put, get, published, ...events] = stdout.trim().split('\n');
  expect(JSON.parse(put)).toEqual({ key: 'hello', value: 'world', expires_at: null });
  expect(JSON.parse(get)).toEqual({ key: 'hello', value: 'world', expires_at: null });
  const event = JSON.parse(published);
  expect(event).toMatchObject({ channel: 'ops', event: 'deployed', delivered: 1 });
  expect(events.join('\n')).toContain(`: connected\n\nid: ${event.id}\nevent: deployed\ndata: {"id":"${event.id}","event":"deployed","data":null,`);
}, 120_000);
