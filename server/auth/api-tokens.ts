/**
 * API token secrets: `sk_live_`/`sk_test_` and 32 random bytes in base62 (≈ 190 bits), shown
 * once; only their SHA-256 and a short display prefix are stored. A plain hash suffices (no
 * scrypt): the secret has full entropy, so there is nothing to guess from the digest.
 *
 * @module server/auth/api-tokens
 */
import { createHash, randomBytes } from 'node:crypto';

export type TokenMode = 'live' | 'test';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** `sk_live_` + 4 characters of the secret: enough to recognise a token in a list. */
const PREFIX_LENGTH = 12;

function base62(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  // Fixed width, so every secret has the same length whatever its leading bytes.
  return out.padStart(43, '0');
}

export function isApiTokenSecret(value: string): boolean {
  return value.startsWith('sk_live_') || value.startsWith('sk_test_');
}

export function modeOfSecret(secret: string): TokenMode {
  return secret.startsWith('sk_test_') ? 'test' : 'live';
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newTokenSecret(mode: TokenMode): { secret: string; hash: string; prefix: string } {
  const secret = `sk_${mode}_${base62(randomBytes(32))}`;
  return { secret, hash: hashSecret(secret), prefix: secret.slice(0, PREFIX_LENGTH) };
}
