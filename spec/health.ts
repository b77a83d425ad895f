/**
 * Liveness and readiness probes, for load balancers, orchestrators and container healthchecks.
 * Public, free and outside every rate limit: a probe that an orchestrator sends every second from
 * one address must never be refused, or a healthy instance would be taken out of service. The
 * server shares one readiness check among concurrent probes instead (server/http/health.ts).
 *
 * @module spec/health
 */
import { ok } from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

export const Liveness = registry.register(
  'Liveness',
  z
    .object({ status: z.literal('ok').openapi({ description: 'Always `ok`: an answer at all means the process serves HTTP.' }) })
    .openapi({ example: { status: 'ok' } }),
);

const Check = z.enum(['ok', 'unavailable', 'pending', 'not_configured']);

export const Readiness = registry.register(
  'Readiness',
  z
    .object({
      status: z.literal('ready'),
      checks: z.object({
        database: Check.openapi({ description: 'The SQL database (`DATABASE_URL`) answered.' }),
        migrations: Check.openapi({ description: 'Every migration this server knows is applied (`pending` otherwise).' }),
        redis: Check.openapi({ description: 'Redis (`REDIS_URL`) answered a `PING`; `not_configured` without `REDIS_URL`.' }),
      }),
    })
    .openapi({ example: { status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'ok' } } }),
);

const badRequest = { 400: { $ref: '#/components/responses/BadRequest' } };

defineOperation({
  method: 'get',
  path: '/healthz',
  operationId: 'getLiveness',
  tags: ['Health'],
  summary: 'Liveness probe',
  description:
    'Answers 200 while the process serves HTTP, whatever the state of the database or Redis: restart an instance only when this fails. No credential, never charged, never rate limited.',
  rateLimited: false,
  responses: { 200: ok(Liveness, 'The process is up.'), ...badRequest },
  sdk: { method: 'health.live', args: [] },
});

defineOperation({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags: ['Health'],
  summary: 'Readiness probe',
  description:
    'Answers 200 when this instance can serve requests: the database answers, every migration is applied and Redis (when configured) answers. ' +
    'Otherwise 503 `SERVICE_UNAVAILABLE` with `Retry-After`, and one `details` entry per failed check (`/checks/redis`: `unavailable`): ' +
    'send no traffic to the instance until it is ready again (it recovers by itself). Each check waits at most 2 seconds; concurrent probes share one check, ' +
    'and a result is reused for up to 1 second. No credential, never charged, never rate limited.',
  rateLimited: false,
  responses: {
    200: ok(Readiness, 'Ready to serve.'),
    ...badRequest,
    503: { $ref: '#/components/responses/ServiceUnavailable' },
  },
  sdk: { method: 'health.ready', args: [] },
});
