/**
 * Metering: charges a metered operation (`x-price-microtokens`, or for a batch the sum of
 * `x-price-microtokens-by-op` over its ops) after authentication and validation, before the
 * handler runs. The charge is announced in `X-Microtokens-Used` on whatever answer follows, so the
 * balance drops by exactly the sum of the headers, and the usage records (usage.ts) grow by it.
 * Test-mode credentials are never charged.
 *
 * @module server/billing/meter
 */
import type { NextFunction, Request, Response } from 'express';
import type { Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { OperationInfo } from '../spec.ts';
import type { Ledger } from './ledger.ts';

export const USED_HEADER = 'X-Microtokens-Used';

/** The price of this request in μt, or null when the operation is not metered. */
export function priceOf(op: OperationInfo, body: unknown): number | null {
  if (op.priceByOp) {
    const ops = (body as { ops?: { op: string }[] } | undefined)?.ops ?? [];
    return ops.reduce((sum, o) => sum + (op.priceByOp![o.op] ?? 0), 0);
  }
  return op.price;
}

export function meter(op: OperationInfo, ledger: Ledger) {
  return async (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
    const price = priceOf(op, req.body);
    if (price === null) return next();
    const auth = res.locals.auth;
    // Test mode is never charged; nor is a call whose price is 0 (an empty batch), even on a spent balance.
    if (auth.mode === 'test' || price === 0) {
      res.setHeader(USED_HEADER, '0');
      return next();
    }
    // Charged against this instance's hold, with its usage record (written within a second, see ledger.ts).
    const charged = ledger.charge(auth.orgId!, op.operationId, price);
    if (!(charged === true || (await charged))) {
      res.setHeader(USED_HEADER, '0');
      throw new ApiError('INSUFFICIENT_TOKENS', `This call costs ${price} μt and the organization's balance is lower. Top it up to continue.`);
    }
    res.setHeader(USED_HEADER, String(price));
    next();
  };
}
