/**
 * A consumer builds against the API before the server runs: every SDK method, called against
 * `prism mock` on the generated document, returns the documented example, and the mock's
 * validation (the same constraints as the server's) surfaces as the SDK's typed errors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, createClient, type SaaSignalClient, UnauthorizedError } from '../../generated/sdk.ts';
import { type Spawned, startPrism } from '../support/processes.ts';

const doc = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const resolve = (node: any): any => {
  while (node?.$ref) node = node.$ref.split('/').slice(1).reduce((n: any, k: string) => n[k], doc);
  return node;
};
/** The example the document gives for an operation's success response. */
function documentedExample(operationId: string): unknown {
  for (const item of Object.values<any>(doc.paths)) {
    for (const op of Object.values<any>(item)) {
      if (op.operationId !== operationId) continue;
      const [, res] = Object.entries<any>(op.responses).find(([s]) => s.startsWith('2'))!;
      return resolve(res.content['application/json'].schema).example;
    }
  }
  throw new Error(`no operation ${operationId}`);
}

const ORG = 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB';
const PROJ = 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN';
const TOK = 'tok_01JNXSA1B2C3D4E5F6G7H8J9KM';
const USR = 'usr_01JNXSB1C2D3E4F5G6H7J8K9MN';
const INV = 'inv_01JNXSC1D2E3F4G5H6J7K8M9NP';
const OAUTH_QUERY = {
  response_type: 'code', client_id: 'saasignal-cli', redirect_uri: 'http://127.0.0.1:53682/callback', scope: 'kv:read',
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
};

// [operationId, call]: every operation that returns JSON, through its SDK method.
const calls: [string, (ss: SaaSignalClient) => Promise<unknown>][] = [
  ['signUpEmail', (ss) => ss.auth.signUp({ email: 'alice@acme.com', password: 'a-long-secure-passphrase', name: 'Alice' })],
  ['signInEmail', (ss) => ss.auth.signIn({ email: 'alice@acme.com', password: 'a-long-secure-passphrase' })],
  ['signOut', (ss) => ss.auth.signOut()],
  ['getSession', (ss) => ss.auth.getSession()],
  ['listOrganizations', (ss) => ss.core.orgs.list()],
  ['createOrganization', (ss) => ss.core.orgs.create({ name: 'Acme Corp' })],
  ['getOrganization', (ss) => ss.core.orgs.get(ORG)],
  ['updateOrganization', (ss) => ss.core.orgs.update(ORG, { name: 'Acme Inc' })],
  ['deleteOrganization', (ss) => ss.core.orgs.delete(ORG, { confirm_name: 'Acme Corp' })],
  ['listMembers', (ss) => ss.core.orgs.listMembers(ORG)],
  ['inviteMember', (ss) => ss.core.orgs.invite(ORG, { email: 'bob@acme.com', scopes: ['kv:read'] })],
  ['getMyScopes', (ss) => ss.core.orgs.myScopes(ORG)],
  ['updateMemberScopes', (ss) => ss.core.orgs.updateMemberScopes(ORG, USR, { scopes: ['kv:read'] })],
  ['removeMember', (ss) => ss.core.orgs.removeMember(ORG, USR)],
  ['listOrgInvitations', (ss) => ss.core.orgs.listInvitations(ORG)],
  ['revokeInvitation', (ss) => ss.core.orgs.revokeInvitation(ORG, INV)],
  ['createDashboardToken', (ss) => ss.core.orgs.createDashboardToken(ORG, PROJ)],
  ['getUsage', (ss) => ss.core.billing.usage(ORG)],
  ['listInvitations', (ss) => ss.core.invitations.list()],
  ['acceptInvitation', (ss) => ss.core.invitations.accept(INV)],
  ['listProjects', (ss) => ss.core.orgs.listProjects(ORG)],
  ['createProject', (ss) => ss.core.orgs.createProject(ORG, { name: 'Production', region: 'weur' })],
  ['getProject', (ss) => ss.core.orgs.getProject(ORG, PROJ)],
  ['deleteProject', (ss) => ss.core.orgs.deleteProject(ORG, PROJ)],
  ['listTokens', (ss) => ss.core.orgs.listTokens(ORG, { project_id: PROJ })],
  ['createToken', (ss) => ss.core.orgs.createToken({ org_id: ORG, project_id: PROJ, name: 'K', scopes: ['kv:read'] })],
  ['revokeToken', (ss) => ss.core.orgs.revokeToken(ORG, TOK)],
  ['createBrowserToken', (ss) => ss.core.tokens.createBrowserToken({ scopes: ['kv:read'], ttl: 900 })],
  ['getTokenBalance', (ss) => ss.core.billing.tokenBalance(ORG)],
  ['getValue', (ss) => ss.infra.kv.get('session:u_123')],
  ['setValue', (ss) => ss.infra.kv.set('session:u_123', { userId: 'u_123' }, { ttl: 86400 })],
  ['deleteValue', (ss) => ss.infra.kv.delete('session:u_123')],
  ['incrementValue', (ss) => ss.infra.kv.increment('ratelimit:u_123', { ttl: 60 })],
  ['scanKeys', (ss) => ss.infra.kv.scan({ prefix: 'session:', limit: 50 })],
  ['batchOperations', (ss) => ss.infra.kv.batch([{ op: 'get', key: 'config:flags' }, { op: 'delete', key: 'old' }])],
  ['publishEvent', (ss) => ss.infra.channels.publish('my-channel', { event: 'ping', data: { hello: 'world' } })],
  ['getOAuthAuthorization', (ss) => ss.core.oauth.getAuthorization(OAUTH_QUERY)],
  ['decideOAuthAuthorization', (ss) => ss.core.oauth.decideAuthorization(OAUTH_QUERY, { decision: 'approve', org_id: ORG, project_id: PROJ, scopes: ['kv:read'] })],
  ['getOAuthDevice', (ss) => ss.core.oauth.getDevice('WDJB-MJHT')],
  ['decideOAuthDevice', (ss) => ss.core.oauth.decideDevice({ user_code: 'WDJB-MJHT', decision: 'deny' })],
  ['listOAuthGrants', (ss) => ss.core.oauth.listGrants()],
  ['revokeOAuthGrant', (ss) => ss.core.oauth.revokeGrant('ogr_01JNXSE1F2G3H4J5K6M7N8P9QR')],
  ['getLiveness', (ss) => ss.health.live()],
  ['getReadiness', (ss) => ss.health.ready()],
];

