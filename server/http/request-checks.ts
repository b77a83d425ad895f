/**
 * Request checks: what an operation refuses from the request alone (a value over 256 KB, an
 * increment `delta` past the safe range, a cursor this API did not issue), run after
 * authorization and before idempotency and metering. A request refused here did no work, so it
 * is never charged (issue 13, item 16) and its refusal is never kept as an idempotent answer.
 * The handler may rely on its check having passed.
 *
 * @module server/http/request-checks
 */
import type { NextFunction, Request, Response } from 'express';
import type { OperationId } from '../spec.ts';

/** Throws an `ApiError` for a request the operation refuses without doing anything. */
export type RequestCheck = (req: Request) => void;
export type RequestChecks = Partial<Record<OperationId, RequestCheck>>;

const pass = (_req: Request, _res: Response, next: NextFunction) => next();

export function checkRequest(check: RequestCheck | undefined) {
  if (!check) return pass;
  return (req: Request, _res: Response, next: NextFunction) => {
    check(req);
    next();
  };
}
