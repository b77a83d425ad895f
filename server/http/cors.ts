/**
 * Cross-origin access. Two kinds of browser callers exist:
 *
 * - any origin, with a bearer credential it holds itself (a browser token `bt_…`, or a session
 *   token sent as `Authorization: Bearer`): `Access-Control-Allow-Origin: *`, no credentials, so
 *   the browser never attaches the session cookie and no other site can ride it;
 * - a trusted origin (`SAASIGNAL_TRUSTED_ORIGINS`, see ./origins.ts): its own origin echoed with
 *   `Access-Control-Allow-Credentials: true`, so a fetch with `credentials: 'include'` sends the
 *   session cookie and can read the answer. The cookie is `SameSite=Lax`: browsers attach it only
 *   when the app is on the same site (e.g. `app.example.com` calling `api.example.com`).
 *
 * The Dashboard and docs are served by the server itself (same origin) and need neither.
 * Preflights are answered here, before validation, since `OPTIONS` is not an operation of the
 * document. `Vary: Origin` keeps caches from serving one origin's answer to another.
 *
 * @module server/http/cors
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import type { NextFunction, Request, Response } from 'express';

const EXPOSED = ['X-Request-Id', 'X-Microtokens-Used', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'Allow', 'Idempotent-Replayed'].join(', ');

export function cors(trusted: readonly string[]) {
  const credentialed = new Set(trusted);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    res.setHeader('Vary', 'Origin');
    if (origin !== undefined && credentialed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    } else {
      res.setHeader('Access-Control-Allow-Origin', '*');
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSED);
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Api-Key, Idempotency-Key, Last-Event-ID');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
