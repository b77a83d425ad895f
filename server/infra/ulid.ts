/**
 * ULIDs for event ids: 48 bits of milliseconds then 80 random bits, in Crockford base32, so ids
 * sort by creation time. Monotonic within one process: ids made in the same millisecond
 * increment the random part instead of drawing a new one, so their order is the publish order.
 *
 * @module server/infra/ulid
 * @see https://github.com/ulid/spec
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
let lastRandom: number[] = [];

/** A new ULID (26 characters). */
export function ulid(now: number = Date.now()): string {
  if (now <= lastTime) {
    increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = [...randomBytes(16)].map((b) => b & 31).slice(0, 16);
  }
  return encodeTime(lastTime) + lastRandom.map((d) => ALPHABET[d]).join('');
}

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
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
