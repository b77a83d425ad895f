/**
 * Weak passwords are refused at sign-up (issue 13, item 12): fewer than 10 characters is a 400
 * on `/body/password` (the document's `minLength`), a common password (the kept zxcvbn-ts list,
 * any case) is a 400 `WEAK_PASSWORD`; nothing is created either way.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCommonPassword } from '../../server/auth/password-policy.ts';
import { document } from '../../server/spec.ts';
import { expectError, openApp, type TestApp, uniqueEmail } from '../server/support/platform.ts';

let t: TestApp;
beforeAll(async () => {
  t = await openApp();
});
afterAll(() => t.close());

const signUpWith = (password: string, email = uniqueEmail('pw')) => request(t.app).post('/api/auth/sign-up/email').send({ email, password, name: 'Pw' });

describe('password policy', () => {
  it('the document says at least 10 characters', () => {
    expect(document.components.schemas.SignUpRequest.properties.password.minLength).toBe(10);
  });

  it.each(['123456789', 'short-pw1'])('refuses %j (under 10 characters) with 400 INVALID_REQUEST on /body/password', async (password) => {
    const res = await signUpWith(password);
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: '/body/password' })]);
  });

  it.each(['1234567890', 'qwertyuiop', 'password123', 'PassWord123', '1q2w3e4r5t'])('refuses the common %j with 400 WEAK_PASSWORD and creates no account', async (password) => {
    const email = uniqueEmail('weak');
    expectError(await signUpWith(password, email), 400, 'WEAK_PASSWORD');
    const row = await t.db.kysely.selectFrom('user').select('id').where('email', '=', email).executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('accepts a long uncommon passphrase', async () => {
    expect((await signUpWith('correct horse battery staple 42')).status).toBe(200);
    expect(await isCommonPassword('correct horse battery staple 42')).toBe(false);
    expect(await isCommonPassword('PASSWORD123')).toBe(true);
  });
});
