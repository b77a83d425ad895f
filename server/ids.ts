/**
 * Object ids: a type prefix and a ULID (`org_01JNXS8QZ3M2V7K4T9R5W6Y8AB`), the shape the spec's
 * id components declare. ULIDs sort by creation time, so ids double as stable pagination keys.
 *
 * @module server/ids
 * @see https://github.com/ulid/spec
 */
import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type IdPrefix = 'usr' | 'ses' | 'acc' | 'ver' | 'org' | 'proj' | 'tok' | 'inv' | 'req' | 'evt' | 'ogr';

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * A 26-character ULID: 48 bits of milliseconds, then 80 random bits, in Crockford base32.
 * Monotonic within a process: ids made in the same millisecond increment the random part, so
 * their order is creation order (event ids sort in publish order; pages of objects are stable).
 */
export function ulid(now = Date.now()): string {
  if (now <= lastTime) {
    increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = [...randomBytes(16)].map((b) => b & 31);
  }
  let time = '';
  for (let i = 0, t = lastTime; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  return time + lastRandom.map((d) => CROCKFORD[d]).join('');
}

/** Adds one to a base32 digit array; on the (2^-80 likely) overflow it starts over at zero. */
function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i] < 31) {
      digits[i]++;
      return;
    }
    digits[i] = 0;
  }
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid()}`;
}
