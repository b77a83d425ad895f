/**
 * Cross-origin access for browser code using browser tokens (`bt_…`) or API tokens: any origin,
 * no credentials. Cookies are never sent cross-origin (`Access-Control-Allow-Credentials` is
 * absent), so a session cookie cannot be ridden by another site. Preflights are answered here,
 * before validation, since `OPTIONS` is not an operation of the document.
 *
 * @module server/http/cors
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import type { NextFunction, Request, Response } from 'express';

const EXPOSED = ['X-Request-Id', 'X-Microtokens-Used', 'RateLimit', 'RateLimit-Policy', 'Retry-After'].join(', ');

export function cors(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED);
  if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Api-Key');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
    return;
  }
  next();
}
