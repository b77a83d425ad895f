/**
 * The rules every KV backend shares (server/infra/kv-store.ts): prefix ranges, key order, the
 * scan cursor and expiry arithmetic. Properties are checked on arbitrary Unicode strings, since
 * the backends rely on them for every scan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  decodeCursor,
  encodeCursor,
  encodeValue,
  expiryFor,
  isoOrNull,
  MAX_EXPIRY_MS,
  prefixEnd,
} from '../../server/infra/kv-store.ts';

/** Strings of whole code points (no lone surrogates: keys arrive as UTF-8). */
const text = (maxLength = 8) =>
  fc.array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0x10ffff })), {
    maxLength,
  }).map((cps) => String.fromCodePoint(...cps));

describe('prefixEnd', () => {
  it.each<[string, string | null]>([
    ['', null],
    ['a', 'b'],
    ['user:', 'user;'],
    ['\u{d7ff}', '\u{e000}'],
    ['a\u{10ffff}', 'b'],
    ['\u{10ffff}\u{10ffff}', null],
    ['😀', '😁'],
  ])('of %j is %j', (prefix, want) => {
    expect(prefixEnd(prefix)).toBe(want);
  });

  it('bounds exactly the strings that start with the prefix', () => {
    fc.assert(
      fc.property(text(4), text(6), (prefix, s) => {
        const end = prefixEnd(prefix);
        const inRange = compareKeys(s, prefix) >= 0 && (end === null || compareKeys(s, end) < 0);
        expect(inRange).toBe(s.startsWith(prefix));
      }),
      { numRuns: 2000 },
    );
  });

  it('bounds extensions of the prefix too', () => {
    fc.assert(
      fc.property(text(4), text(4), (prefix, rest) => {
        const end = prefixEnd(prefix);
        expect(end === null || compareKeys(prefix + rest, end) < 0).toBe(true);
      }),
    );
  });
});

describe('compareKeys', () => {
  it('orders by code point, unlike JavaScript string comparison', () => {
    expect(compareKeys('\u{fb00}', '😀')).toBeLessThan(0);
    expect('\u{fb00}' < '😀').toBe(false);
    expect(compareKeys('a', 'ab')).toBeLessThan(0);
    expect(compareKeys('b', 'ab')).toBeGreaterThan(0);
  });
});

describe('scan cursor', () => {
  it('round-trips every key and matches the Cursor pattern', () => {
    fc.assert(
      fc.property(text(512).filter((s) => s.length > 0), (key) => {
        const cursor = encodeCursor(key);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(cursor.length).toBeLessThanOrEqual(2731);
        expect(decodeCursor(cursor)).toBe(key);
      }),
    );
  });

  it('is at most 2731 characters for the longest key', () => {
    expect(encodeCursor('😀'.repeat(512))).toHaveLength(2731);
  });

  it.each(['Zm9vYgx', 'Zm9vYh', 'A', '_w', '_-_-'])('refuses %j, which no key encodes to', (cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});

describe('expiryFor', () => {
  const now = Date.UTC(2026, 0, 1);
  it.each<[number | undefined, number | null]>([
    [undefined, null],
    [1, now + 1000],
    [86400, now + 86_400_000],
    [9007199254740991, MAX_EXPIRY_MS],
    [Math.ceil((MAX_EXPIRY_MS - now) / 1000), MAX_EXPIRY_MS],
  ])('for ttl %j is %j', (ttl, want) => {
    expect(expiryFor(ttl, now)).toBe(want);
  });

  it('writes the cap as the last millisecond of year 9999', () => {
    expect(isoOrNull(MAX_EXPIRY_MS)).toBe('9999-12-31T23:59:59.999Z');
    expect(isoOrNull(null)).toBeNull();
  });
});

describe('encodeValue', () => {
  it.each<[unknown, string, number]>([
    ['world', '"world"', 7],
    ['é', '"é"', 4],
    [{ a: [1, null] }, '{"a":[1,null]}', 14],
    [Number.POSITIVE_INFINITY, 'null', 4],
  ])('serializes %j as JSON and counts UTF-8 bytes', (value, json, bytes) => {
    expect(encodeValue(value)).toEqual({ json, bytes });
  });
});
