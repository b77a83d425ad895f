/**
 * Gives every request an id (`req_` + ULID), echoed in `X-Request-Id` on every response and in
 * every error envelope, so a user's report can be matched with the server's log.
 *
 * @module server/http/request-id
 */
import type { NextFunction, Request, Response } from 'express';
import type { Locals } from '../context.ts';
import { newId } from '../ids.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';

export function requestId(_req: Request, res: Response<unknown, Locals>, next: NextFunction): void {
  // Always our own: an id chosen by the client could collide with or impersonate another request's.
  res.locals.requestId = newId('req');
  res.setHeader(REQUEST_ID_HEADER, res.locals.requestId);
  next();
}
