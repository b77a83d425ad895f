/**
 * The token balance of an organization, in tokens (μt / 1,000,000).
 *
 * @module server/platform/billing
 */
import type { Response } from 'express';
import { readBalance } from '../billing/balance.ts';
import type { Handlers, Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import { reply } from '../http/respond.ts';
import type { PlatformDeps } from './deps.ts';

const MICROTOKENS_PER_TOKEN = 1_000_000;

export function billingHandlers(deps: PlatformDeps): Handlers {
  return {
    async getTokenBalance(_req, res: Response<unknown, Locals>) {
      const orgId = res.locals.auth.orgId!;
      const balance = await readBalance(deps.db, orgId, deps.allowance());
      if (!balance) throw new ApiError('NOT_FOUND', 'No such organization.');
      reply(res, 'getTokenBalance', 200, {
        org_id: orgId,
        included_remaining: balance.includedRemaining / MICROTOKENS_PER_TOKEN,
        topup_balance: balance.topupBalance / MICROTOKENS_PER_TOKEN,
        total: (balance.includedRemaining + balance.topupBalance) / MICROTOKENS_PER_TOKEN,
      });
    },
  };
}
