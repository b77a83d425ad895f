/**
 * The request log: one JSON line per answered request, written when the answer is finished (or
 * the client went away): method, route template, status, duration in ms and request id. Never
 * the URL, a header or a body: paths hold KV keys and channel names, query strings hold browser
 * tokens, headers hold credentials. A request no route matched logs `route: null`.
 * Comes right after `requestId` (server/app.ts), so that every line carries the id the client
 * sees in `X-Request-Id`. 5xx answers log at `error`, the rest at `info`.
 *
 * @module server/http/request-log
 * @see https://github.com/pinojs/pino-http
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
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

export function requestLog(logger: Logger): RequestHandler {
  const middleware = pinoHttp<Request, Response>({
    logger,
    // The line is built from these fields alone: no serialized request or response objects.
    serializers: { req: () => undefined, res: () => undefined, err: () => undefined },
    wrapSerializers: false,
    quietReqLogger: true,
    quietResLogger: true,
    genReqId: (_req, res) => (res as Response<unknown, Locals>).locals.requestId,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
    customProps: (req, res) =>
      res.headersSent || res.writableFinished
        ? {
            method: req.method,
            route: routeOf(req),
            status: res.statusCode,
          }
        : {},
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
  });
  return middleware as unknown as RequestHandler;
}
