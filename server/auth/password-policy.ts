/**
 * The password policy beyond the document's length (≥ 10 characters): no password from the
 * common-passwords list that zxcvbn-ts keeps (~49,000 entries, the ones attackers try first).
 * Compared case-insensitively, as guessing tools vary case for free.
 *
 * The list is loaded on first use (its module decompresses it: ~0.1–0.4 s), not at start.
 *
 * @module server/auth/password-policy
 * @see https://pages.nist.gov/800-63-4/sp800-63b.html#password
 */
import { ApiError } from '../errors.ts';

let common: Promise<Set<string>> | undefined;

function commonPasswords(): Promise<Set<string>> {
  common ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())));
  return common;
}

export async function isCommonPassword(password: string): Promise<boolean> {
  return (await commonPasswords()).has(password.toLowerCase());
}

/** Throws 400 `WEAK_PASSWORD` for a common password. */
export async function assertStrongPassword(password: string): Promise<void> {
  if (await isCommonPassword(password)) {
    throw new ApiError('WEAK_PASSWORD', 'This password is one of the most common passwords and would be guessed quickly; choose another one.');
  }
}
