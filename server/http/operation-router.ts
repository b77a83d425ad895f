/**
 * Runs each operation's chain (limits, authentication, authorization, metering, handler) without
 * Express's router. Mounted once, after the validator: the validator has already found the
 * request's operation in the document (server/http/openapi-validation.ts), so this looks the chain
 * up by that route and method instead of letting the router try every route of the document in
 * turn, each through a path RegExp and a layer of its own (the KV routes came ~30th; the router's
 * own code was 8% of a KV get's CPU profile, issue 16).
 *
 * The chain runs as Express runs a route's handlers: in order, each given `next`; a thrown error
 * or a rejected promise, like `next(err)`, goes to the app's error handler; a chain that calls
 * `next()` past its last handler goes on to the app's next layer (the 404). No operation path of
 * the document can match another's (a test holds it), so the validator's choice of route is the
 * one Express's document-order scan made.
 *
 * @module server/http/operation-router
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The validator's annotation of a request it matched to an operation of the document. */
interface MatchedRequest extends Request {
  openapi?: { expressRoute: string; pathParams: Record<string, string> };
}

export interface OperationRoute {
  method: string;
  /** The Express path of the operation (`/infra/kv/:key`), as the validator names its routes. */
  expressPath: string;
  handlers: readonly RequestHandler[];
}

/** `GET /infra/kv/:key` → its handlers. */
const routeKey = (method: string, expressPath: string) => `${method.toUpperCase()} ${expressPath}`;

/** Runs `handlers` in order; `done(err)` after an error, `done()` when the last one called `next()`. */
export function runChain(handlers: readonly RequestHandler[], req: Request, res: Response, done: NextFunction): void {
  let i = 0;
  const next = (err?: unknown): void => {
    // `next('route')` / `next('router')` leave the route as they do in Express (none of ours uses them).
    if (err === 'route' || err === 'router') return done();
    if (err !== undefined && err !== null) return done(err);
    const handler = handlers[i++];
    if (!handler) return done();
    try {
      const result = handler(req, res, next) as unknown;
      // As Express 5's router: a rejected promise is `next(err)`.
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, (error: unknown) => next(error ?? new Error('Rejected promise')));
      }
    } catch (error) {
      next(error);
    }
  };
  next();
}

export function operationRouter(routes: readonly OperationRoute[]): RequestHandler {
  const chains = new Map(routes.map((r) => [routeKey(r.method, r.expressPath), r.handlers]));
  return (req, res, next) => {
    const matched = (req as MatchedRequest).openapi;
    const handlers = matched === undefined ? undefined : chains.get(routeKey(req.method, matched.expressRoute));
    if (!handlers) return next();
    // The path parameters as the validator decoded them (Express gives each layer its own `params`).
    req.params = { ...matched!.pathParams };
    runChain(handlers, req, res, next);
  };
}
