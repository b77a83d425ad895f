/**
 * One real server per test file, with a fault-injecting proxy per test: the hooks every
 * proxy-driven SDK suite shares (faults, exactly-once, subscription resume).
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createClient, type SaaSignalClient } from '../../../generated/sdk.ts';
import { type Fault, type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { serverWithKey, type TestServer } from './server.ts';

export type Plan = (req: { method?: string; url?: string; headers: Record<string, unknown> }, n: number) => Fault;

export interface ProxiedServer {
  /** A client that talks to the server directly, to set up and check state. */
  readonly direct: SaaSignalClient;
  /** The current test's proxy, once `through()` has started it. */
  readonly proxy: FaultProxy | undefined;
  /** A client whose requests go through a new proxy following `plan`. */
  through(plan: Plan): Promise<SaaSignalClient>;
}

/** Registers the file's hooks: a server before all tests, the proxy closed after each. */
export function proxiedServer(): ProxiedServer {
  let srv: TestServer | undefined;
  let direct: SaaSignalClient | undefined;
  let proxy: FaultProxy | undefined;

  beforeAll(async () => {
    srv = await serverWithKey();
    direct = createClient(srv.key, { baseUrl: srv.origin });
  }, 60_000);
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(() => srv?.close());

  return {
    get direct() {
      if (!direct) throw new Error('proxiedServer(): the server starts in beforeAll');
      return direct;
    },
    get proxy() {
      return proxy;
    },
    async through(plan) {
      if (!srv) throw new Error('proxiedServer(): the server starts in beforeAll');
      proxy = await startFaultProxy(srv.origin, plan);
      return createClient(srv.key, { baseUrl: proxy.url });
    },
  };
}
