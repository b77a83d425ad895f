/**
 * The built site, from the document alone: a self-contained page (no network: CSP, no external
 * script or stylesheet, Redoc's CDN logo replaced), the samples and the search index inside it,
 * the document beside it unchanged, and `ensureDocs()` rebuilding only when the document changed.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildDocs, type BuildResult, DEFAULT_SOURCE } from '../../docs-site/build.ts';
import { CONTENT_SECURITY_POLICY } from '../../docs-site/html.ts';
import { docsAreCurrent, ensureDocs } from '../../docs-site/index.ts';
import { STAMP_FILE } from '../../docs-site/stamp.ts';

/** A build runs Redocly in a child process: seconds, more on a loaded machine. */
const BUILD_TIMEOUT = 60_000;

let dir: string;
let result: BuildResult;
let html: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docs-build-test-'));
  result = await buildDocs({ outDir: join(dir, 'site') });
  html = await readFile(join(dir, 'site', 'index.html'), 'utf8');
}, BUILD_TIMEOUT);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('docs build', () => {
  it('writes the page, the document in both formats, and the llms files', () => {
    for (const name of ['index.html', 'openapi.json', 'openapi.yaml', 'llms.txt', 'llms-full.txt', 'llms/setValue.md', 'llms/guides/errors.md', STAMP_FILE]) {
      expect(result.files[name], name).toBeGreaterThan(0);
    }
  });

  it('publishes the source document unchanged, and the same document as YAML', async () => {
    const source = await readFile(DEFAULT_SOURCE, 'utf8');
    expect(await readFile(join(dir, 'site', 'openapi.json'), 'utf8')).toBe(source);
    expect(parse(await readFile(join(dir, 'site', 'openapi.yaml'), 'utf8'))).toEqual(JSON.parse(source));
  });

  it('makes a page that loads nothing from the network', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+rel="?stylesheet/i);
    expect(html).not.toContain('cdn.redoc.ly');
    // Redoc's runtime is inlined (--inlineBundle), not fetched.
    expect(html.length).toBeGreaterThan(1_000_000);
  });

  it('embeds the generated samples, the key pattern and the search index', () => {
    expect(html).toContain('x-codeSamples');
    expect(html).toContain('await ss.infra.kv.set(');
    expect(html).toContain('^(?!.*\\\\.\\\\.)[^\\\\x00-\\\\x1f\\\\x7f]+$');
    const index = /<script type="application\/json" id="ss-search-index">([\s\S]*?)<\/script>/.exec(html);
    expect(JSON.parse(index?.[1] ?? '[]').length).toBeGreaterThan(100);
    expect(html).toContain('<script id="ss-search-script">');
  });
});

describe('ensureDocs', () => {
  it('builds a missing site, keeps a current one, and rebuilds when the document changes', async () => {
    const outDir = join(dir, 'ensured');
    const source = join(dir, 'openapi.json');
    const doc = JSON.parse(await readFile(DEFAULT_SOURCE, 'utf8'));
    await writeFile(source, JSON.stringify(doc));

    expect(await docsAreCurrent({ source, outDir })).toBe(false);
    await Promise.all([ensureDocs({ source, outDir }), ensureDocs({ source, outDir })]);
    expect(await docsAreCurrent({ source, outDir })).toBe(true);
    const built = (await stat(join(outDir, 'index.html'))).mtimeMs;

    await ensureDocs({ source, outDir });
    expect((await stat(join(outDir, 'index.html'))).mtimeMs).toBe(built);

    doc.info.title = 'Changed title';
    await writeFile(source, JSON.stringify(doc));
    expect(await docsAreCurrent({ source, outDir })).toBe(false);
    await ensureDocs({ source, outDir });
    expect(await readFile(join(outDir, 'llms.txt'), 'utf8')).toMatch(/^# Changed title/);
  }, 3 * BUILD_TIMEOUT);
});
