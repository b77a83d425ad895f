/**
 * Metered requests per second for ONE organization on two instances sharing PostgreSQL and
 * Redis: before issue 16 each charge was an UPDATE of the organization's balance row, so every
 * metered request of an organization queued on that row (~400/s). Both instances are loaded at
 * once with KV gets of one tenant; afterwards the balance must have dropped by exactly the sum of
 * `X-Microtokens-Used` (once both instances have written their charges).
 *
 * @module scripts/bench/two-instances
 */
import autocannon from 'autocannon';
import { startApi } from './api-process.ts';
import { call, createTenant } from './api-setup.ts';
import type { SharedStores } from './shared-stores.ts';

export interface TwoInstancesRun {
  rps: number;
  perInstance: number[];
  non2xx: number;
  errors: number;
  /** μt the balance dropped by, and the sum of X-Microtokens-Used over the measured answers. */
  balanceDrop: number;
  announced: number;
}

export async function runTwoInstances(stores: Pick<SharedStores, 'databaseUrl' | 'redisUrl' | 'redisPrefix'>, seconds: number, connections: number): Promise<TwoInstancesRun> {
  const apis = await Promise.all([0, 1].map(() => startApi({ databaseUrl: stores.databaseUrl, redisUrl: stores.redisUrl, redisPrefix: stores.redisPrefix })));
  try {
    const tenant = await createTenant(apis[0].base, 'two-instances');
    await call(apis[0].base, 'PUT', '/infra/kv/bench:hot', tenant.secret, { value: { hello: 'world' } });
    const balance = async () => Math.round((await call(apis[1].base, 'GET', `/core/tokens/balance?org_id=${tenant.orgId}`, tenant.session)).total * 1e6);
    const load = (base: string, duration: number) =>
      autocannon({ url: base, connections: connections / 2, duration, timeout: 10, requests: [{ method: 'GET', path: '/infra/kv/bench:hot', headers: { authorization: `Bearer ${tenant.secret}` } }] });
    const probe = await fetch(`${apis[0].base}/infra/kv/bench:hot`, { headers: { authorization: `Bearer ${tenant.secret}` } });
    const price = Number(probe.headers.get('x-microtokens-used'));
    await Promise.all(apis.map((api) => load(api.base, 2)));
    // Each instance writes its charges every second: settle the warm-up's before the reference.
    await new Promise((r) => setTimeout(r, 2500));
    const before = await balance();
    const results = await Promise.all(apis.map((api) => load(api.base, seconds)));
    await new Promise((r) => setTimeout(r, 2500));
    const after = await balance();
    const answered = results.map((r) => r['2xx'] + r.non2xx);
    return {
      rps: answered.reduce((a, b) => a + b, 0) / seconds,
      perInstance: answered.map((n) => n / seconds),
      non2xx: results.reduce((n, r) => n + r.non2xx, 0),
      errors: results.reduce((n, r) => n + r.errors, 0),
      balanceDrop: before - after,
      announced: results.reduce((n, r) => n + r['2xx'], 0) * price,
    };
  } finally {
    await Promise.all(apis.map((api) => api.stop()));
  }
}
