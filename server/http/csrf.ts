/**
 * Cross-site request forgery: a browser attaches the session cookie to a request that any site
 * makes, and a form or `fetch(…, {mode: 'no-cors'})` may POST `text/plain` without a preflight.
 * So every state-changing request that a cookie authenticates must come from a trusted origin:
 * the server's own (its `Host`, or `SAASIGNAL_BASE_URL`) or one of `SAASIGNAL_TRUSTED_ORIGINS`.
 * Anything else is a 403 `CSRF_REJECTED`, before the credential is even looked at.
 *
 * Browsers send `Origin` on every cross-origin POST, PUT, PATCH and DELETE; when it is missing the
 * request came from something that is not a browser page (curl, a server), which a forged request
 * cannot be — unless `Sec-Fetch-Site` or `Referer` say otherwise. Requests with `Authorization` or
 * `X-Api-Key` are not checked: a browser never adds those by itself, and they take precedence
 * over the cookie (server/auth/identify.ts).
 *
 * @module server/http/csrf
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html#using-standard-headers-to-verify-origin
 */
import type { NextFunction, Request, Response } from 'express';
import { SESSION_COOKIE_NAMES } from '../auth/session-cookie.ts';
import { ApiError } from '../errors.ts';
import { originOf } from './origins.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function carriesSessionCookie(req: Request): boolean {
  const header = req.get('cookie');
  if (!header) return false;
  return header.split(';').some((part) => SESSION_COOKIE_NAMES.includes(part.slice(0, part.indexOf('=')).trim() as never));
}

/** Where the request says it comes from: an origin, `'unknown'` (no browser said), or `'foreign'`. */
function sourceOf(req: Request): string | 'unknown' | 'foreign' {
  const origin = req.get('origin');
  // `Origin: null` (sandboxed frames, some redirects, file://) can never be trusted.
  if (origin !== undefined) return originOf(origin) ?? 'foreign';
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'foreign';
  const referer = req.get('referer');
  if (referer !== undefined) return originOf(referer) ?? 'foreign';
  return 'unknown';
}

/** Middleware for operations a session may call; `trusted` from `trustedOrigins(env)`. */
export function csrf(trusted: readonly string[]) {
  const allowed = new Set(trusted);
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method) || req.get('authorization') !== undefined || req.get('x-api-key') !== undefined || !carriesSessionCookie(req)) {
      return next();
    }
    const source = sourceOf(req);
    if (source === 'unknown' || allowed.has(source) || source === `${req.protocol}://${req.get('host')}`) return next();
    next(
      new ApiError(
        'CSRF_REJECTED',
        `A cookie-authenticated ${req.method} must come from this server's own origin or a trusted origin (SAASIGNAL_TRUSTED_ORIGINS); it came from ${source === 'foreign' ? 'an untrusted page' : source}.`,
      ),
    );
  };
}
