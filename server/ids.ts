/**
 * Object ids: a type prefix and a ULID (`org_01JNXS8QZ3M2V7K4T9R5W6Y8AB`), the shape the spec's
 * id components declare. ULIDs sort by creation time, so ids double as stable pagination keys.
 *
 * @module server/ids
 * @see https://github.com/ulid/spec
 */
import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type IdPrefix = 'usr' | 'ses' | 'acc' | 'ver' | 'org' | 'proj' | 'tok' | 'inv' | 'req' | 'evt';

/** A 26-character ULID: 48 bits of milliseconds, then 80 random bits, in Crockford base32. */
export function ulid(now = Date.now()): string {
  let time = '';
  for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  const bytes = randomBytes(10);
  let random = '';
  // 80 bits = 16 base32 digits; read them 5 bits at a time from the byte string.
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      random += CROCKFORD[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return time + random;
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid()}`;
}
