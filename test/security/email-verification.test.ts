/**
 * Email verification (issue 13, items 6 and 13), on SQLite and PostgreSQL + Redis, with the mail
 * delivered over SMTP to a server this test runs on 127.0.0.1:
 *
 * - with `SAASIGNAL_REQUIRE_EMAIL_VERIFICATION` on, sign-up answers the same (202, same body, no
 *   session) for a new email and for one that has an account, so it does not reveal who has one;
 *   the new account is sent a verification link, the existing one a notice;
 * - an unverified account cannot sign in (403 `EMAIL_NOT_VERIFIED`, only after the right
 *   password; a new link is sent); after the link it signs in, with its organization;
 * - a link that is not one is 400 `VERIFICATION_TOKEN_INVALID`;
 * - with the setting off, sign-up still signs in at once and a taken email is still 409.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailVerificationRequired } from '../../server/auth/email-verification.ts';
import { STORES } from '../adversarial/support/stores.ts';
import { expectError, PASSWORD, signUp, type TestApp, uniqueEmail } from '../server/support/platform.ts';
import { linkIn, type Mailbox, startMailbox } from '../support/mailbox.ts';

describe.each(STORES)('verification required, on $name', (store) => {
  let t: TestApp;
  let mailbox: Mailbox;
  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await store.open({ requireEmailVerification: true, mail: { smtpUrl: mailbox.url }, rateLimit: { authPerMinute: 1e6, invalidPerMinute: 1e6 } });
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
    await mailbox.close();
  });

  const signUpAs = (email: string, name = 'Vera') => request(t.app).post('/api/auth/sign-up/email').send({ email, password: PASSWORD, name });
  const signIn = (email: string, password = PASSWORD) => request(t.app).post('/api/auth/sign-in/email').send({ email, password });
  const verificationToken = async (email: string, after = 0) => {
    const mail = await mailbox.waitFor(email, /verify-email/);
    expect(mailbox.received.filter((m) => m.to.includes(email) && /verify-email/.test(m.raw)).length).toBeGreaterThan(after);
    return linkIn(mail.raw, '/auth/verify-email?token=').searchParams.get('token')!;
  };

  it('answers a sign-up with a new email and with a taken one alike', async () => {
    const taken = uniqueEmail('taken');
    const first = await signUpAs(taken);
    const fresh = uniqueEmail('fresh');
    const [again, other] = [await signUpAs(taken, 'Mallory'), await signUpAs(fresh)];
    for (const res of [first, again, other]) {
      expect(res.status).toBe(202);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(Object.keys(res.body).sort()).toEqual(['email', 'verification_required']);
    }
    expect(again.body).toEqual({ email: taken, verification_required: true });
    expect(other.body).toEqual({ email: fresh, verification_required: true });
    // The owner of the taken address is told, with no secret; the new one gets a link.
    const notice = await mailbox.waitFor(taken, /tried to (create|sign up)/);
    expect(notice.raw).not.toMatch(/verify-email/);
    await verificationToken(fresh);
    // One account for the taken address, with one organization: the second sign-up changed nothing.
    const users = await t.db.kysely.selectFrom('user').select('id').where('email', '=', taken).execute();
    expect(users).toHaveLength(1);
    expect(await t.db.kysely.selectFrom('organization').select('id').where('owner_id', '=', users[0]!.id as string).execute()).toHaveLength(1);
  });

  it('an unverified account cannot sign in; after the emailed link it can', async () => {
    const email = uniqueEmail('unverified');
    expect((await signUpAs(email)).status).toBe(202);
    const token = await verificationToken(email);
    // A wrong password learns nothing about verification.
    expectError(await signIn(email, 'not-the-password-at-all'), 401, 'INVALID_CREDENTIALS');
    expectError(await signIn(email), 403, 'EMAIL_NOT_VERIFIED');
    // Refused sign-ins send a new link.
    await expect.poll(() => mailbox.received.filter((m) => m.to.includes(email) && /verify-email/.test(m.raw)).length).toBeGreaterThan(1);

    const verified = await request(t.app).get('/api/auth/verify-email').query({ token });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ status: true, user: expect.objectContaining({ email, email_verified: true }) });
    const signedIn = await signIn(email);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.email_verified).toBe(true);
    expect(signedIn.body.default_org_id).toMatch(/^org_/);
  });

  it('refuses a verification link that is not one (400 VERIFICATION_TOKEN_INVALID)', async () => {
    expectError(await request(t.app).get('/api/auth/verify-email').query({ token: 'not-a-token' }), 400, 'VERIFICATION_TOKEN_INVALID');
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlQGFjbWUuY29tIn0.c2lnbmF0dXJl';
    expectError(await request(t.app).get('/api/auth/verify-email').query({ token: forged }), 400, 'VERIFICATION_TOKEN_INVALID');
  });
});

describe('verification not required (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await STORES[0]!.open({ requireEmailVerification: false, rateLimit: { authPerMinute: 1e6 } });
  });
  afterAll(() => STORES[0]!.closeAll());

  it('signs up and in at once, and a taken email is still 409 EMAIL_TAKEN', async () => {
    const user = await signUp(t.app, 'noverify');
    expect(user.session).toEqual(expect.any(String));
    expectError(await request(t.app).post('/api/auth/sign-up/email').send({ email: user.email, password: PASSWORD, name: 'Again' }), 409, 'EMAIL_TAKEN');
  });

  it('reads the setting from SAASIGNAL_REQUIRE_EMAIL_VERIFICATION', () => {
    expect(emailVerificationRequired({})).toBe(false);
    expect(emailVerificationRequired({ SAASIGNAL_REQUIRE_EMAIL_VERIFICATION: 'true' })).toBe(true);
    expect(emailVerificationRequired({ SAASIGNAL_REQUIRE_EMAIL_VERIFICATION: '1' })).toBe(true);
    expect(emailVerificationRequired({ SAASIGNAL_REQUIRE_EMAIL_VERIFICATION: 'false' })).toBe(false);
  });
});
