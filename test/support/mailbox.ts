/**
 * Where tests read the mail the server sends: a real SMTP server of their own on 127.0.0.1
 * (`smtp-server`), or, for a server process without SMTP, the mail lines of its log.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface Mailbox {
  /** `smtp://127.0.0.1:<port>` */
  url: string;
  received: ReceivedMail[];
  /** The first message to `to` whose text matches `pattern`, waiting up to `ms` for it. */
  waitFor(to: string, pattern?: RegExp, ms?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** An SMTP server on a free loopback port that keeps every message (no TLS, no authentication). */
export async function startMailbox(): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: unfold(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    async waitFor(to, pattern = /./, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = received.find((m) => m.to.includes(to) && pattern.test(m.raw));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${pattern} within ${ms} ms (got ${received.length})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A message's text as sent: quoted-printable soft line breaks and `=XX` escapes undone. */
function unfold(raw: string): string {
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(raw)) return raw;
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The first link in `text` to `path` on any origin (e.g. `/invitations/`), with its query. */
export function linkIn(text: string, path: string): URL {
  const match = new RegExp(`https?://[^\\s"<>]*${path.replace(/[/?]/g, (c) => `\\${c}`)}[^\\s"<>]*`).exec(text);
  if (!match) throw new Error(`no ${path} link in: ${text.slice(0, 500)}`);
  return new URL(match[0]);
}

/**
 * The link of the last message the server logged for `to` (no SMTP: see server/mail/mailer.ts),
 * from a server process's output, waiting up to `ms` for it.
 */
export async function loggedLink(output: () => string, to: string, ms = 10_000): Promise<URL> {
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = output().split('\n').filter((l) => l.startsWith('{'));
    const mails = lines.map((l) => JSON.parse(l) as { to?: string; link?: string }).filter((l) => l.to === to && l.link);
    if (mails.length) return new URL(mails[mails.length - 1]!.link!);
    if (Date.now() > deadline) throw new Error(`the server logged no mail to ${to} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
