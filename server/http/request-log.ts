/**
 * The request log: one JSON line per answered request, written when the answer is finished (or
 * the client went away): method, route template, status, duration in ms and request id. Never
 * the URL, a header or a body: paths hold KV keys and channel names, query strings hold browser
 * tokens, headers hold credentials. A request no route matched logs `route: null`.
 * Comes right after `requestId` (server/app.ts), so that every line carries the id the client
 * sees in `X-Request-Id`. 5xx answers log at `error`; an answer the client left before it was
 * complete at `warn` (`aborted: true`); the rest, event streams ended by either side included, at `info`.
 *
 * @module server/http/request-log
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Locals } from '../context.ts';

/**
 * The route template that answered (`/infra/kv/:key`); for a request the validator refused
 * before any route ran, the template it matched in the document; where a static site is mounted.
 */
function routeOf(req: Request): string | null {
  if (req.route?.path && typeof req.route.path === 'string') return `${req.baseUrl}${req.route.path}`;
  const matched = (req as Request & { openapi?: { expressRoute?: unknown } }).openapi?.expressRoute;
  if (typeof matched === 'string') return matched;
  return req.baseUrl ? `${req.baseUrl}/*` : null;
}

/**
 * Written on the response's `close` (after `finish`, or when the client went away first). One
 * call of the logger per request: pino-http (no longer a dependency) built a child logger and its bindings for every
 * request (~5% of a KV get's CPU, issue 16), for a line this small.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = Date.now();
    res.once('close', () => {
      const answered = res.headersSent || res.writableFinished;
      // An event stream ends when either side closes it: a client going away is its normal end.
      // Any other answer the client left before it was complete is `aborted`, a warning: the
      // client's doing, not a failure of the server (only a 5xx is `error`, which operators alert on).
      const stream = answered && String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
      const aborted = !res.writableFinished && !stream;
      const level = answered && res.statusCode >= 500 ? 'error' : aborted ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const fields: Record<string, unknown> = { request_id: (res as Response<unknown, Locals>).locals.requestId };
      if (answered) Object.assign(fields, { method: req.method, route: routeOf(req), status: res.statusCode });
      if (aborted) fields.aborted = true;
      fields.duration_ms = Date.now() - started;
      logger[level](fields, 'request');
    });
    next();
  };
}