let prism: Spawned;
let ss: SaaSignalClient;
beforeAll(async () => {
  prism = await startPrism('mock');
  ss = createClient('sk_live_4f9aQ2xZ7kP1mV8rT3bN6cY0wE5sL9dH2jF4gA7uK1', { baseUrl: prism.url });
}, 60_000);
afterAll(async () => prism?.stop());

describe('SDK against prism mock', () => {
  it('covers every JSON operation of the document', () => {
    // The SDK's methods: the OAuth protocol endpoints have none (OAuth clients call them by the RFCs).
    const jsonOps = Object.values<any>(doc.paths)
      .flatMap((item) => Object.values<any>(item))
      .filter((op) => op['x-sdk'])
      .filter((op) => Object.values<any>(op.responses).some((r) => resolve(r).content?.['application/json'] && !r.$ref))
      .map((op) => op.operationId);
    expect(calls.map(([id]) => id).sort()).toEqual(jsonOps.sort());
  });

  it.each(calls)('%s returns the documented example', async (operationId, call) => {
    await expect(call(ss)).resolves.toEqual(documentedExample(operationId));
  });

  // Prism answers a request it refuses with the operation's 422 when one is documented, else its
  // 400: a GET (no Idempotency-Key, so no 422) shows the 400 a server gives; a POST gets the 422.
  it('surfaces the mock’s request validation as BadRequestError', async () => {
    const err = await ss.infra.kv.scan({ limit: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.code).toBe('INVALID_REQUEST');
  });

  it('surfaces a missing credential as UnauthorizedError', async () => {
    const anonymous = createClient(undefined, { baseUrl: prism.url });
    const err = await anonymous.infra.kv.get('session:u_123').catch((e) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
  });
});
