/**
 * Tenants over HTTP, for suites that need many credentials of every kind: accounts (signed up
 * through the API), and worlds — an organization with two projects, a member whose scopes can be
 * set at will, a second member to act upon — whose credentials are made on first use and kept.
 * Everything is made the way a client makes it, through the API of a listening server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Answer, call } from './http-client.ts';

export const PASSWORD = 'a-long-secure-passphrase';
let counter = 0;
export const uniqueEmail = (tag: string) => `${tag}-${process.pid}-${Date.now()}-${counter++}@example.com`;
export const uniqueName = (tag: string) => `${tag} ${process.pid}-${Date.now()}-${counter++}`;

function ok(res: Answer, what: string, status = res.status >= 200 && res.status < 300): Answer {
  if (!status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

export class Account {
  session = '';
  userId = '';
  /** The organization sign-up made. */
  orgId = '';
  constructor(
    readonly base: string,
    readonly email: string,
  ) {}

  static async signUp(base: string, tag: string): Promise<Account> {
    const account = new Account(base, uniqueEmail(tag));
    const res = ok(await call(base, 'POST', '/api/auth/sign-up/email', { body: { email: account.email, password: PASSWORD, name: tag } }), 'sign-up');
    account.session = res.body.token;
    account.userId = res.body.user.id;
    account.orgId = res.body.default_org_id;
    return account;
  }

  /** Signs in again when the session has ended (a suite may have signed it out). */
  async renew(): Promise<void> {
    if ((await call(this.base, 'GET', '/api/auth/get-session', { token: this.session })).status === 200) return;
    const res = ok(await call(this.base, 'POST', '/api/auth/sign-in/email', { body: { email: this.email, password: PASSWORD } }), 'sign-in');
    this.session = res.body.token;
  }
}

export type Mode = 'live' | 'test';

/** A credential, described; a world makes it on first use. */
export type CredentialSpec =
  | { kind: 'none' }
  | { kind: 'owner' }
  /** The world's acting member, with these scopes in the organization. */
  | { kind: 'member'; scopes: string[] }
  /** An API token: organization-level without `project`. */
  | { kind: 'token'; scopes: string[]; project?: 'p1' | 'p2'; mode?: Mode }
  /** A browser token of a `*` token of project p1, in the header or in `?token=`. */
  | { kind: 'browser'; scopes: string[]; mode?: Mode; query?: boolean }
  | { kind: 'expired' }
  | { kind: 'revoked' }
  | { kind: 'browserOfRevoked' };

/** Where a credential acts: its project (if bound to one), its mode, its user's email. */
export interface Binding {
  projectId: string | null;
  mode: Mode;
  email: string | null;
}

/** The accounts every world shares. */
export interface Cast {
  owner: Account;
  /** Acts as a member with chosen scopes. */
  actor: Account;
  /** A member that operations act upon (scopes changed, removed). */
  target: Account;
  /** Owns the organizations whose invitations others accept. */
  host: Account;
}

const EXPIRY_MS = 1500;

export class World {
  readonly projects: Record<'p1' | 'p2', string> = { p1: '', p2: '' };
  private secrets = new Map<string, Promise<string>>();
  private expiresAt = 0;

  private constructor(
    readonly base: string,
    readonly cast: Cast,
    readonly orgId: string,
    readonly orgName: string,
  ) {}

  static async create(base: string, cast: Cast, tag = 'world'): Promise<World> {
    const name = uniqueName(tag);
    const org = ok(await call(base, 'POST', '/core/organizations', { token: cast.owner.session, body: { name } }), 'create organization');
    const world = new World(base, cast, org.body.id, name);
    for (const p of ['p1', 'p2'] as const) {
      const project = ok(await call(base, 'POST', `/core/organizations/${world.orgId}/projects`, { token: cast.owner.session, body: { name: `${name} ${p}` } }), 'create project');
      world.projects[p] = project.body.id;
    }
    return world;
  }

