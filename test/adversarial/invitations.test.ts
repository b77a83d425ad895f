/**
 * Issue 13, item 6: accepting an invitation proves control of the invited address. On both
 * stores, with the invitation email delivered over SMTP to a server this test runs on 127.0.0.1:
 *
 * - whoever signs up first with the invited email does not get the invitation: accepting without
 *   the emailed link's secret, or with a made-up one, is 403 `INVITATION_PROOF_REQUIRED`, and the
 *   invitation stays pending;
 * - the secret arrives by email (a Dashboard link `…/invitations/<id>?token=…`), works once, and
 *   is stored only as its SHA-256; inviting again makes the old link useless;
 * - an account whose email is verified accepts without the link;
 * - without SMTP, in development, the link is written to the log; in production it is not.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../server/mail/mailer.ts';
import { invitationMail } from '../../server/mail/messages.ts';
import { bearer, expectError, inviteToken, signUp, type TestApp, type User } from '../server/support/platform.ts';
import { linkIn, type Mailbox, startMailbox } from '../support/mailbox.ts';
import { STORES } from './support/stores.ts';

const FROM = 'SaaSignal Test <no-reply@saasignal.test>';

describe.each(STORES)('on $name', (store) => {
  let t: TestApp;
  let owner: User;
  let mailbox: Mailbox;
  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await store.open({ rateLimit: { livePerMinute: 1e6, authPerMinute: 1e6 }, mail: { smtpUrl: mailbox.url, from: FROM } });
    owner = await signUp(t.app, 'inv-proof-owner');
  }, 60_000);
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await store.closeAll();
    await mailbox.close();
  });

  const invite = (email: string) =>
    request(t.app).post(`/core/organizations/${owner.orgId}/members/invite`).set(bearer(owner.session)).send({ email, scopes: ['orgs:read'] });
  const accept = (user: User, id: string, body?: object) => {
    const req = request(t.app).post(`/core/invitations/${id}/accept`).set(bearer(user.session));
    return body ? req.send(body) : req;
  };
  const pendingIds = async () =>
    (await request(t.app).get(`/core/organizations/${owner.orgId}/invitations`).set(bearer(owner.session))).body.invitations.map((i: { id: string }) => i.id);

  it('signing up with the invited email is not enough: the emailed secret is', async () => {
    // The squatter signs up with the address first; the address's owner never did anything.
    const squatter = await signUp(t.app, 'inv-squat');
    const invited = await invite(squatter.email);
    expect(invited.status).toBe(202);
    const id: string = invited.body.id;

    expectError(await accept(squatter, id), 403, 'INVITATION_PROOF_REQUIRED');
    expectError(await accept(squatter, id, {}), 403, 'INVITATION_PROOF_REQUIRED');
    expectError(await accept(squatter, id, { token: 'a-guessed-secret' }), 403, 'INVITATION_PROOF_REQUIRED');
    expectError(await accept(squatter, id, { token: inviteToken(invited.body).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }), 403, 'INVITATION_PROOF_REQUIRED');
    expect(await pendingIds()).toContain(id);
    expectError(await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(squatter.session)), 404, 'NOT_FOUND');

    // The one who reads the inbox has the link: it is the Dashboard page of this invitation.
    const mail = await mailbox.waitFor(squatter.email, new RegExp(`/invitations/${id}`));
    expect(mail.from).toBe('no-reply@saasignal.test');
    expect(mail.raw).toMatch(/^From: SaaSignal Test <no-reply@saasignal\.test>/m);
    const link = linkIn(mail.raw, `/invitations/${id}?token=`);
    expect(link.href).toBe(invited.body.accept_url);
    const joined = await accept(squatter, id, { token: link.searchParams.get('token') });
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ user_id: squatter.userId, scopes: ['orgs:read'] });
    // Once.
    expectError(await accept(squatter, id, { token: link.searchParams.get('token') }), 404, 'NOT_FOUND');
  });

  it('keeps only a hash of the secret, and inviting again makes the old link useless', async () => {
    const invitee = await signUp(t.app, 'inv-hash');
    const first = await invite(invitee.email);
    const secret = inviteToken(first.body);
    const row = await t.db.kysely.selectFrom('invitation').selectAll().where('id', '=', first.body.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);

    const second = await invite(invitee.email);
    expect(inviteToken(second.body)).not.toBe(secret);
    // The first invitation is gone; its secret does not open the second.
    expectError(await accept(invitee, first.body.id, { token: secret }), 404, 'NOT_FOUND');
    expectError(await accept(invitee, second.body.id, { token: secret }), 403, 'INVITATION_PROOF_REQUIRED');
    expect((await accept(invitee, second.body.id, { token: inviteToken(second.body) })).status).toBe(200);
  });

  it("the link is someone else's no more than the invitation is: another account with it gets 404", async () => {
    const invitee = await signUp(t.app, 'inv-theirs');
    const other = await signUp(t.app, 'inv-other');
    const invited = await invite(invitee.email);
    expectError(await accept(other, invited.body.id, { token: inviteToken(invited.body) }), 404, 'NOT_FOUND');
    expect(await pendingIds()).toContain(invited.body.id);
  });

  it('an account whose email is verified accepts without the link', async () => {
    const invitee = await signUp(t.app, 'inv-verified');
    // Every sign-up is sent a verification link; following it verifies the address.
    const verification = linkIn((await mailbox.waitFor(invitee.email, /verify-email/)).raw, '/auth/verify-email?token=');
    const verified = await request(t.app).get('/api/auth/verify-email').query({ token: verification.searchParams.get('token') });
    expect(verified.status).toBe(200);
    expect(verified.body.user).toMatchObject({ id: invitee.userId, email_verified: true });
    const invited = await invite(invitee.email);
    expect((await accept(invitee, invited.body.id)).status).toBe(200);
  });
});

describe('without SMTP', () => {
  const mail = invitationMail('dev@example.com', { orgName: 'Acme', link: 'http://localhost:3000/invitations/inv_1?token=s3cret', expiresAt: '2030-01-01T00:00:00.000Z' });

  it('in development, writes the message and its link to the log', async () => {
    const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
    const mailer = createMailer({ log: (level, message, fields) => lines.push({ level, message, fields }), logLinks: true });
    expect(mailer.transport).toBe('log');
    await mailer.send(mail);
    expect(lines).toEqual([{ level: 'info', message: expect.stringContaining('no SMTP_URL'), fields: { to: 'dev@example.com', subject: mail.subject, link: mail.link } }]);
  });

  it('in production, says the message was not sent, without its link', async () => {
    const lines: string[] = [];
    const mailer = createMailer({ log: (level, message, fields) => lines.push(JSON.stringify({ level, message, fields })), logLinks: false });
    await mailer.send(mail);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"level":"warn"');
    expect(lines[0]).not.toContain('s3cret');
  });
});
