/**
 * Metered requests per second for ONE organization on two instances sharing PostgreSQL and
 * Redis: before issue 16 each charge was an UPDATE of the organization's balance row, so every
 * metered request of an organization queued on that row (~400/s). Both instances are loaded at
 * once with KV gets of one tenant; afterwards the balance must have dropped by exactly the sum of
 * `X-Microtokens-Used` (once both instances have written their charges).
 *
 * The control, on the same two instances in the same run: each instance loaded by a tenant of its
 * own, so no balance is shared. Runs alternate (one organization, two, one, two) so that the
 * machine's noise falls on both. When one organization gets as many requests through as two, the
 * bound is the instances (and the KV store behind them), not the organization's balance: the
 * issue's "or bounded by the KV store, not by the balance".
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
  /** The control: requests/s with a different organization on each instance (absent in older results). */
  twoOrgsRps?: number;
}

export async function runTwoInstances(stores: Pick<SharedStores, 'databaseUrl' | 'redisUrl' | 'redisPrefix'>, seconds: number, connections: number): Promise<TwoInstancesRun> {
  const apis = await Promise.all([0, 1].map(() => startApi({ databaseUrl: stores.databaseUrl, redisUrl: stores.redisUrl, redisPrefix: stores.redisPrefix })));
  try {
    // The first for one organization; the control gives each instance one of the other two.
    const tenants = [await createTenant(apis[0].base, 'two-instances'), await createTenant(apis[0].base, 'control-a'), await createTenant(apis[1].base, 'control-b')];
    for (const t of tenants) await call(apis[0].base, 'PUT', '/infra/kv/bench:hot', t.secret, { value: { hello: 'world' } });
    const [tenant] = tenants;
    const balance = async () => Math.round((await call(apis[1].base, 'GET', `/core/tokens/balance?org_id=${tenant.orgId}`, tenant.session)).total * 1e6);
    const load = (base: string, secret: string, duration: number) =>
      autocannon({ url: base, connections: connections / 2, duration, timeout: 10, requests: [{ method: 'GET', path: '/infra/kv/bench:hot', headers: { authorization: `Bearer ${secret}` } }] });
    /** Both instances at once: by one organization's token, or each by its own organization's. */
    const both = (oneOrg: boolean, duration: number) => Promise.all(apis.map((api, i) => load(api.base, tenants[oneOrg ? 0 : 1 + i].secret, duration)));
    const answered = (results: Awaited<ReturnType<typeof autocannon>>[]) => results.map((r) => r['2xx'] + r.non2xx);
    const probe = await fetch(`${apis[0].base}/infra/kv/bench:hot`, { headers: { authorization: `Bearer ${tenant.secret}` } });
    const price = Number(probe.headers.get('x-microtokens-used'));
    await both(true, 2);
    await both(false, 2);
    // Each instance writes its charges every second: settle the warm-up's before the reference.
    await new Promise((r) => setTimeout(r, 2500));
    const before = await balance();
    const half = Math.max(1, Math.round(seconds / 2));
    const oneOrg = [await both(true, half)];
    const twoOrgs = [await both(false, half)];
    oneOrg.push(await both(true, half));
    twoOrgs.push(await both(false, half));
    await new Promise((r) => setTimeout(r, 2500));
    const after = await balance();
    const results = oneOrg.flat();
    const perInstance = [0, 1].map((i) => oneOrg.reduce((n, run) => n + answered(run)[i], 0) / (2 * half));
    return {
      rps: perInstance[0] + perInstance[1],
      perInstance,
      non2xx: results.reduce((n, r) => n + r.non2xx, 0),
      errors: results.reduce((n, r) => n + r.errors, 0),
      balanceDrop: before - after,
      announced: results.reduce((n, r) => n + r['2xx'], 0) * price,
      twoOrgsRps: twoOrgs.flat().reduce((n, r) => n + r['2xx'] + r.non2xx, 0) / (2 * half),
    };
  } finally {
    await Promise.all(apis.map((api) => api.stop()));
  }
}
