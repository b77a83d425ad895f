/**
 * The ⌘K search: the index holds every guide section, operation, parameter and field with the
 * Redoc route it opens, and the ranking puts the right answer first for what users type.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Json, operations, parameters } from '../../lib/openapi-document.ts';
import { guideSections, headingSlug, plainText } from '../../docs-site/guide-sections.ts';
import { buildSearchIndex, type SearchEntry } from '../../docs-site/search-index.ts';
import { rank, score } from '../../docs-site/search-rank.ts';

const doc: Json = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const index = buildSearchIndex(doc);

describe('search ranking', () => {
  it.each([
    ['increment', { kind: 'operation', title: 'Increment a value', href: '#/kv/incrementvalue' }],
    ['region', { kind: 'field', title: 'region', href: '#/projects/createproject#projects/createproject/t=request&path=region' }],
    ['browser token', { kind: 'operation', title: 'Create a browser token', href: '#/tokens/createbrowsertoken' }],
    ['Browser tokens', { kind: 'section', title: 'Browser tokens', href: '#/section/authentication/browser-tokens' }],
    ['not_found', { kind: 'section', title: 'NOT_FOUND', href: '#/section/errors/not_found' }],
    ['rate limits', { kind: 'guide', title: 'Rate limits', href: '#/section/rate-limits' }],
    ['scan', { kind: 'operation', title: 'Scan keys', href: '#/kv/scankeys' }],
    ['ss.infra.kv.set', { kind: 'operation', title: 'Set a value', href: '#/kv/setvalue' }],
    ['if_not_exists', { kind: 'field', title: 'if_not_exists' }],
    ['X-Microtokens-Used', { kind: 'section', title: 'X-Microtokens-Used' }],
  ])('%s', (query, want) => {
    expect(rank(index, query)[0]?.entry).toMatchObject(want);
  });

  it('needs every word, matched at the start of a word, case-insensitively', () => {
    const entry: SearchEntry = { kind: 'operation', title: 'Create a browser token', context: 'POST /core/tokens/browser', keywords: '', text: '', href: '#/x' };
    expect(score(entry, 'BROWSER tok')).toBeGreaterThan(0);
    expect(score(entry, 'browser region')).toBe(0);
    expect(score(entry, 'rowser')).toBe(0);
    expect(rank(index, 'zzzz-nothing')).toEqual([]);
  });
});

describe('search index', () => {
  it('has every guide and section at the route of its heading', () => {
    for (const s of guideSections(doc).filter((x) => x.level > 0)) {
      const entry = index.find((e) => e.title === s.title && e.href === s.href);
      expect(entry, s.title).toBeDefined();
      expect(s.href).toBe(s.level === 1 ? `#/section/${headingSlug(s.title)}` : `#/section/${headingSlug(s.guide)}/${headingSlug(s.title)}`);
    }
  });

  it('has every operation and every parameter of it', () => {
    for (const op of operations(doc)) {
      expect(index.filter((e) => e.kind === 'operation' && e.href === `#/${op.tag.toLowerCase()}/${op.operationId.toLowerCase()}`)).toHaveLength(1);
      for (const p of parameters(doc, op)) {
        expect(index.some((e) => e.kind === 'parameter' && e.title === p.name && e.href.includes(`in=${p.in}&path=${p.name}`)), `${op.operationId} ${p.name}`).toBe(true);
      }
    }
  });

  it('carries field constraints, so a pattern or an enum value is findable', () => {
    const key = index.find((e) => e.kind === 'parameter' && e.title === 'key' && e.href.startsWith('#/kv/setvalue'));
    expect(key?.text).toContain('^(?!.*\\.\\.)[^\\x00-\\x1f\\x7f]+$');
    expect(rank(index, 'apac')[0]?.entry.title).toMatch(/region/i);
  });
});

describe('plainText', () => {
  it.each([
    ['code and bold', '**Price:** `5` μt', 'Price: 5 μt'],
    ['comparison signs and hashes inside text stay', 'range > 0 and ≤ 9; encode `#`', 'range > 0 and ≤ 9; encode #'],
    ['headings and quotes lose their markers', '## Limits\n> note', 'Limits note'],
    ['links keep their text', 'see [Token model](#/section/token-model)', 'see Token model'],
    ['tables lose bars and rules', '| a | b |\n| --- | --- |\n| `kv:*` | c |', 'a b kv:* c'],
    ['fences lose their markers', '```bash\ncurl x\n```', 'curl x'],
  ])('%s', (_, markdown, want) => {
    expect(plainText(markdown)).toBe(want);
  });
});
