/**
 * The SDK and the server together through a fault-injecting proxy: a subscription cut by the
 * proxy resumes with Last-Event-ID, with no event lost or repeated (the server's replay window).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type SaaSignalClient } from '../../generated/sdk.ts';
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

describe('subscription resume', () => {
  it('a subscription cut twice by the proxy resumes with Last-Event-ID: no event lost or repeated', async () => {
    const ss = await through(() => 'pass');
    const ctl = new AbortController();
    const got: number[] = [];
    let warm = false;
    const reading = (async () => {
      for await (const ev of ss.infra.channels.subscribe('resume', { signal: ctl.signal })) {
        if (ev.event === 'warmup') warm = true;
        else got.push((ev.data as { n: number }).n);
        if (got.length === 50) return;
      }
    })().catch((e) => (ctl.signal.aborted ? undefined : Promise.reject(e)));
    // The first connection gets no replay: publish until it is surely listening.
    for (let i = 0; i < 200 && !warm; i++) {
      await direct.infra.channels.publish('resume', { event: 'warmup' });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(warm).toBe(true);
    const subscribes = () => proxy?.seen.filter((s) => s.path.includes('/subscribe')) ?? [];
    let n = 0;
    for (let round = 0; round < 3; round++) {
      if (round > 0) {
        const before = subscribes().length;
        proxy?.cutAll();
        // Published while the subscriber is away: the replay on reconnection must bring them.
        for (let i = 0; i < 10; i++) await direct.infra.channels.publish('resume', { event: 'n', data: { n: n++ } });
        for (let i = 0; i < 200 && subscribes().length === before; i++) await new Promise((r) => setTimeout(r, 50));
      }
      for (let i = 0; i < 10; i++) await direct.infra.channels.publish('resume', { event: 'n', data: { n: n++ } });
    }
    await Promise.race([reading, new Promise((r) => setTimeout(r, 20_000))]);
    ctl.abort();
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const reconnects = subscribes().slice(1);
    expect(reconnects).toHaveLength(2);
    for (const r of reconnects) expect(r.headers['last-event-id']).toMatch(/^evt_/);
  }, 120_000);
});
