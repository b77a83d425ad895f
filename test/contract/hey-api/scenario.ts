/**
 * A scenario touching every operation of the document, written against a client that
 * @hey-api/openapi-ts generated from generated/openapi.json (an independent generator: nothing of
 * ours is imported). test/contract/hey-api.test.ts generates the client next to a copy of this
 * file, compiles both with `tsc --strict`, runs `scenario()` against a real server with a
 * recording `fetch`, and validates every answer against the document.
 *
 * Excluded from `npm run check:types` (tsconfig.json): `./client` exists only once generated.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createClient, createConfig } from './client/client';
import type { ChannelEvent } from './client/types.gen';
import * as api from './client/sdk.gen';

export interface Scenario {
  /** Every `ChannelEvent` received by the typed stream. */
  events: ChannelEvent[];
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`scenario: ${message}`);
}

/** `data` of an answer, or a thrown error naming the operation and the answer. */
function ok<T>(what: string, result: { data?: T; error?: unknown; response?: Response }): T {
  if (result.data === undefined || !result.response?.ok) {
    throw new Error(`scenario: ${what} answered ${result.response?.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

export async function scenario(baseUrl: string, fetch: typeof globalThis.fetch, tag: string): Promise<Scenario> {
  const anonymous = createClient(createConfig({ baseUrl, fetch }));
  const as = (token: string) => createClient(createConfig({ baseUrl, fetch, headers: { Authorization: `Bearer ${token}` } }));
  const password = 'a-long-secure-passphrase';
  const ownerEmail = `hey-owner-${tag}@example.com`;
  const memberEmail = `hey-member-${tag}@example.com`;

  // Probes
  const live = ok('getLiveness', await api.getLiveness({ client: anonymous }));
  assert(live.status === 'ok', 'the server is live');
  const ready = ok('getReadiness', await api.getReadiness({ client: anonymous }));
  assert(ready.status === 'ready' && ready.checks.database === 'ok', 'the server is ready');

  // Accounts and sessions
  ok('signUpEmail', await api.signUpEmail({ client: anonymous, body: { email: ownerEmail, password, name: 'Owner' } }));
  const signedIn = ok('signInEmail', await api.signInEmail({ client: anonymous, body: { email: ownerEmail, password } }));
  const owner = as(signedIn.token);
  const session = ok('getSession', await api.getSession({ client: owner }));
  assert(session.user.email === ownerEmail, 'the session is the owner’s');
  const member = ok('signUpEmail (member)', await api.signUpEmail({ client: anonymous, body: { email: memberEmail, password, name: 'Member' } }));
  const asMember = as(member.token);

  // Organizations
  const orgs = ok('listOrganizations', await api.listOrganizations({ client: owner, query: { limit: 10 } }));
  const orgId = orgs.organizations[0].id;
  const doomed = ok('createOrganization', await api.createOrganization({ client: owner, body: { name: `Doomed ${tag}` } }));
  ok('getOrganization', await api.getOrganization({ client: owner, path: { org_id: orgId } }));
  ok('updateOrganization', await api.updateOrganization({ client: owner, path: { org_id: orgId }, body: { name: 'Hey API Inc' } }));

  // Projects and tokens
  const project = ok('createProject', await api.createProject({ client: owner, path: { org_id: orgId }, body: { name: 'Main', region: 'weur' } }));
  const spare = ok('createProject (spare)', await api.createProject({ client: owner, path: { org_id: orgId }, body: { name: 'Spare' } }));
  ok('listProjects', await api.listProjects({ client: owner, path: { org_id: orgId } }));
  ok('getProject', await api.getProject({ client: owner, path: { org_id: orgId, project_id: project.id } }));
  const key = ok('createToken', await api.createToken({ client: owner, path: { org_id: orgId }, body: { name: 'key', scopes: ['*'], project_id: project.id } }));
  const placeholder = ok('createToken (no scopes)', await api.createToken({ client: owner, path: { org_id: orgId }, body: { name: 'placeholder', scopes: [] } }));
  ok('listTokens', await api.listTokens({ client: owner, path: { org_id: orgId }, query: { project_id: project.id } }));
  ok('getTokenBalance', await api.getTokenBalance({ client: owner, query: { org_id: orgId } }));
  const dashboardToken = ok('createDashboardToken', await api.createDashboardToken({ client: owner, path: { org_id: orgId, project_id: project.id } }));
  assert(dashboardToken.secret.startsWith('sk_live_'), 'a Dashboard token is a live project token');
  const api_ = as(key.secret);
  const browser = ok('createBrowserToken', await api.createBrowserToken({ client: api_, body: { scopes: ['kv:read', 'channels:subscribe'], ttl: 120 } }));
  assert(browser.token.startsWith('bt_'), 'a browser token starts with bt_');

  // Members and invitations
  const invitation = ok('inviteMember', await api.inviteMember({ client: owner, path: { org_id: orgId }, body: { email: memberEmail, scopes: ['orgs:read', 'kv:read'] } }));
  const pending = ok('listInvitations', await api.listInvitations({ client: asMember }));
  assert(pending.invitations.some((i) => i.id === invitation.id), 'the member sees the invitation');
  ok('acceptInvitation', await api.acceptInvitation({ client: asMember, path: { invitation_id: invitation.id } }));
  ok('listMembers', await api.listMembers({ client: owner, path: { org_id: orgId } }));
  ok('getMyScopes', await api.getMyScopes({ client: asMember, path: { org_id: orgId } }));
  ok('updateMemberScopes', await api.updateMemberScopes({ client: owner, path: { org_id: orgId, user_id: member.user.id }, body: { scopes: ['orgs:read', 'kv:write'] } }));
  ok('removeMember', await api.removeMember({ client: owner, path: { org_id: orgId, user_id: member.user.id } }));
  const unclaimed = ok('inviteMember', await api.inviteMember({ client: owner, path: { org_id: orgId }, body: { email: `unclaimed-${memberEmail}`, scopes: ['orgs:read'] } }));
  const orgPending = ok('listOrgInvitations', await api.listOrgInvitations({ client: owner, path: { org_id: orgId } }));
  assert(orgPending.invitations.some((i) => i.id === unclaimed.id), 'the organization lists its pending invitation');
  ok('revokeInvitation', await api.revokeInvitation({ client: owner, path: { org_id: orgId, invitation_id: unclaimed.id } }));

  // KV: keys with the characters a query string cares about, found again by prefix.
  const keys = ['hey:p+q', 'hey:a&b', 'hey:a=b', 'hey:a#b', 'hey:100%'];
  for (const k of keys) ok('setValue', await api.setValue({ client: api_, path: { key: k }, body: { value: { k }, ttl: 600 } }));
  const entry = ok('getValue', await api.getValue({ client: as(browser.token), path: { key: 'hey:p+q' } }));
  assert(JSON.stringify(entry.value) === JSON.stringify({ k: 'hey:p+q' }), 'the value reads back');
  const counter = ok('incrementValue', await api.incrementValue({ client: api_, path: { key: 'hey:counter' }, body: { delta: 5 } }));
  assert(counter.value === 5, 'increment from nothing');
  for (const k of keys) {
    const page = ok('scanKeys', await api.scanKeys({ client: api_, query: { prefix: k, limit: 10 } }));
    assert(page.keys.length === 1 && page.keys[0] === k, `the prefix ${k} finds exactly its key, found ${JSON.stringify(page.keys)}`);
  }
  const batch = ok('batchOperations', await api.batchOperations({ client: api_, body: { ops: [{ op: 'get', key: 'hey:a&b' }, { op: 'set', key: 'hey:new', value: 1 }, { op: 'delete', key: 'hey:a=b' }] } }));
  assert(batch.results.map((r) => r.status).join() === 'ok,ok,ok', 'each batch op succeeds');
  const empty = ok('batchOperations (empty)', await api.batchOperations({ client: api_, body: { ops: [] } }));
  assert(empty.results.length === 0, 'an empty batch answers no results');
  ok('deleteValue', await api.deleteValue({ client: api_, path: { key: 'hey:counter' } }));

  // Channels: a typed stream, one event published and received.
  const abort = new AbortController();
  const { stream } = await api.subscribeChannel({ client: as(browser.token), path: { channel: 'hey-channel' }, signal: abort.signal, sseMaxRetryAttempts: 1 });
  const events: ChannelEvent[] = [];
  const reading = (async () => {
    for await (const event of stream) {
      events.push(event);
      break;
    }
  })();
  // The subscription is live once its answer has started; publish until the event arrives.
  let published: { id: string } | undefined;
  for (let attempt = 0; attempt < 50 && events.length === 0; attempt++) {
    published = ok('publishEvent', await api.publishEvent({ client: api_, path: { channel: 'hey-channel' }, body: { event: 'ping', data: { hello: 'world' } } }));
    await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  abort.abort();
  await reading.catch(() => undefined);
  assert(events.length === 1 && published !== undefined, 'the subscriber received an event');
  const event: ChannelEvent = events[0];
  assert(event.event === 'ping' && typeof event.published_at === 'string' && event.id.startsWith('evt_'), 'the event is typed as published');

  // OAuth, the CLI's login: metadata, the consent page's check and approval, the form-encoded
  // token exchange (PKCE S256), a call with the access token, the device flow's start and the
  // Dashboard's answer, the CLI sessions listed and revoked, and RFC 7009 revocation.
  const metadata = ok('getAuthorizationServerMetadata', await api.getAuthorizationServerMetadata({ client: anonymous }));
  assert(metadata.code_challenge_methods_supported.join() === 'S256', 'PKCE S256 only');
  const verifier = randomBytes(32).toString('base64url');
  const authorization = {
    response_type: 'code', client_id: 'saasignal-cli', redirect_uri: 'http://127.0.0.1:53682/callback', scope: 'kv:read', state: tag,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  };
  ok('getOAuthAuthorization', await api.getOAuthAuthorization({ client: owner, query: authorization }));
  const consented = ok('decideOAuthAuthorization', await api.decideOAuthAuthorization({ client: owner, query: authorization, body: { decision: 'approve', org_id: orgId, project_id: project.id } }));
  const code = new URL(consented.redirect_to).searchParams.get('code');
  assert(code !== null, 'the redirect carries a code');
  const tokens = ok('requestOAuthToken', await api.requestOAuthToken({ client: anonymous, body: { grant_type: 'authorization_code', client_id: 'saasignal-cli', code, code_verifier: verifier, redirect_uri: authorization.redirect_uri } }));
  assert(tokens.access_token.startsWith('oat_') && tokens.project_id === project.id, 'an OAuth access token bound to the project');
  ok('getValue (OAuth)', await api.getValue({ client: as(tokens.access_token), path: { key: 'hey:p+q' } }));
  const device = ok('requestDeviceAuthorization', await api.requestDeviceAuthorization({ client: anonymous, body: { client_id: 'saasignal-cli', scope: 'kv:read' } }));
  ok('getOAuthDevice', await api.getOAuthDevice({ client: owner, query: { user_code: device.user_code } }));
  ok('decideOAuthDevice', await api.decideOAuthDevice({ client: owner, body: { user_code: device.user_code, decision: 'deny' } }));
  const sessions = ok('listOAuthGrants', await api.listOAuthGrants({ client: owner }));
  assert(sessions.grants.length === 1, 'one CLI session');
  ok('revokeOAuthGrant', await api.revokeOAuthGrant({ client: owner, path: { grant_id: sessions.grants[0].id } }));
  const revoked = await api.revokeOAuthToken({ client: anonymous, body: { token: tokens.refresh_token, client_id: 'saasignal-cli' } });
  assert(revoked.response.status === 200, `revokeOAuthToken answered ${revoked.response.status}`);

  // This cycle's usage shows the metered calls just made.
  const usage = ok('getUsage', await api.getUsage({ client: owner, path: { org_id: orgId } }));
  assert(usage.by_operation.some((u) => u.operation_id === 'setValue'), 'usage lists setValue');

  // Revocation and deletions
  ok('revokeToken', await api.revokeToken({ client: owner, path: { org_id: orgId, token_id: placeholder.id } }));
  ok('deleteProject', await api.deleteProject({ client: owner, path: { org_id: orgId, project_id: spare.id } }));
  ok('deleteOrganization', await api.deleteOrganization({ client: owner, path: { org_id: doomed.id }, body: { confirm_name: doomed.name } }));
  ok('signOut', await api.signOut({ client: owner }));
  return { events };
}
