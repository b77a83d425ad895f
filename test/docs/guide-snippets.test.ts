/**
 * The guides' SDK snippets run, unchanged but for the import path, against the real server: the
 * Quick start (sign up, project, token, set, get, publish) and the browser-token exchange of the
 * Authentication guide. A guide that stops working fails here before a reader finds out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../server/app.ts';
import { guideSections } from '../../docs-site/guide-sections.ts';
import { buildDocument } from '../../spec/index.ts';

const SDK = pathToFileURL(fileURLToPath(new URL('../../generated/sdk.ts', import.meta.url))).href;
const doc = buildDocument();

/** The ```ts blocks of one guide, in order. */
function snippets(guide: string): string[] {
  const markdown = guideSections(doc)
    .filter((s) => s.guide === guide)
    .map((s) => s.markdown)
    .join('\n\n');
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

let app: App;
let server: Server;
let dir: string;
const logs: string[] = [];
const savedEnv = { ...process.env };

/** Runs a snippet as a module with `saasignal` pointing at the generated SDK, returning the names it declares. */
async function run(name: string, code: string, exports: string[]): Promise<Record<string, unknown>> {
  const file = join(dir, `${name}.ts`);
  await writeFile(file, `${code.replace(/from 'saasignal'/g, `from '${SDK}'`)}\nexport { ${exports.join(', ')} }\n`);
  return import(pathToFileURL(file).href);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'guide-snippets-'));
  app = await createApp({ dbUrl: ':memory:', validateResponses: true, log: (message) => logs.push(message) });
  server = await new Promise<Server>((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  delete process.env.SAASIGNAL_API_KEY;
  delete process.env.SAASIGNAL_TOKEN;
  process.env.SAASIGNAL_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await new Promise((resolve) => server?.close(resolve));
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('guide snippets against the server', () => {
  it('Quick start: sign up, create a project and a token, set and get a value, publish', async () => {
    const [sdk] = snippets('Quick start');
    expect(sdk).toContain("import { createClient } from 'saasignal'");
    const got = await run('quick-start', sdk, ['project', 'secret', 'entry']);
    expect(got.project).toMatchObject({ name: 'Production', region: 'weur' });
    expect(got.secret).toMatch(/^sk_live_/);
    expect(got.entry).toMatchObject({ key: 'hello', value: 'world' });
    process.env.SAASIGNAL_API_KEY = got.secret as string;

    const [browser] = snippets('Authentication');
    expect(browser).toContain('SaaSignalClient.createBrowserToken');
    const token = await run('browser-token', browser as string, ['token', 'expires_at']);
    expect(token.token).toMatch(/^bt_/);
    expect(Date.parse(token.expires_at as string) - Date.now()).toBeGreaterThan(800_000);
    expect(logs).toEqual([]);
  }, 60_000);
});
