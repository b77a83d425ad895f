/**
 * JavaScript literals as the SDK samples print them: what Prettier would produce for short
 * values, one entry per line for long ones.
 */
import { describe, expect, it } from 'vitest';
import { call, inline, jsString, literal } from '../../docs-site/js-literal.ts';

describe('inline', () => {
  it.each([
    ['string', 'session:u_123', "'session:u_123'"],
    ['quote and backslash', "it's a \\ path", "'it\\'s a \\\\ path'"],
    ['newline', 'a\nb', "'a\\nb'"],
    ['number', 86400, '86400'],
    ['null', null, 'null'],
    ['empty object', {}, '{}'],
    ['empty array', [], '[]'],
    ['object', { userId: 'u_123', ttl: 60 }, "{ userId: 'u_123', ttl: 60 }"],
    ['keys that are not identifiers', { 'x-y': 1, $ok: 2, '1a': 3 }, "{ 'x-y': 1, $ok: 2, '1a': 3 }"],
    ['nested', { ops: [{ op: 'get' }] }, "{ ops: [{ op: 'get' }] }"],
  ])('%s', (_, value, want) => {
    expect(inline(value)).toBe(want);
  });
});

describe('literal and call', () => {
  it('keeps what fits on one line', () => {
    expect(call('await ss.infra.kv.get', ['session:u_123'])).toBe("await ss.infra.kv.get('session:u_123')");
    expect(literal({ a: 1 }, '', 0, 10)).toBe('{ a: 1 }');
  });

  it('breaks the last argument over lines when the call is too long, recursively', () => {
    const value = { name: 'Production Key', scopes: ['kv:read', 'kv:write'], nested: { deep: 'x'.repeat(40) } };
    expect(call('const t = await ss.core.orgs.createToken', ['org_1', value], 60)).toBe(
      [
        "const t = await ss.core.orgs.createToken('org_1', {",
        "  name: 'Production Key',",
        "  scopes: ['kv:read', 'kv:write'],",
        // 63 columns inline: broken too.
        '  nested: {',
        "    deep: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',",
        '  },',
        '})',
      ].join('\n'),
    );
    expect(literal([{ a: 'x'.repeat(30) }, { b: 'y'.repeat(30) }], '', 0, 45)).toBe(
      ["[", "  { a: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' },", "  { b: 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy' },", ']'].join('\n'),
    );
  });

  it('escapes strings for single quotes', () => {
    expect(jsString("a'b")).toBe("'a\\'b'");
  });
});
