/**
 * Settings that start a server which works but is unsafe, told once at start in plain words.
 * The server still starts: a warning is for the operator, a refusal to start would be an outage.
 *
 * @module server/startup-warnings
 */
import { emailVerificationRequired } from './auth/email-verification.ts';
import { defaultBaseUrl } from './http/origins.ts';

export function startupWarnings(env: NodeJS.ProcessEnv = process.env): string[] {
  const warnings: string[] = [];
  const baseUrl = env.SAASIGNAL_BASE_URL || defaultBaseUrl(env);
  if (env.NODE_ENV === 'production' && !baseUrl.startsWith('https://')) {
    warnings.push(
      `NODE_ENV=production but SAASIGNAL_BASE_URL is ${env.SAASIGNAL_BASE_URL ? `"${baseUrl}"` : 'not set'}, not an https:// URL: ` +
        'the session cookie is sent without the Secure attribute, so any network hop can read and reuse sessions. ' +
        'Serve the API over https (e.g. behind a TLS-terminating proxy) and set SAASIGNAL_BASE_URL=https://your-host.',
    );
  }
  if (env.NODE_ENV === 'production' && !env.SMTP_URL?.trim()) {
    warnings.push(
      'NODE_ENV=production but SMTP_URL is not set: invitation and verification emails are dropped, not sent ' +
        '(their links are never logged in production). ' +
        (emailVerificationRequired(env)
          ? 'With SAASIGNAL_REQUIRE_EMAIL_VERIFICATION on, no new account can verify its email and sign in. '
          : 'Invitation links can still be copied in the Dashboard. ') +
        'Set SMTP_URL=smtps://user:password@host:465 (and SMTP_FROM) to deliver them.',
    );
  }
  return warnings;
}
