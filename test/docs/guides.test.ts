/**
 * The guides in the document: every guide and section is there, and the facts in them come from
 * the spec — every scope of SCOPE_GROUPS, every metered operation's price, every error code with
 * its status — so a change in the spec shows up in the docs without retyping.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SCOPE_GROUPS } from '../../spec/common.ts';
import { GUIDES, renderGuide } from '../../spec/guides/render.ts';
import { buildDocument } from '../../spec/index.ts';
import { guideSections } from '../../docs-site/guide-sections.ts';
import { operations } from '../../lib/openapi-document.ts';

const doc = buildDocument();
const description = doc.info.description ?? '';
const section = (guide: string, title: string) =>
  guideSections(doc).find((s) => s.guide === guide && s.title === title && s.level === 2)?.markdown ?? '';

describe('guides', () => {
  it('are all in info.description, in order, each one `#` heading, with no placeholder left', () => {
    const titles = guideSections(doc).filter((s) => s.level === 1).map((s) => s.title);
    expect(titles).toEqual(['Quick start', 'Authentication', 'Token model', 'Errors', 'Rate limits', 'Idempotency']);
    expect(GUIDES).toHaveLength(titles.length);
    expect(description).not.toMatch(/\{\{[a-z-]+\}\}/);
  });

  it('list every scope of SCOPE_GROUPS, the wildcards, and the operations needing each', () => {
    const scopes = section('Authentication', 'Scopes and wildcards');
    for (const [area, list] of Object.entries(SCOPE_GROUPS)) {
      expect(scopes).toContain(`**${area}**`);
      for (const scope of list) expect(scopes).toMatch(new RegExp(`^\\| \`${scope}\` \\|`, 'm'));
      for (const resource of new Set(list.map((s) => s.split(':')[0]))) expect(scopes).toContain(`| \`${resource}:*\` |`);
    }
    expect(scopes).toContain('| `*` | every scope');
    expect(scopes).toContain(
      '| `kv:write` | [Set a value](#operation/setValue), [Delete a value](#operation/deleteValue), [Increment a value](#operation/incrementValue), [Batch operations](#operation/batchOperations) |',
    );
  });

  it('give every metered operation its price from x-price-microtokens', () => {
    const prices = section('Token model', 'Prices');
    const metered = operations(doc).filter((o) => o.op['x-price-microtokens'] !== undefined || o.op['x-price-microtokens-by-op']);
    expect(metered.length).toBeGreaterThan(0);
    for (const o of metered) {
      const price = o.op['x-price-microtokens'];
      expect(prices).toContain(
        `| [${o.op.summary}](#operation/${o.operationId}) | \`${o.method.toUpperCase()} ${o.path}\` | ${price !== undefined ? `${price} μt` : 'per op:'}`,
      );
    }
    expect(prices).toContain('| [Scan keys](#operation/scanKeys) | `GET /infra/kv` | 5 μt |');
  });

  it('explain every error code under its own heading, with the status of x-status-by-code', () => {
    const sections = guideSections(doc).filter((s) => s.guide === 'Errors' && s.level === 2);
    expect(sections.map((s) => s.title)).toEqual(Object.keys(ERROR_CODES));
    for (const s of sections) {
      expect(s.markdown.startsWith(`**HTTP ${ERROR_CODES[s.title as keyof typeof ERROR_CODES]}**`), s.title).toBe(true);
      // The status line plus real advice.
      expect(s.markdown.split('\n\n')[1]?.length ?? 0, s.title).toBeGreaterThan(40);
    }
    // The `docs` links of error responses point at these headings (Redoc also takes this legacy form).
    expect(doc.components?.schemas?.Error).toMatchObject({ example: { error: { docs: 'http://localhost:3000/docs#section/Errors/NOT_FOUND' } } });
  });

  it('refuse an errors guide that misses or invents a code', () => {
    const broken = structuredClone(doc) as typeof doc & { components: { schemas: { Error: Record<string, unknown> } } };
    broken.components.schemas.Error['x-status-by-code'] = { ...ERROR_CODES, TEAPOT: 418 };
    expect(() => renderGuide('errors', broken)).toThrow(/no section for TEAPOT/);
    broken.components.schemas.Error['x-status-by-code'] = { NOT_FOUND: 404 };
    expect(() => renderGuide('errors', broken)).toThrow(/is not an error code/);
  });

  it('cover what users must know about credentials and limits', () => {
    const text = description;
    for (const needle of ['sk_live_', 'sk_test_', 'bt_', 'X-Api-Key', 'better-auth.session_token', 'X-Microtokens-Used', 'RateLimit-Policy', 'Retry-After', '100 requests per hour']) {
      expect(text).toContain(needle);
    }
  });
});
