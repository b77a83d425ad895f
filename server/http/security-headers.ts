/**
 * Security headers, set by helmet rather than by hand: `X-Content-Type-Options: nosniff` and the
 * rest of helmet's defaults on every answer; a Content-Security-Policy with `frame-ancestors
 * 'none'` (no page of this server may be framed: clickjacking); and `Cache-Control: no-store` on
 * every answer of an operation (sessions, token secrets and data must never sit in a shared or
 * browser cache).
 *
 * API answers (JSON) get the strictest policy, nothing may load at all. HTML pages get their own
 * policy from {@link pageHeaders}: the docs site's (its inline Redoc bundle) and the Dashboard's.
 *
 * @module server/http/security-headers
 * @see https://helmetjs.github.io/
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

export type CspDirectives = Record<string, string[]>;

/** JSON needs nothing from a browser; a JSON answer opened as a page may not run or frame anything. */
export const API_CSP: CspDirectives = {
  'default-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

/** Parses `a b; c d` (a `<meta>` policy) into directives. */
export function parseCsp(policy: string): CspDirectives {
  return Object.fromEntries(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name, values]),
  );
}

/**
 * For fixed options, helmet sets the same headers on every answer: they are recorded once, when the
 * app is built, and set without running helmet's dozen middlewares (and their `next` hops) on every
 * request (issue 16). helmet stays the source of every name and value.
 */
export function replayed(middleware: RequestHandler): RequestHandler {
  const calls: [name: string, value: string | undefined][] = [];
  const recorder = {
    setHeader: (name: string, value: string) => calls.push([name, value]),
    removeHeader: (name: string) => calls.push([name, undefined]),
  };
  let finished = false;
  middleware({} as Request, recorder as unknown as Response, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  if (!finished) throw new Error('security headers: helmet did not finish at once, so its headers would depend on the request');
  return (_req, res, next) => {
    for (const [name, value] of calls) {
      if (value === undefined) res.removeHeader(name);
      else res.setHeader(name, value);
    }
    next();
  };
}

function headersWith(directives: CspDirectives, httpsOnly: boolean): RequestHandler {
  return replayed(helmetWith(directives, httpsOnly));
}

/** helmet itself, with this server's options (exported for the test that compares it with {@link replayed}). */
export function helmetWith(directives: CspDirectives, httpsOnly: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { ...directives, 'frame-ancestors': ["'none'"] } },
    // API answers are read cross-origin by design (browser tokens, CORS in server/http/cors.ts).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Strict-Transport-Security only means something over https; over http browsers ignore it.
    strictTransportSecurity: httpsOnly ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  }) as RequestHandler;
}

/** Whether the server is reached over https (`SAASIGNAL_BASE_URL`). */
const behindHttps = (env: NodeJS.ProcessEnv) => (env.SAASIGNAL_BASE_URL ?? '').startsWith('https:');

/** Every answer: helmet's headers with the API's policy (pages override the policy). */
export function securityHeaders(env: NodeJS.ProcessEnv = process.env): RequestHandler {
  return headersWith(API_CSP, behindHttps(env));
}

/**
 * The headers of an HTML page with its own Content-Security-Policy (`frame-ancestors 'none'` is
 * always added). Mount it on the page's route, after {@link securityHeaders}:
 *
 * @example
 *   app.use('/dashboard', pageHeaders({ 'default-src': ["'self'"], 'connect-src': ["'self'"], 'img-src': ["'self'", 'data:'] }));
 */
export function pageHeaders(directives: CspDirectives, env: NodeJS.ProcessEnv = process.env): RequestHandler {
  return headersWith(directives, behindHttps(env));
}

/** `Cache-Control: no-store` for an operation's answer (errors included). */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}
