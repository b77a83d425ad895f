/**
 * Billing: the metered token balance of an organization: the included allowance of its owner's
 * account (shared by every organization that account owns) and the organization's top-ups.
 *
 * @module spec/billing
 */
import {
  errors, ok, OrgId, OrgIdRef,
} from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

const Tokens = (description: string, example: number) => z.number().min(0).openapi({ description, example });

export const TokenBalance = registry.register(
  'TokenBalance',
  z
    .object({
      org_id: OrgId,
      included_remaining: Tokens(
        "What is left of this month's included allowance, in tokens. The allowance belongs to the account that owns the " +
          'organization and is shared by every organization that account owns: what one of them spends, the others no longer have.',
        3.42,
      ),
      topup_balance: Tokens("This organization's top-ups not yet spent, in tokens. Spent after the included allowance.", 1.4),
      total: Tokens('`included_remaining + topup_balance`.', 4.82),
    })
    .openapi({ example: { org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB', included_remaining: 3.42, topup_balance: 1.4, total: 4.82 } }),
);

defineOperation({
  method: 'get',
  path: '/core/tokens/balance',
  operationId: 'getTokenBalance',
  tags: ['Billing'],
  summary: 'Get the token balance',
  description:
    'The remaining token balance of an organization: what is left of the included monthly allowance, which is shared by all ' +
    "organizations of the organization's owner (one allowance per owning account; a new or recreated organization gets none " +
    'of its own), and the top-ups of this organization. 1 token = 1,000,000 microtokens (μt).',
  credentials: ['session', 'apiKey'],
  scope: 'billing:read',
  request: { query: z.object({ org_id: OrgIdRef }) },
  responses: { 200: ok(TokenBalance, 'The balance.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.billing.tokenBalance', args: ['query:org_id'], cli: { command: 'balance' } },
});
