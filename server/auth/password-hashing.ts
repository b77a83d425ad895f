/**
 * Bounded password hashing. Each sign-up and sign-in runs scrypt (~0.3–0.5 s of CPU here, in
 * libuv's thread pool): unbounded, a burst of sign-ins within the per-address budget would take
 * every core and starve the API. At most `concurrency` run at once, at most `queue` more wait;
 * beyond that the answer is an immediate 503 `AUTH_BUSY` with `Retry-After`, costing nothing.
 *
 * @module server/auth/password-hashing
 */
import pLimit from 'p-limit';
import { ApiError } from '../errors.ts';

export interface PasswordHashingOptions {
  /** Hashes at once (default `SAASIGNAL_PASSWORD_HASH_CONCURRENCY` or 2). */
  concurrency?: number;
  /** Sign-ups and sign-ins waiting for a slot (default `SAASIGNAL_PASSWORD_HASH_QUEUE` or 32). */
  queue?: number;
}

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value >= 0 ? value : fallback;
};

export type HashingSlot = <T>(work: () => Promise<T>) => Promise<T>;

export function passwordHashing(options: PasswordHashingOptions = {}): HashingSlot {
  const concurrency = Math.max(1, options.concurrency ?? envNumber('SAASIGNAL_PASSWORD_HASH_CONCURRENCY', 2));
  const queue = options.queue ?? envNumber('SAASIGNAL_PASSWORD_HASH_QUEUE', 32);
  const limit = pLimit(concurrency);
  return (work) => {
    if (limit.activeCount + limit.pendingCount >= concurrency + queue) {
      return Promise.reject(
        new ApiError('AUTH_BUSY', 'Too many sign-ins and sign-ups are being processed right now; retry in a moment.', { headers: { 'Retry-After': '1' } }),
      );
    }
    return limit(work);
  };
}