  get orgPath(): string {
    return `/core/organizations/${this.orgId}`;
  }

  /** Creates an API token with the owner's session. */
  async mint(body: { scopes: string[]; project_id?: string; mode?: Mode; expires_at?: string; name?: string }): Promise<{ id: string; secret: string }> {
    const res = ok(await call(this.base, 'POST', `${this.orgPath}/tokens`, { token: this.cast.owner.session, body: { name: 'matrix', ...body } }), 'create token');
    return { id: res.body.id, secret: res.body.secret };
  }

  async revoke(tokenId: string): Promise<void> {
    ok(await call(this.base, 'DELETE', `${this.orgPath}/tokens/${tokenId}`, { token: this.cast.owner.session }), 'revoke token');
  }

  private async browserToken(parent: string, scopes: string[]): Promise<string> {
    const res = ok(await call(this.base, 'POST', '/core/tokens/browser', { token: parent, body: { scopes, ttl: 600 } }), 'create browser token');
    return res.body.token;
  }

  /** The secret of a credential (null: none), made once per world. */
  async secret(spec: CredentialSpec): Promise<string | null> {
    switch (spec.kind) {
      case 'none':
        return null;
      case 'owner':
        return this.cast.owner.session;
      case 'member':
        await this.ensureMember(this.cast.actor, spec.scopes);
        return this.cast.actor.session;
    }
    const key = JSON.stringify(spec);
    let made = this.secrets.get(key);
    if (!made) {
      made = this.make(spec);
      this.secrets.set(key, made);
    }
    return made;
  }

  private async make(spec: CredentialSpec): Promise<string> {
    const p1 = this.projects.p1;
    switch (spec.kind) {
      case 'token':
        return (await this.mint({ scopes: spec.scopes, project_id: spec.project ? this.projects[spec.project] : undefined, mode: spec.mode })).secret;
      case 'browser':
        return this.browserToken((await this.secret({ kind: 'token', scopes: ['*'], project: 'p1', mode: spec.mode })) as string, spec.scopes);
      case 'expired': {
        this.expiresAt = Date.now() + EXPIRY_MS;
        return (await this.mint({ scopes: ['*'], project_id: p1, expires_at: new Date(this.expiresAt).toISOString() })).secret;
      }
      case 'revoked': {
        const token = await this.mint({ scopes: ['*'], project_id: p1 });
        await this.revoke(token.id);
        return token.secret;
      }
      case 'browserOfRevoked': {
        const parent = await this.mint({ scopes: ['*'], project_id: p1 });
        const bt = await this.browserToken(parent.secret, ['*']);
        await this.revoke(parent.id);
        return bt;
      }
      default:
        throw new Error(`not a token: ${spec.kind}`);
    }
  }

