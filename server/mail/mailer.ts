/**
 * Outgoing email (invitation links, email verification, sign-up notices) through nodemailer over
 * SMTP when `SMTP_URL` is set (`smtp://user:pass@host:587`, `smtps://…:465`), from `SMTP_FROM`.
 * Without SMTP, outside production, each message is written to the log instead (the link
 * included), so a developer can follow it; in production it is dropped with a warning that names
 * the recipient but not the link (a log is no place for a secret meant for someone's inbox).
 *
 * Sending never fails the request that asked for it: a message that cannot be delivered is
 * logged, and the invitation link stays available to the inviter (the Dashboard's "Copy link").
 *
 * @module server/mail/mailer
 * @see https://nodemailer.com/smtp/
 */
import { SetupError } from '../startup/setup-error.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The one link the message is about: logged in development when there is no SMTP server. */
  link?: string;
}

export interface Mailer {
  /** Sends in the background; resolves when the message was handed over (or logged, or dropped). */
  send(mail: Mail): Promise<void>;
  /** How messages leave: `smtp`, or `log` without SMTP. */
  readonly transport: 'smtp' | 'log';
  close(): void;
}

export type MailLog = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;

export interface MailerOptions {
  /** `smtp://` or `smtps://` URL (default `SMTP_URL`); unset: messages go to the log. */
  smtpUrl?: string;
  /** The sender (default `SMTP_FROM`, else `SaaSignal <no-reply@HOST>` for the base URL's host). */
  from?: string;
  /** Whether links may be written to the log when there is no SMTP (default: unless NODE_ENV=production). */
  logLinks?: boolean;
  log: MailLog;
}

/** Refuses an SMTP_URL nodemailer could not use, at start, in one line. */
function checkSmtpUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SetupError('SMTP_URL is not a URL: use smtp://user:password@host:587 or smtps://user:password@host:465');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new SetupError(`SMTP_URL uses ${parsed.protocol} : use smtp://user:password@host:587 or smtps://user:password@host:465`);
  }
}

export function mailSettings(env: NodeJS.ProcessEnv = process.env): Pick<MailerOptions, 'smtpUrl' | 'from' | 'logLinks'> {
  const smtpUrl = env.SMTP_URL?.trim() || undefined;
  if (smtpUrl) checkSmtpUrl(smtpUrl);
  const host = (() => {
    try {
      return new URL(env.SAASIGNAL_BASE_URL || 'http://localhost:3000').hostname;
    } catch {
      return 'localhost';
    }
  })();
  return { smtpUrl, from: env.SMTP_FROM?.trim() || `SaaSignal <no-reply@${host}>`, logLinks: env.NODE_ENV !== 'production' };
}

export function createMailer(options: MailerOptions): Mailer {
  const { log } = options;
  if (!options.smtpUrl) {
    return {
      transport: 'log',
      async send(mail) {
        if (options.logLinks ?? true) log('info', 'email not sent (no SMTP_URL): its content follows', { to: mail.to, subject: mail.subject, link: mail.link });
        else log('warn', 'email not sent: SMTP_URL is not set', { to: mail.to, subject: mail.subject });
      },
      close() {},
    };
  }
  const smtpUrl = options.smtpUrl;
  // nodemailer is loaded only when there is SMTP to speak to.
  const transporter = import('nodemailer').then(({ default: nodemailer }) =>
    nodemailer.createTransport(smtpUrl, { from: options.from }),
  );
  return {
    transport: 'smtp',
    async send(mail) {
      try {
        await (await transporter).sendMail({ to: mail.to, subject: mail.subject, text: mail.text });
      } catch (err) {
        log('error', 'email could not be sent', { to: mail.to, subject: mail.subject, error: err instanceof Error ? err.message : String(err) });
      }
    },
    close() {
      void transporter.then((t) => t.close());
    },
  };
}
