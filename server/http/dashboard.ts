/**
 * Serves the Dashboard (generated/dashboard) at `/`: its fingerprinted files under `/assets/` cached
 * immutably, and index.html (never cached) for the Dashboard's own pages only (dashboard/src/paths.ts);
 * any other path goes on to the API, so an unknown API path still gets the JSON error envelope.
 * Its responses carry a Content-Security-Policy of their own: everything from this origin, images
 * also as `data:` URLs, no framing.
 *
 * @module server/http/dashboard
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { isDashboardPath } from '../../dashboard/src/paths.ts';
import { ApiError } from '../errors.ts';
import { pageHeaders, parseCsp } from './security-headers.ts';

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const YEAR_SECONDS = 365 * 24 * 3600;

export function dashboard(dir: string): Router {
  const router = Router();
  const index = join(dir, 'index.html');
  // helmet, as for every answer (security-headers.ts), with the Dashboard's policy instead of the API's.
  const headers = pageHeaders(parseCsp(DASHBOARD_CSP));
  router.use('/assets', headers, express.static(join(dir, 'assets'), { immutable: true, maxAge: YEAR_SECONDS * 1000, index: false }));
  router.get(/.*/, (req: Request, res: Response, next: NextFunction) => {
    if (!isDashboardPath(req.path)) return next();
    // npm start builds it in the background on a fresh checkout: say so, in the API's envelope.
    if (!existsSync(index)) throw new ApiError('SERVICE_UNAVAILABLE', 'The Dashboard is being built; reload in a few seconds.', { headers: { 'Retry-After': '5' } });
    headers(req, res, (err?: unknown) => {
      if (err) return next(err);
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  });
  return router;
}