  /** Waits until the expired token (if one was made) has expired. */
  async expiryPassed(): Promise<void> {
    const wait = this.expiresAt - Date.now() + 50;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  binding(spec: CredentialSpec): Binding {
    switch (spec.kind) {
      case 'owner':
        return { projectId: null, mode: 'live', email: this.cast.owner.email };
      case 'member':
        return { projectId: null, mode: 'live', email: this.cast.actor.email };
      case 'token':
        return { projectId: spec.project ? this.projects[spec.project] : null, mode: spec.mode ?? 'live', email: null };
      case 'browser':
        return { projectId: this.projects.p1, mode: spec.mode ?? 'live', email: null };
      default:
        return { projectId: this.projects.p1, mode: 'live', email: null };
    }
  }

  /** Makes `account` a member with exactly `scopes` (invited and accepted the first time). */
  async ensureMember(account: Account, scopes: string[]): Promise<void> {
    await account.renew();
    const want = JSON.stringify(scopes);
    const listed = await call(this.base, 'GET', `${this.orgPath}/members`, { token: this.cast.owner.session, query: { limit: '100' } });
    const member = ok(listed, 'list members').body.members.find((m: { user_id: string }) => m.user_id === account.userId);
    if (!member) {
      const invitation = ok(await call(this.base, 'POST', `${this.orgPath}/members/invite`, { token: this.cast.owner.session, body: { email: account.email, scopes } }), 'invite');
      ok(await call(this.base, 'POST', `/core/invitations/${invitation.body.id}/accept`, { token: account.session }), 'accept');
    } else if (JSON.stringify(member.scopes) !== want) {
      ok(await call(this.base, 'PUT', `${this.orgPath}/members/${account.userId}/scopes`, { token: this.cast.owner.session, body: { scopes } }), 'update scopes');
    }
  }

  /**
   * The id of the member that operations act upon (a member again if it was removed). It holds no
   * scope, so that any caller with the operation's scope covers it (server/auth/peers.ts).
   */
  async targetMember(): Promise<string> {
    await this.ensureMember(this.cast.target, []);
    return this.cast.target.userId;
  }

  /** A new token of this organization (bound to `projectId` when given), to be revoked. */
  async freshToken(projectId: string | null, mode: Mode = 'live'): Promise<string> {
    return (await this.mint({ scopes: ['orgs:read'], project_id: projectId ?? undefined, mode })).id;
  }

  /** A pending invitation for `email`, from an organization of the host's made for it. */
  async invitationFor(email: string): Promise<string> {
    const host = this.cast.host.session;
    const org = ok(await call(this.base, 'POST', '/core/organizations', { token: host, body: { name: uniqueName('host') } }), 'host organization');
    const invitation = ok(await call(this.base, 'POST', `/core/organizations/${org.body.id}/members/invite`, { token: host, body: { email } }), 'host invite');
    return invitation.body.id;
  }

  /** The user code of a new device authorization (RFC 8628), pending, for the owner to answer. */
  async deviceCode(): Promise<string> {
    const res = await fetch(`${this.base}/oauth/device/code`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=saasignal-cli&scope=kv%3Aread' });
    if (res.status !== 200) throw new Error(`device authorization: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { user_code: string }).user_code;
  }

  /** A CLI session (OAuth grant) of the owner's in this organization: its id, to be revoked. */
  async grant(): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const query = {
      response_type: 'code', client_id: 'saasignal-cli', redirect_uri: 'http://127.0.0.1:53682/callback', scope: 'kv:read',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    };
    const approved = ok(await call(this.base, 'POST', '/core/oauth/authorization', { token: this.cast.owner.session, query, body: { decision: 'approve', org_id: this.orgId, project_id: this.projects.p1 } }), 'approve login');
    const code = new URL(approved.body.redirect_to).searchParams.get('code')!;
    const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: 'saasignal-cli', code, code_verifier: verifier, redirect_uri: query.redirect_uri });
    const res = await fetch(`${this.base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
    const grants = ok(await call(this.base, 'GET', '/core/oauth/grants', { token: this.cast.owner.session }), 'list grants');
    return grants.body.grants[0].id;
  }

  /** A pending invitation of this organization (to an address no one holds), to be revoked. */
  async ownInvitation(): Promise<string> {
    const invitation = ok(await call(this.base, 'POST', `${this.orgPath}/members/invite`, { token: this.cast.owner.session, body: { email: uniqueEmail('pending') } }), 'own invite');
    return invitation.body.id;
  }

  /** A KV key holding a number in the namespace of `binding` (a project and mode). */
  async numericKey(binding: Binding, key = 'matrix:n'): Promise<string> {
    const project = Object.entries(this.projects).find(([, id]) => id === binding.projectId)?.[0] as 'p1' | 'p2' | undefined;
    if (!project) return key;
    const admin = (await this.secret({ kind: 'token', scopes: ['*'], project, mode: binding.mode })) as string;
    ok(await call(this.base, 'PUT', `/infra/kv/${encodeURIComponent(key)}`, { token: admin, body: { value: 1 } }), 'set key');
    return key;
  }
}
