/**
 * Where event streams meet the request pipeline: `admitStreams` is the middleware (after
 * authorization, before metering) that counts a new stream or refuses it with 429, so that a
 * refused stream is never charged; `StreamGuard` is what the channel handler asks to supervise
 * the stream it opens (server/streams/supervisor.ts).
 *
 * @module server/streams/guard
 */
import type { NextFunction, Request, Response } from 'express';
import type { Locals } from '../context.ts';
import type { OperationInfo } from '../spec.ts';
import type { Supervisor } from './supervisor.ts';

export type StreamGuard = Pick<Supervisor, 'watch'>;

/** The admission middleware of one operation (a no-op unless its answer is an event stream). */
export function admitStreams(op: OperationInfo, supervisor: Supervisor) {
  return async (_req: Request, res: Response<unknown, Locals>, next: NextFunction): Promise<void> => {
    if (!op.stream || !res.locals.auth) return next();
    await supervisor.admit(res, res.locals.auth, op.pricePerMinute ?? 0);
    next();
  };
}
