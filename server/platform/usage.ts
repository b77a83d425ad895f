/**
 * `getUsage` (spec/usage.ts): a billing cycle's charged calls by operation and by day, from the
 * meter's records. Each operation's primitive is its tag in the document.
 *
 * @module server/platform/usage
 */
import type { Response } from 'express';
import { currentPeriod } from '../billing/balance.ts';
import { cycleBounds, readUsage } from '../billing/usage.ts';
import type { Handlers, Locals } from '../context.ts';
import { input, reply } from '../http/respond.ts';
import { document } from '../spec.ts';
import type { PlatformDeps } from './deps.ts';

const primitiveOf: ReadonlyMap<string, string> = new Map(
  Object.values<Record<string, { operationId?: string; tags?: string[] }>>(document.paths as never).flatMap((item) =>
    Object.values(item).flatMap((op) => (op?.operationId ? [[op.operationId, op.tags?.[0] ?? 'Other'] as [string, string]] : [])),
  ),
);

export function usageHandlers({ db }: PlatformDeps): Handlers {
  return {
    async getUsage(req, res: Response<unknown, Locals>) {
      const { query } = input(req, 'getUsage');
      const orgId = res.locals.auth.orgId!;
      const cycle = query.cycle ?? currentPeriod();
      const { start, end } = cycleBounds(cycle);
      const rows = await readUsage(db, orgId, cycle);
      const byOperation = new Map<string, { calls: number; microtokens: number }>();
      const byDay = new Map<string, { calls: number; microtokens: number }>();
      for (const r of rows) {
        for (const [map, key] of [[byOperation, r.operation_id], [byDay, r.day]] as const) {
          const sum = map.get(key) ?? { calls: 0, microtokens: 0 };
          map.set(key, { calls: sum.calls + r.calls, microtokens: sum.microtokens + r.microtokens });
        }
      }
      reply(res, 'getUsage', 200, {
        org_id: orgId,
        cycle,
        starts_at: start.toISOString(),
        ends_at: end.toISOString(),
        calls: rows.reduce((n, r) => n + r.calls, 0),
        microtokens: rows.reduce((n, r) => n + r.microtokens, 0),
        by_operation: [...byOperation]
          .map(([operation_id, s]) => ({ operation_id, primitive: primitiveOf.get(operation_id) ?? 'Other', ...s }))
          .sort((a, b) => b.microtokens - a.microtokens || a.operation_id.localeCompare(b.operation_id)),
        by_day: [...byDay].map(([date, s]) => ({ date, ...s })).sort((a, b) => a.date.localeCompare(b.date)),
      });
    },
  };
}
