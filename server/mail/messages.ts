/**
 * The text of every message the server sends. Plain text: each carries one link, to a page of
 * the Dashboard on the server's public origin (`SAASIGNAL_BASE_URL`).
 *
 * @module server/mail/messages
 */
import type { Mail } from './mailer.ts';

export function invitationMail(to: string, { orgName, link, expiresAt }: { orgName: string; link: string; expiresAt: string }): Mail {
  return {
    to,
    subject: `You are invited to join ${orgName} on SaaSignal`,
    link,
    text:
      `You were invited to join the organization "${orgName}" on SaaSignal.\n\n` +
      `Open this link to accept (sign in, or sign up with ${to}, first):\n${link}\n\n` +
      `The link works once, for ${to} only, until ${expiresAt}. If you did not expect it, ignore this message.\n`,
  };
}

export function verificationMail(to: string, link: string): Mail {
  return {
    to,
    subject: 'Verify your email address for SaaSignal',
    link,
    text: `Open this link to verify ${to} and finish signing up to SaaSignal:\n${link}\n\nThe link works for one hour. If you did not sign up, ignore this message.\n`,
  };
}

/** To the owner of an address someone tried to sign up with again: no secret in it, only where to sign in. */
export function existingAccountMail(to: string, signInLink: string): Mail {
  return {
    to,
    subject: 'Someone tried to sign up to SaaSignal with your email',
    link: signInLink,
    text:
      `Someone (perhaps you) tried to create a SaaSignal account with ${to}, which already has one. ` +
      `Nothing was changed.\n\nIf it was you, sign in instead:\n${signInLink}\n\nIf it was not, you can ignore this message.\n`,
  };
}
