/**
 * A real server in this process on a loopback port, with an account, a project and an API token
 * made through the SDK itself (no rate limit in the way of thousands of requests).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from '../../../generated/sdk.ts';
import { createApp } from '../../../server/app.ts';

export interface TestServer {
  origin: string;
  key: string;
  close(): Promise<void>;
}

export async function serverWithKey(): Promise<TestServer> {
  const app = await createApp({ dbUrl: ':memory:', log: () => undefined, rateLimit: { livePerMinute: 100_000, authPerMinute: 1000 } });
  const server = await new Promise<Server>((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signedUp = await createClient(undefined, { baseUrl: origin }).auth.signUp({
    email: `sdk-${Date.now()}@example.com`, password: 'a-long-secure-passphrase', name: 'SDK Test',
  });
  if (!('token' in signedUp)) throw new Error('this server signs up without email verification');
  const { token, default_org_id } = signedUp;
  const session = createClient(token ?? undefined, { baseUrl: origin });
  const project = await session.core.orgs.createProject(default_org_id as string, { name: 'SDK' });
  const { secret } = await session.core.orgs.createToken({
    org_id: default_org_id as string,
    project_id: project.id,
    name: 'sdk',
    scopes: ['kv:read', 'kv:write', 'channels:publish', 'channels:subscribe'],
  });
  return {
    origin,
    key: secret,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
}
