/**
 * The docs site in a real browser (Debian's Chromium, driven by playwright-core): built from the
 * document, served over HTTP under /docs/ as the server does, and opened once from the file
 * system. ⌘K / Ctrl+K opens the search; "increment", "region" and "browser token" lead to the
 * right operation, field or guide section; Enter goes there; Esc closes. An operation shows its
 * curl and SDK samples and its key pattern. Nothing is fetched from the network.
 *
 * Chromium missing: the suite fails in CI (CI=true) and is skipped, with a message, elsewhere.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocs } from '../../docs-site/build.ts';
import { codeSamples } from '../../docs-site/code-samples.ts';
import { type Json, operations } from '../../lib/openapi-document.ts';
import { docsDir } from '../../docs-site/index.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const IN_CI = ['true', '1'].includes(String(process.env.CI).toLowerCase());
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/docs-browser/', import.meta.url));
const KEY_PATTERN = String.raw`^(?!.*\.\.)[^\x00-\x1f\x7f]+$`;

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`test/browser/docs.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium). In CI this fails.`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/** A static server for dist/ under /docs/, like the API server's `express.static`. */
function serve(root: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/docs') return res.writeHead(301, { Location: '/docs/' }).end();
    if (!path.startsWith('/docs/')) return res.writeHead(404).end();
    const file = normalize(join(root, path.slice('/docs/'.length) || 'index.html'));
    if (!file.startsWith(root + sep)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The element's top edge is within the upper part of the viewport: the route scrolled to it. */
async function scrolledTo(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const { top } = el.getBoundingClientRect();
    return top >= -2 && top < window.innerHeight / 2;
  }, selector);
}

async function headingInView(page: Page, title: string): Promise<boolean> {
  return page.evaluate((text) => {
    return [...document.querySelectorAll('h1, h2')].some((h) => {
      const { top } = h.getBoundingClientRect();
      return h.textContent?.trim() === text && top >= -2 && top < window.innerHeight / 2;
    });
  }, title);
}

async function waitForRedoc(page: Page): Promise<void> {
  await page.locator('[data-testid="search-trigger"]').waitFor({ state: 'visible', timeout: 30_000 });
}

async function dialogOpen(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const d = document.getElementById('ss-search');
    return Boolean(d && !d.hidden);
  });
}

