/**
 * Stored answers are sealed (AES-256-GCM) with a key derived from the client's Idempotency-Key,
 * which is itself never stored (only a hash of it is). An answer may carry a secret (a new API
 * token's `secret`, a browser token); whoever reads the database without the client's key cannot
 * read it, and a replay, which brings the key, can.
 *
 * @module server/idempotency/seal
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'saasignal idempotent answer v1';

function keyOf(idempotencyKey: string, scope: string): Buffer {
  return Buffer.from(hkdfSync('sha256', idempotencyKey, scope, INFO, 32));
}

/** The row id: a hash of the scope and the key, so the key cannot be read back from the table. */
export function rowId(scope: string, idempotencyKey: string): string {
  return createHash('sha256').update(scope).update('\0').update(idempotencyKey).digest('base64url');
}

export function seal(plain: string, idempotencyKey: string, scope: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(idempotencyKey, scope), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** The plain text, or null if it was not sealed with this key (or was tampered with). */
export function unseal(sealed: string, idempotencyKey: string, scope: string): string | null {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(idempotencyKey, scope), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
