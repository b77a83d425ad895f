/**
 * The SDK and the server together through a fault-injecting proxy: a subscription cut by the
 * proxy resumes with Last-Event-ID, with no event lost or repeated (the server's replay window).
 */
import { describe, expect, it } from 'vitest';
import { proxiedServer } from './support/proxied-server.ts';

const srv = proxiedServer();

describe('subscription resume', () => {
  it('a subscription cut twice by the proxy resumes with Last-Event-ID: no event lost or repeated', async () => {
    const ss = await srv.through(() => 'pass');
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
      await srv.direct.infra.channels.publish('resume', { event: 'warmup' });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(warm).toBe(true);
    const subscribes = () => srv.proxy?.seen.filter((s) => s.path.includes('/subscribe')) ?? [];
    let n = 0;
    for (let round = 0; round < 3; round++) {
      if (round > 0) {
        const before = subscribes().length;
        srv.proxy?.cutAll();
        // Published while the subscriber is away: the replay on reconnection must bring them.
        for (let i = 0; i < 10; i++) await srv.direct.infra.channels.publish('resume', { event: 'n', data: { n: n++ } });
        for (let i = 0; i < 200 && subscribes().length === before; i++) await new Promise((r) => setTimeout(r, 50));
      }
      for (let i = 0; i < 10; i++) await srv.direct.infra.channels.publish('resume', { event: 'n', data: { n: n++ } });
    }
    await Promise.race([reading, new Promise((r) => setTimeout(r, 20_000))]);
    ctl.abort();
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const reconnects = subscribes().slice(1);
    expect(reconnects).toHaveLength(2);
    for (const r of reconnects) expect(r.headers['last-event-id']).toMatch(/^evt_/);
  }, 120_000);
});
