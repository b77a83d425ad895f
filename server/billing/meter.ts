/**
 * Metering: charges a metered operation (`x-price-microtokens`, or for a batch the sum of
 * `x-price-microtokens-by-op` over its ops) after authentication, validation and the request's
 * own checks (server/http/request-checks.ts), before the handler runs: a request refused before
 * any work is never charged. The handler may then add the price of what it finds on the way, the
 * size of a value it read (`x-price-microtokens-per-64kb`, see {@link sizePrice}), through the
 * request's {@link RequestMeter} on `res.locals.meter`. Everything charged is announced in
 * `X-Microtokens-Used` on whatever answer follows, so the balance drops by exactly the sum of the
 * headers, and the usage records (usage.ts) grow by it. Test-mode credentials are never charged.
 *
 * @module server/billing/meter
 */
import type { NextFunction, Request, Response } from 'express';
import type { Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { OperationInfo } from '../spec.ts';
import type { Ledger } from './ledger.ts';

export const USED_HEADER = 'X-Microtokens-Used';

/** The size unit of `x-price-microtokens-per-64kb`. */
export const SIZE_BLOCK_BYTES = 65_536;

/** The price of this request in μt, or null when the operation is not metered. */
export function priceOf(op: OperationInfo, body: unknown): number | null {
  if (op.priceByOp) {
    const ops = (body as { ops?: { op: string }[] } | undefined)?.ops ?? [];
    return ops.reduce((sum, o) => sum + (op.priceByOp![o.op] ?? 0), 0);
  }
  return op.price;
}

/**
 * What reading a value of `bytes` costs on top of the call: `per64KB` for each started 64 KB past
 * the first, so that small values cost the call alone and a 256 KB value costs 3 more.
 */
export function sizePrice(bytes: number, per64KB: number | null): number {
  if (!per64KB) return 0;
  return Math.max(0, Math.ceil(bytes / SIZE_BLOCK_BYTES) - 1) * per64KB;
}

/** The running charge of one metered request, for its handler. */
export interface RequestMeter {
  /** The operation's price per started 64 KB past the first (null: reads are not priced by size). */
  readonly pricePer64KB: number | null;
  /**
   * Charges `microtokens` more for work this request did, announced in `X-Microtokens-Used` with
   * the rest. False, and nothing charged, when the balance cannot pay: the handler then leaves out
   * what it would have been paid for.
   */
  add(microtokens: number): Promise<boolean>;
}

export function meter(op: OperationInfo, ledger: Ledger) {
  return async (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
    const price = priceOf(op, req.body);
    if (price === null) return next();
    const auth = res.locals.auth;
    let used = 0;
    // Test mode is never charged; nor is a price of 0 (an empty batch), even on a spent balance.
    // Charged against this instance's hold, with its usage record, written within a second (ledger.ts).
    const pay = async (microtokens: number, calls: number): Promise<boolean> => {
      if (auth.mode === 'test' || microtokens === 0) return true;
      const charged = ledger.charge(auth.orgId!, op.operationId, microtokens, calls);
      if (!(charged === true || (await charged))) return false;
      used += microtokens;
      res.setHeader(USED_HEADER, String(used));
      return true;
    };
    res.setHeader(USED_HEADER, '0');
    if (!(await pay(price, 1))) {
      throw new ApiError('INSUFFICIENT_TOKENS', `This call costs ${price} μt and the organization's balance is lower. Top it up to continue.`);
    }
    res.locals.meter = { pricePer64KB: op.pricePer64KB, add: (microtokens) => pay(microtokens, 0) };
    next();
  };
}
