/**
 * The SDK through a fault-injecting proxy in front of a real server: it retries after a dropped
 * connection, a 503 and a 429 (waiting as Retry-After says), and never retries a POST without an
 * idempotency key. Exactly-once increments and subscription resume: exactly-once.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { APIConnectionError } from '../../generated/sdk.ts';
import { proxiedServer } from './support/proxied-server.ts';

const srv = proxiedServer();

const unavailable = { error: { code: 'SERVICE_UNAVAILABLE', message: 'down', docs: '/docs', request_id: 'req_proxy' } };

describe('retries through the proxy', () => {
  it('after a dropped connection', async () => {
    await srv.direct.infra.kv.set('drop', 'ok');
    const ss = await srv.through((_req, n) => (n === 0 ? 'drop' : 'pass'));
    await expect(ss.infra.kv.get('drop')).resolves.toMatchObject({ value: 'ok' });
    expect(srv.proxy?.seen.map((s) => s.fault)).toEqual(['drop', 'pass']);
  });

  it('after a 503', async () => {
    await srv.direct.infra.kv.set('503', 'ok');
    const ss = await srv.through((_req, n) => (n === 0 ? { status: 503, headers: { 'retry-after': '1' }, body: unavailable } : 'pass'));
    await expect(ss.infra.kv.get('503')).resolves.toMatchObject({ value: 'ok' });
    expect(srv.proxy?.seen).toHaveLength(2);
  });

  it('after a 429, waiting as Retry-After says', async () => {
    await srv.direct.infra.kv.set('429', 'ok');
    const limited = { error: { code: 'RATE_LIMITED', message: 'slow down', docs: '/docs', request_id: 'req_proxy' } };
    const ss = await srv.through((_req, n) => (n === 0 ? { status: 429, headers: { 'retry-after': '2' }, body: limited } : 'pass'));
    await expect(ss.infra.kv.get('429')).resolves.toMatchObject({ value: 'ok' });
    const [first, second] = srv.proxy?.seen ?? [];
    expect(second.at - first.at).toBeGreaterThanOrEqual(1950);
  });

  it('never retries a POST without an idempotency key: applied once, the lost answer is an error', async () => {
    const ss = await srv.through(() => 'lose-answer');
    const err = await ss.infra.kv.increment('no-key', {}, { idempotencyKey: null }).catch((e) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(srv.proxy?.seen).toHaveLength(1);
    expect(srv.proxy?.seen[0].headers['idempotency-key']).toBeUndefined();
    await expect(srv.direct.infra.kv.get('no-key')).resolves.toMatchObject({ value: 1 });
  });
});

