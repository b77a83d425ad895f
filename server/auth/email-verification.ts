/**
 * The email-verification setting and link, apart from better-auth.ts (which is slow to load).
 *
 * `SAASIGNAL_REQUIRE_EMAIL_VERIFICATION` on: an account signs in only once its email is verified
 * (through the link sent at sign-up, and again at each sign-in refused for it), and sign-up
 * answers alike whether or not the email already has an account (202; the existing account gets
 * a notice instead). Off (the default): sign-up signs in at once and a taken email is 409.
 *
 * @module server/auth/email-verification
 * @see spec/guides/authentication.md
 */
import { baseUrl } from '../http/origins.ts';

export function emailVerificationRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(true|1|yes|on)$/i.test(env.SAASIGNAL_REQUIRE_EMAIL_VERIFICATION?.trim() ?? '');
}

/** The Dashboard page that verifies an email (dashboard/src/routes/VerifyEmail.tsx). */
export const verificationLink = (token: string): string => `${baseUrl()}/auth/verify-email?token=${encodeURIComponent(token)}`;
