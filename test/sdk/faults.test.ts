/**
 * The SDK through a fault-injecting proxy in front of a real server: it retries after a dropped
 * connection, a 503 and a 429 (waiting as Retry-After says), and never retries a POST without an
 * idempotency key. Exactly-once increments and subscription resume: exactly-once.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APIConnectionError, createClient, type SaaSignalClient } from '../../generated/sdk.ts';
import { type Fault, type FaultProxy, startFaultProxy } from './support/fault-proxy.ts';
import { serverWithKey, type TestServer } from './support/server.ts';

let srv: TestServer;
let origin: string;
let key: string;
let proxy: FaultProxy | undefined;
let direct: SaaSignalClient;

beforeAll(async () => {
  srv = await serverWithKey();
  ({ origin, key } = srv);
  direct = createClient(key, { baseUrl: origin });
}, 60_000);

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

afterAll(() => srv?.close());

/** A client whose requests go through a proxy following `plan`. */
async function through(plan: (req: { method?: string; url?: string; headers: Record<string, unknown> }, n: number) => Fault) {
  proxy = await startFaultProxy(origin, plan);
  return createClient(key, { baseUrl: proxy.url });
}

const unavailable = { error: { code: 'SERVICE_UNAVAILABLE', message: 'down', docs: '/docs', request_id: 'req_proxy' } };

describe('retries through the proxy', () => {
  it('after a dropped connection', async () => {
    await direct.infra.kv.set('drop', 'ok');
    const ss = await through((_req, n) => (n === 0 ? 'drop' : 'pass'));
    await expect(ss.infra.kv.get('drop')).resolves.toMatchObject({ value: 'ok' });
    expect(proxy?.seen.map((s) => s.fault)).toEqual(['drop', 'pass']);
  });

  it('after a 503', async () => {
    await direct.infra.kv.set('503', 'ok');
    const ss = await through((_req, n) => (n === 0 ? { status: 503, headers: { 'retry-after': '1' }, body: unavailable } : 'pass'));
    await expect(ss.infra.kv.get('503')).resolves.toMatchObject({ value: 'ok' });
    expect(proxy?.seen).toHaveLength(2);
  });

  it('after a 429, waiting as Retry-After says', async () => {
    await direct.infra.kv.set('429', 'ok');
    const limited = { error: { code: 'RATE_LIMITED', message: 'slow down', docs: '/docs', request_id: 'req_proxy' } };
    const ss = await through((_req, n) => (n === 0 ? { status: 429, headers: { 'retry-after': '2' }, body: limited } : 'pass'));
    await expect(ss.infra.kv.get('429')).resolves.toMatchObject({ value: 'ok' });
    const [first, second] = proxy?.seen ?? [];
    expect(second.at - first.at).toBeGreaterThanOrEqual(1950);
  });

  it('never retries a POST without an idempotency key: applied once, the lost answer is an error', async () => {
    const ss = await through(() => 'lose-answer');
    const err = await ss.infra.kv.increment('no-key', {}, { idempotencyKey: null }).catch((e) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(proxy?.seen).toHaveLength(1);
    expect(proxy?.seen[0].headers['idempotency-key']).toBeUndefined();
    await expect(direct.infra.kv.get('no-key')).resolves.toMatchObject({ value: 1 });
  });
});