/** Opens the dialog with the platform's shortcut and searches; returns the selected result. */
async function search(page: Page, query: string, shortcut = 'ControlOrMeta+k') {
  await page.keyboard.press(shortcut);
  await expect.poll(() => dialogOpen(page)).toBe(true);
  const input = page.locator('#ss-search input');
  await expect.poll(() => input.evaluate((el) => el === document.activeElement)).toBe(true);
  await input.fill(query);
  const first = page.locator('#ss-search-results li[aria-selected="true"]');
  await first.waitFor();
  return {
    title: (await first.locator('.ss-search__title').innerText()).trim(),
    href: await first.locator('a').getAttribute('href'),
    count: await page.locator('#ss-search-results li[data-index]').count(),
  };
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('docs site in Chromium', () => {
  let server: Server;
  let base: string;
  let context: BrowserContext;
  let profile: string;
  let doc: Json;
  const offsite: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`Chromium is missing at ${CHROMIUM}: CI must install it (apt-get install -y chromium).`);
    const built = await buildDocs();
    console.log(`docs built in ${built.ms} ms; index.html ${(built.files['index.html'] / 1024).toFixed(0)} KB`);
    doc = JSON.parse(await readFile(join(docsDir, 'openapi.json'), 'utf8'));
    server = await serve(docsDir);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    profile = await mkdtemp(join(tmpdir(), 'docs-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    context.on('request', (req) => {
      if (!/^(http:\/\/127\.0\.0\.1:|file:|data:|blob:|about:)/.test(req.url())) offsite.push(req.url());
    });
    context.on('page', (page) => {
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
    });
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it.each([
    ['increment', { title: 'Increment a value', href: '#/kv/incrementvalue', heading: 'Increment a value' }],
    ['region', { title: 'region', href: '#/projects/createproject#projects/createproject/t=request&path=region', field: 'projects/createproject/t=request&path=region' }],
    ['browser token', { title: 'Create a browser token', href: '#/tokens/createbrowsertoken', heading: 'Create a browser token' }],
    ['browser tokens guide', { title: 'Browser tokens', href: '#/section/authentication/browser-tokens', heading: 'Browser tokens' }],
  ])('⌘K / Ctrl+K, "%s", Enter goes there', async (label, want) => {
    const page = await context.newPage();
    await page.goto(`${base}/docs/`);
    await waitForRedoc(page);
    const query = label === 'browser tokens guide' ? 'browser tokens' : label;
    const result = await search(page, query);
    expect(result).toMatchObject({ title: want.title, href: want.href });
    expect(result.count).toBeGreaterThan(1);
    if (label === 'browser token') await page.screenshot({ path: join(SCREENSHOTS, 'search.png') });

    await page.keyboard.press('Enter');
    await expect.poll(() => dialogOpen(page)).toBe(false);
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(want.href);
    if ('heading' in want) await expect.poll(() => headingInView(page, want.heading as string), { timeout: 10_000 }).toBe(true);
    if ('field' in want) await expect.poll(() => scrolledTo(page, `[id="${want.field}"]`), { timeout: 10_000 }).toBe(true);
    await page.close();
  });

  it('Esc closes the dialog without going anywhere; ⌘K and the sidebar box open it too', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/docs/#/section/quick-start`);
    await waitForRedoc(page);
    await search(page, 'increment', 'Meta+k');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialogOpen(page)).toBe(false);
    expect(await page.evaluate(() => location.hash)).toBe('#/section/quick-start');

    // Redoc's own search box opens this dialog, not Redoc's.
    await page.locator('[data-testid="search-trigger"]').click();
    await expect.poll(() => dialogOpen(page)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialogOpen(page)).toBe(false);

    // The dialog's links to the published files resolve under /docs/.
    await page.keyboard.press('Control+k');
    for (const name of ['openapi.json', 'openapi.yaml', 'llms.txt']) {
      const href = await page.locator(`#ss-search a[href="${name}"]`).evaluate((a) => (a as HTMLAnchorElement).href);
      expect(href).toBe(`${base}/docs/${name}`);
      expect((await fetch(href)).status).toBe(200);
    }
    await page.close();
  });

  it("shows an operation's curl and SDK samples and its key pattern", async () => {
    const page = await context.newPage();
    await page.goto(`${base}/docs/#/kv/setvalue`);
    await waitForRedoc(page);
    await expect.poll(() => headingInView(page, 'Set a value'), { timeout: 10_000 }).toBe(true);
    const op = operations(doc).find((o) => o.operationId === 'setValue');
    if (!op) throw new Error('setValue missing from the document');
    const [curl, sdk] = codeSamples(doc, op).map((s) => s.source);
    const text = () => page.evaluate(() => document.body.innerText);

    await expect.poll(text).toContain(curl.split('\n')[0]);
    expect(await text()).toContain(`-d '{"value":{"userId":"u_123","role":"admin"},"ttl":86400}'`);
    expect(await text()).toContain(KEY_PATTERN);

    // The sample menu: curl (default), SDK, Payload.
    await page.getByRole('button', { name: 'curl', exact: true }).first().click();
    await page.getByRole('menuitem').filter({ hasText: /^SDK$/ }).click();
    await expect.poll(text).toContain(sdk.split('\n').pop() as string);
    expect(sdk).toContain("await ss.infra.kv.set('session:u_123', { userId: 'u_123', role: 'admin' }, { ttl: 86400 })");
    // The samples' heights changed the layout: load the route again for the screenshot
    // (via about:blank, or the same URL would only be a same-document hash navigation).
    await page.goto('about:blank');
    await page.goto(`${base}/docs/#/kv/setvalue`);
    await waitForRedoc(page);
    await expect.poll(() => headingInView(page, 'Set a value'), { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'set-value.png') });

    await page.close();
  });

  it('has a heading at the route of every guide section the search knows', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/docs/`);
    await waitForRedoc(page);
    const sections = await page.evaluate(() => {
      const index = JSON.parse(document.getElementById('ss-search-index')?.textContent ?? '[]') as { title: string; href: string }[];
      return index.filter((e) => e.href.startsWith('#/section/'));
    });
    expect(sections.length).toBeGreaterThan(20);
    for (const { title, href } of sections) {
      // Redoc renders near the viewport only: go to each route and look for its heading there.
      await page.evaluate((h) => {
        location.hash = h;
      }, href);
      await expect.poll(() => headingInView(page, title), { timeout: 5_000, message: href }).toBe(true);
      expect(await page.locator(`[id="${href.slice(2)}"]`).count(), href).toBe(1);
    }
    await page.close();
  });

  it("takes the error envelope's docs links (#section/Errors/<CODE>) to the code's section, and guide links to operations", async () => {
    const page = await context.newPage();
    await page.goto(`${base}/docs/#section/Errors/NOT_FOUND`);
    await waitForRedoc(page);
    await expect.poll(() => headingInView(page, 'NOT_FOUND'), { timeout: 10_000 }).toBe(true);

    // The guides link operations the same way (#operation/<operationId>).
    await page.goto(`${base}/docs/#/section/token-model/prices`);
    await expect.poll(() => headingInView(page, 'Prices'), { timeout: 10_000 }).toBe(true);
    await page.locator('table a', { hasText: 'Scan keys' }).first().click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/kv/scankeys');
    await expect.poll(() => headingInView(page, 'Scan keys'), { timeout: 10_000 }).toBe(true);
    await page.close();
  });

  it('works when opened from the file system', async () => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(docsDir, 'index.html')).href);
    await waitForRedoc(page);
    expect(await page.getByRole('heading', { name: /SaaSignal API/ }).first().isVisible()).toBe(true);
    const result = await search(page, 'increment');
    expect(result.href).toBe('#/kv/incrementvalue');
    await page.keyboard.press('Enter');
    await expect.poll(() => headingInView(page, 'Increment a value'), { timeout: 10_000 }).toBe(true);
    expect(page.url()).toMatch(/^file:.*#\/kv\/incrementvalue$/);
    await page.close();
  });

  it('fetched nothing from the network and logged no errors', () => {
    expect(offsite).toEqual([]);
    expect(errors).toEqual([]);
  });
});
