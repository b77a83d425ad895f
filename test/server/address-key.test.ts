/**
 * The rate limiters' remembered address keys (server/http/rate-limit.ts) are express-rate-limit's
 * `ipKeyGenerator` keys: the same for every form of address, the first time and when remembered.
 */
import { ipKeyGenerator } from 'express-rate-limit';
import { describe, expect, it } from 'vitest';
import { addressKey } from '../../server/http/rate-limit.ts';

describe('addressKey', () => {
  it.each([
    ['IPv4', '127.0.0.1', '127.0.0.1'],
    ['IPv4-mapped IPv6', '::ffff:127.0.0.1', '127.0.0.1'],
    ['IPv6 (its /56 network)', '2001:db8:abcd:12ff:1:2:3:4', '2001:db8:abcd:1200::/56'],
    ['IPv6 loopback', '::1', '::/56'],
    ['empty (no address known)', '', ''],
  ])('%s: %s → %s, as ipKeyGenerator, twice', (_name, ip, want) => {
    expect(addressKey(ip)).toBe(want);
    expect(addressKey(ip)).toBe(want);
    expect(addressKey(ip)).toBe(ipKeyGenerator(ip));
  });

  it('stays right past its bound', () => {
    for (let i = 0; i < 10_050; i++) {
      const ip = `2001:db8::${i.toString(16)}`;
      expect(addressKey(ip)).toBe(ipKeyGenerator(ip));
    }
    expect(addressKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
  });
});
