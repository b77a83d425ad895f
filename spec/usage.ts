/**
 * Usage: what an organization's metered calls cost in a billing cycle (a calendar month, UTC, the
 * period of the included allowance), by operation and by day, in microtokens. Test-mode calls are
 * never charged and do not appear.
 *
 * @module spec/usage
 */
import { errors, ok, OrgId, Timestamp } from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

/** More than the document's operations (a test keeps it so): `by_operation` has one entry per operation called. */
export const OPERATIONS_MAX = 200;

/** `YYYY-MM`: a billing cycle. */
export const CYCLE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
const Cycle = z.string().max(7).regex(CYCLE_PATTERN).openapi({ description: 'A billing cycle: the calendar month (UTC) as `YYYY-MM`.', example: '2026-03' });
const Count = (description: string, example: number) => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ format: 'int64', description, example });

export const UsageByOperation = registry.register(
  'UsageByOperation',
  z
    .object({
      operation_id: z.string().max(64).regex(/^[a-z][A-Za-z0-9]*$/).openapi({ description: 'The operation, as its `operationId` in this document.', example: 'setValue' }),
      primitive: z.string().max(64).regex(/^[A-Za-z][A-Za-z0-9 ]*$/).openapi({ description: "The primitive it belongs to: the operation's tag.", example: 'KV' }),
      calls: Count('Charged calls.', 120),
      microtokens: Count('What they cost, in μt.', 240),
    })
    .openapi({ example: { operation_id: 'setValue', primitive: 'KV', calls: 120, microtokens: 240 } }),
);

export const UsageByDay = registry.register(
  'UsageByDay',
  z
    .object({
      date: z.string().max(10).regex(/^\d{4}-\d{2}-\d{2}$/).openapi({ description: 'The day (UTC), `YYYY-MM-DD`.', example: '2026-03-10' }),
      calls: Count('Charged calls that day.', 300),
      microtokens: Count('What they cost, in μt.', 612),
    })
    .openapi({ example: { date: '2026-03-10', calls: 300, microtokens: 612 } }),
);

export const Usage = registry.register(
  'Usage',
  z
    .object({
      org_id: OrgId,
      cycle: Cycle,
      starts_at: Timestamp.openapi({ description: 'First instant of the cycle.' }),
      ends_at: Timestamp.openapi({ description: 'First instant after the cycle.' }),
      calls: Count('Charged calls in the cycle.', 420),
      microtokens: Count('Their total cost, in μt.', 852),
      by_operation: z.array(UsageByOperation).max(OPERATIONS_MAX).openapi({ description: 'One entry per operation called, most expensive first.' }),
      by_day: z.array(UsageByDay).max(31).openapi({ description: 'One entry per day with calls, in date order.' }),
    })
    .openapi({
      example: {
        org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
        cycle: '2026-03',
        starts_at: '2026-03-01T00:00:00.000Z',
        ends_at: '2026-04-01T00:00:00.000Z',
        calls: 420,
        microtokens: 852,
        by_operation: [
          { operation_id: 'getValue', primitive: 'KV', calls: 300, microtokens: 300 },
          { operation_id: 'setValue', primitive: 'KV', calls: 120, microtokens: 240 },
        ],
        by_day: [{ date: '2026-03-10', calls: 420, microtokens: 852 }],
      },
    }),
);

defineOperation({
  method: 'get',
  path: '/core/organizations/{org_id}/usage',
  operationId: 'getUsage',
  tags: ['Billing'],
  summary: 'Get usage',
  description:
    "What the organization's metered calls cost in a billing cycle, by operation and by day, in microtokens (μt). " +
    'Without `cycle`, the current one. The sum of every `X-Microtokens-Used` header of the cycle equals `microtokens`.',
  credentials: ['session', 'apiKey'],
  scope: 'billing:read',
  request: { params: z.object({ org_id: OrgId }), query: z.object({ cycle: Cycle.optional() }) },
  responses: { 200: ok(Usage, 'The cycle’s usage.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.billing.usage', args: ['path:org_id', 'query'], cli: { command: 'usage' } },
});
