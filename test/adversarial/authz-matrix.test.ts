/**
 * The authorization matrix, derived from the document: every operation of `operationsById`,
 * its accepted credential kinds (`x-credentials`) and its required scope (`x-scope`, or
 * `x-scope-by-op` for the ops of a batch), against the real app on a real socket with response
 * validation on. Nothing here lists operations: requests are built from the document's examples
 * (test/support/valid-request.ts), with real ids of the caller's own objects.
 *
 * 1. Scopes: a credential lacking the required scope gets 403 INSUFFICIENT_SCOPE; one holding
 *    exactly it, its `resource:*`, or `*` succeeds — for every kind that carries scopes (API
 *    tokens at the operation's level, member sessions where the route names the organization,
 *    browser tokens).
 * 2. Kinds: none, session, organization token, project token live and test, browser token (header
 *    and query), expired token, revoked token, browser token of a revoked parent — each against
 *    every operation gets the documented answer for that pairing.
 * 3. Tenants: every object reached by id from another organization or project is a 404 that
 *    carries none of the other tenant's data; KV keys and channels never cross projects or modes.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { document, type OperationInfo, operationsById } from '../../server/spec.ts';
import { type Answer, call, send } from '../support/http-client.ts';
import { Account, type Binding, type Cast, type CredentialSpec, uniqueEmail, World } from '../support/tenants.ts';
import { buildRequest, documentedStatuses, fieldsOf, isStream, OMIT, type Provider } from '../support/valid-request.ts';
import { openApp, type TestApp } from '../server/support/platform.ts';

/**
 * The OAuth protocol endpoints (form bodies, RFC 6749) take no credential and act on one-time
 * codes and tokens, not on a tenant's objects: test/adversarial/oauth.test.ts refuses each misuse
 * of them. Every other operation, the Dashboard's OAuth ones included, is in the matrix.
 */
const isProtocol = (op: OperationInfo) => op.credentials.length === 0 && document.paths[op.path][op.method].requestBody?.content?.['application/x-www-form-urlencoded'] !== undefined;
const ops = [...operationsById.values()].filter((op) => !isProtocol(op));
const isInfra = (op: OperationInfo) => op.path.startsWith('/infra/');
const namesOrg = (op: OperationInfo) => [...fieldsOf(op).path, ...fieldsOf(op).query].includes('org_id');

let t: TestApp;
let server: Server;
let base: string;
let castA: Cast;
let castB: Cast;
let main: World;
let other: World;
let requests = 0;

beforeAll(async () => {
  t = await openApp({ includedMicrotokens: 1e12, rateLimit: { livePerMinute: 1e9, testPerHour: 1e9, authPerMinute: 1e9, invalidPerMinute: 1e9 } });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signUp = (tag: string) => Account.signUp(base, tag);
  const [ownerA, actorA, targetA, host, ownerB, actorB, targetB] = await Promise.all(
    ['owner-a', 'actor-a', 'target-a', 'host', 'owner-b', 'actor-b', 'target-b'].map(signUp),
  );
  castA = { owner: ownerA, actor: actorA, target: targetA, host };
  castB = { owner: ownerB, actor: actorB, target: targetB, host };
  // Signing in needs an account that exists: the one of the document's sign-in example.
  const signIn = (await buildRequest(operationsById.get('signInEmail')!, () => undefined)).body as object;
  const example = await call(base, 'POST', '/api/auth/sign-up/email', { body: { ...signIn, name: 'Example' } });
  expect(example.status).toBe(200);
  main = await World.create(base, castA, 'tenant-a');
  other = await World.create(base, castB, 'tenant-b');
  for (const kind of ['expired', 'revoked', 'browserOfRevoked'] as const) await main.secret({ kind });
  await main.expiryPassed();
}, 60_000);

afterAll(async () => {
  console.log(`authz matrix: ${requests} requests in the matrix (fixtures not counted)`);
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  expect(t.logs).toEqual([]);
  await t?.close();
});

/** Values for the named fields of a request: the caller's own objects in `world`. */
function ownObjects(world: World, op: OperationInfo, binding: Binding): Provider {
  return (name, where, example) => {
    switch (name) {
      case 'org_id':
        return world.orgId;
      case 'project_id':
        // Optional filters and targets stay out; a path names the caller's project, and so does
        // an OAuth approval (the project the login acts on).
        return where === 'path' || op.operationId.startsWith('decideOAuth') ? (binding.projectId ?? world.projects.p1) : OMIT;
      case 'user_code':
        return world.deviceCode();
      case 'grant_id':
        return world.grant();
      case 'token_id':
        return world.freshToken(binding.projectId, binding.mode);
      case 'user_id':
        return world.targetMember();
      case 'invitation_id':
        // Revoking acts on an invitation of the caller's organization; accepting, on one addressed to the caller.
        if (op.operationId === 'revokeInvitation') return world.ownInvitation();
        return world.invitationFor(binding.email ?? world.cast.owner.email);
      case 'key':
        return world.numericKey(binding);
      case 'email':
        return op.operationId === 'signInEmail' ? undefined : uniqueEmail('matrix');
      case 'slug':
        return OMIT;
      case 'confirm_name':
        return world.orgName;
      case 'scopes':
        // Grant what the operation itself requires: the caller is known to hold it.
        return op.scope ? [op.scope] : OMIT;
      case 'token':
        return OMIT;
      default:
        return example === undefined ? OMIT : undefined;
    }
  };
}

interface Cell {
  answer: Answer;
  binding: Binding;
}

/** One request: `spec`'s credential, the operation's valid request in `world`, `change` applied. */
async function cell(op: OperationInfo, spec: CredentialSpec, world: World, change?: Provider): Promise<Cell> {
  const binding = world.binding(spec);
  const own = ownObjects(world, op, binding);
  const provide: Provider = change ? async (n, w, e) => (await change(n, w, e)) ?? own(n, w, e) : own;
  const req = await buildRequest(op, provide);
  const secret = await world.secret(spec);
  requests++;
  if (spec.kind === 'browser' && spec.query) {
    return { answer: await send(base, { ...req, query: { ...req.query, token: secret! } }), binding };
  }
  return { answer: await send(base, req, { token: secret }), binding };
}

/** Sessions signed out by the operation are signed in again, for the next cells. */
async function heal(spec: CredentialSpec): Promise<void> {
  if (spec.kind === 'owner') await castA.owner.renew();
  if (spec.kind === 'member') await castA.actor.renew();
}

function describeAnswer(a: Answer): string {
  return `${a.status} ${a.body?.error?.code ?? ''}`.trim();
}

const ENVELOPE_KEYS = ['code', 'docs', 'message', 'request_id'];
function envelopeProblem(a: Answer, status: number, code: string): string | null {
  if (a.status !== status || a.body?.error?.code !== code) return `got ${describeAnswer(a)}, want ${status} ${code}`;
  if (!a.contentType.startsWith('application/json')) return `content type ${a.contentType}`;
  const keys = Object.keys(a.body.error).filter((k) => k !== 'details').sort();
  if (JSON.stringify(keys) !== JSON.stringify(ENVELOPE_KEYS) || Object.keys(a.body).length !== 1) return `not the envelope: ${JSON.stringify(a.body)}`;
  if (a.body.error.request_id !== a.headers.get('x-request-id')) return 'request id differs from X-Request-Id';
  return null;
}

function successProblem(op: OperationInfo, a: Answer): string | null {
  const { success } = documentedStatuses(op);
  if (!success.has(a.status)) return `got ${describeAnswer(a)} ${a.status >= 400 ? JSON.stringify(a.body?.error?.message) : ''}, want ${[...success]}`;
  if (isStream(op) !== a.contentType.startsWith('text/event-stream')) return `content type ${a.contentType}`;
  return null;
}

/** A single run that may destroy what it acts on (DELETE) gets a world of its own. */
async function worldFor(op: OperationInfo, mayPass: boolean): Promise<World> {
  return op.method === 'delete' && mayPass ? World.create(base, castA, `fresh-${op.operationId}`) : main;
}

// ---------------------------------------------------------------------------------------------
// 1. Scopes
// ---------------------------------------------------------------------------------------------

const scopeEnum: string[] = document.components.schemas.Scope.enum;
/** Resources an organization token may hold (the `/core` operations' scopes). */
const platformResources = new Set(ops.filter((op) => !isInfra(op) && op.scope && op.scope !== '*').map((op) => op.scope!.split(':')[0]));
const resourceOf = (scope: string) => scope.split(':')[0];

/** The scopes a request requires: the operation's, or one per op kind of a batch. */
function requiredOf(op: OperationInfo, body: unknown): string[] {
  if (op.scopeByOp) return [...new Set(((body as { ops: { op: string }[] }).ops ?? []).map((o) => op.scopeByOp![o.op]))];
  return op.scope ? [op.scope] : [];
}

/** Scope sets that lack `missing` (and hold the rest of `required`), at the credential's level. */
function lacking(required: string[], missing: string, orgLevel: boolean): string[] {
  const allowed = (s: string) => !orgLevel || platformResources.has(resourceOf(s));
  const rest = required.filter((s) => s !== missing);
  if (missing === '*') return scopeEnum.filter((s) => s.endsWith(':*') && allowed(s));
  const candidates = scopeEnum.filter((s) => s !== '*' && !s.endsWith(':*') && s !== missing && !required.includes(s) && allowed(s));
  // The sharpest refusal: another action of the same resource, when there is one.
  const sibling = candidates.find((s) => resourceOf(s) === resourceOf(missing)) ?? candidates[0];
  return [...rest, sibling];
}

interface Carrier {
  label: string;
  orgLevel: boolean;
  spec: (scopes: string[]) => CredentialSpec;
}

/** The credential kinds an operation accepts that carry scopes. */
function carriersOf(op: OperationInfo): Carrier[] {
  const out: Carrier[] = [];
  if (op.credentials.includes('apiKey')) {
    out.push(
      isInfra(op)
        ? { label: 'project token', orgLevel: false, spec: (scopes) => ({ kind: 'token', scopes, project: 'p1' }) }
        : { label: 'organization token', orgLevel: true, spec: (scopes) => ({ kind: 'token', scopes }) },
    );
  }
  // A session holds scopes in an organization: only where the route names one.
  if (op.credentials.includes('session') && namesOrg(op)) out.push({ label: 'member session', orgLevel: false, spec: (scopes) => ({ kind: 'member', scopes }) });
  if (op.credentials.includes('browser')) out.push({ label: 'browser token', orgLevel: false, spec: (scopes) => ({ kind: 'browser', scopes }) });
  return out;
}

const scoped = ops.filter((op) => (op.scope || op.scopeByOp) && carriersOf(op).length > 0);

describe('scopes: lacking is 403, exactly it, resource:* and * pass', () => {
  it('covers every operation that requires a scope some credential kind can carry', () => {
    const uncovered = ops.filter((op) => (op.scope || op.scopeByOp) && !scoped.includes(op)).map((op) => op.operationId);
    // Creating an organization: only a session may, and a session acts for itself there (no organization yet).
    expect(uncovered).toEqual(ops.filter((op) => op.credentials.every((k) => k === 'session') && !namesOrg(op) && op.scope).map((op) => op.operationId));
  });

  it.each(scoped.map((op) => [op.operationId, op] as const))('%s', async (_id, op) => {
    const example = await buildRequest(op, () => undefined);
    const required = requiredOf(op, example.body);
    const problems: string[] = [];
    for (const carrier of carriersOf(op)) {
      const refused = required.map((missing) => lacking(required, missing, carrier.orgLevel));
      const wildcards = required.every((s) => s !== '*') ? [[...new Set(required.map((s) => `${resourceOf(s)}:*`))]] : [];
      const granted = [required, ...wildcards, ['*']];
      for (const scopes of refused) {
        const { answer } = await cell(op, carrier.spec(scopes), main);
        const p = envelopeProblem(answer, 403, 'INSUFFICIENT_SCOPE');
        if (p) problems.push(`${carrier.label} ${JSON.stringify(scopes)}: ${p}`);
      }
      for (const scopes of granted) {
        const spec = carrier.spec(scopes);
        const { answer } = await cell(op, spec, await worldFor(op, true));
        const p = successProblem(op, answer);
        if (p) problems.push(`${carrier.label} ${JSON.stringify(scopes)}: ${p}`);
        await heal(spec);
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Credential kinds
// ---------------------------------------------------------------------------------------------

type Kind = 'session' | 'apiKey' | 'browser' | 'browserQuery';
interface KindRow {
  label: string;
  spec: CredentialSpec;
  /** What `x-credentials` calls it; null: not a valid credential at all. */
  kind: Kind | null;
  /** Bound to a project (acts there only). */
  bound: boolean;
}

const kinds: KindRow[] = [
  { label: 'no credential', spec: { kind: 'none' }, kind: null, bound: false },
  { label: 'session', spec: { kind: 'owner' }, kind: 'session', bound: false },
  { label: 'organization token', spec: { kind: 'token', scopes: ['*'] }, kind: 'apiKey', bound: false },
  { label: 'project token (live)', spec: { kind: 'token', scopes: ['*'], project: 'p1' }, kind: 'apiKey', bound: true },
  { label: 'project token (test)', spec: { kind: 'token', scopes: ['*'], project: 'p1', mode: 'test' }, kind: 'apiKey', bound: true },
  { label: 'browser token', spec: { kind: 'browser', scopes: ['*'] }, kind: 'browser', bound: true },
  { label: 'browser token in ?token=', spec: { kind: 'browser', scopes: ['*'], query: true }, kind: 'browserQuery', bound: true },
  { label: 'expired token', spec: { kind: 'expired' }, kind: null, bound: true },
  { label: 'revoked token', spec: { kind: 'revoked' }, kind: null, bound: true },
  { label: 'browser token of a revoked parent', spec: { kind: 'browserOfRevoked' }, kind: null, bound: true },
];

type Expectation = { pass: true; orLevelRefusal?: boolean } | { pass: false; status: number; code: string };

/** The documented answer for a credential kind on an operation. */
function expected(op: OperationInfo, row: KindRow): Expectation {
  // A `token` query parameter where the document declares none is an unknown parameter.
  if (row.kind === 'browserQuery' && !op.credentials.includes('browserQuery')) return { pass: false, status: 400, code: 'INVALID_REQUEST' };
  if (op.credentials.length === 0) return { pass: true };
  if (row.spec.kind === 'none' || row.kind === null) return { pass: false, status: 401, code: 'UNAUTHORIZED' };
  if (!op.credentials.includes(row.kind)) return { pass: false, status: 403, code: 'FORBIDDEN' };
  // KV and channels act on a project: a credential bound to none cannot use them.
  if (isInfra(op) && !row.bound) return { pass: false, status: 403, code: 'FORBIDDEN' };
  // A credential bound to a project may be refused an operation on the whole organization; the
  // document does not say which those are, so either answer is accepted (and compared below).
  if (!isInfra(op) && row.bound) return { pass: true, orLevelRefusal: true };
  return { pass: true };
}

/** Per operation, the project-bound kinds that were refused as acting on the whole organization. */
const levelRefusals = new Map<string, string[]>();

describe('credential kinds: every kind against every operation', () => {
  it.each(ops.map((op) => [op.operationId, op] as const))('%s', async (_id, op) => {
    const problems: string[] = [];
    for (const row of kinds) {
      const want = expected(op, row);
      const world = await worldFor(op, want.pass);
      const { answer } = await cell(op, row.spec, world);
      let p: string | null;
      if (!want.pass) p = envelopeProblem(answer, want.status, want.code);
      else if (want.orLevelRefusal && answer.status === 403) {
        p = envelopeProblem(answer, 403, 'FORBIDDEN');
        levelRefusals.set(op.operationId, [...(levelRefusals.get(op.operationId) ?? []), row.label]);
      } else p = successProblem(op, answer);
      if (p) problems.push(`${row.label}: ${p}`);
      if (want.pass) await heal(row.spec);
    }
    expect(problems).toEqual([]);
  });

  it('refuses project tokens the same operations in both modes, and never a read', () => {
    const refusedTo = (label: string) => [...levelRefusals].filter(([, labels]) => labels.includes(label)).map(([id]) => id);
    const live = refusedTo('project token (live)');
    // The sandbox is refused all a live project token is, and the deletion of live data besides (below).
    expect(refusedTo('project token (test)')).toEqual(expect.arrayContaining(live));
    // Reading the organization, its projects and tokens, and the balance stays open to a project token
    // (its members and invitations are the organization's, like managing them).
    const reads = ops.filter((o) => o.method === 'get' && !isInfra(o) && o.credentials.includes('apiKey') && !o.path.includes('/members') && !o.path.includes('/invitations'));
    expect(reads.filter((o) => live.includes(o.operationId)).map((o) => o.operationId)).toEqual([]);
  });

  it('a test-mode credential changes no live data: no project or organization deletion, no live token revoked', async () => {
    const world = await World.create(base, castA, 'sandbox');
    const test = (await world.secret({ kind: 'token', scopes: ['*'], project: 'p1', mode: 'test' }))!;
    const orgTest = (await world.secret({ kind: 'token', scopes: ['*'], mode: 'test' }))!;
    const live = (await world.secret({ kind: 'token', scopes: ['*'], project: 'p1' }))!;
    await call(base, 'PUT', '/infra/kv/production', { token: live, body: { value: 'precious' } });
    const liveToken = await world.freshToken(world.projects.p1, 'live');
    const testToken = await world.freshToken(world.projects.p1, 'test');
    const refusals = [
      await call(base, 'DELETE', `${world.orgPath}/projects/${world.projects.p1}`, { token: test }),
      await call(base, 'DELETE', world.orgPath, { token: orgTest, body: { confirm_name: world.orgName } }),
      await call(base, 'DELETE', `${world.orgPath}/tokens/${liveToken}`, { token: test }),
    ];
    expect(refusals.map((a) => envelopeProblem(a, 403, 'FORBIDDEN'))).toEqual([null, null, null]);
    expect((await call(base, 'DELETE', `${world.orgPath}/tokens/${testToken}`, { token: test })).status).toBe(200);
    expect((await call(base, 'GET', '/infra/kv/production', { token: live })).body.value).toBe('precious');
    const tokens = await call(base, 'GET', `${world.orgPath}/tokens`, { token: castA.owner.session, query: { limit: '100' } });
    expect(tokens.body.tokens.map((tok: { id: string }) => tok.id)).toContain(liveToken);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Tenants
// ---------------------------------------------------------------------------------------------

const ID_FIELDS = ['org_id', 'project_id', 'token_id', 'user_id', 'invitation_id'] as const;
type IdField = (typeof ID_FIELDS)[number];

function idFieldsOf(op: OperationInfo): { name: IdField; where: 'path' | 'query' | 'body' }[] {
  const f = fieldsOf(op);
  return (['path', 'query', 'body'] as const).flatMap((where) => f[where].filter((n): n is IdField => (ID_FIELDS as readonly string[]).includes(n)).map((name) => ({ name, where })));
}

/** What of tenant A's a 404 must never show (its name as it is now: the matrix renamed it). */
async function secretsOf(world: World): Promise<string[]> {
  const { owner, actor, target } = world.cast;
  const org = await call(base, 'GET', world.orgPath, { token: owner.session });
  return [org.body.name, `${world.orgName} p1`, `${world.orgName} p2`, owner.email, actor.email, target.email, owner.userId, actor.userId, world.projects.p2];
}

function leakProblem(a: Answer, secrets: string[], asked: string): string | null {
  const text = JSON.stringify(a.body);
  const leaked = secrets.filter((s) => s !== asked && text.includes(s));
  return leaked.length ? `leaks ${leaked.join(', ')}: ${text}` : null;
}

describe('tenants: another organization’s or project’s objects are 404 and show nothing', () => {
  const reached = ops.filter((op) => op.credentials.length > 0 && idFieldsOf(op).length > 0);
  let foreign: Record<IdField, string>;
  let siblings: Record<'project_id' | 'token_id', string>;
  let standing: string;
  let secrets: string[];
  let orgName: string;

  beforeAll(async () => {
    secrets = await secretsOf(main);
    orgName = secrets[0];
    standing = (await main.mint({ scopes: ['orgs:read'], project_id: main.projects.p1 })).secret;
    const invitation = await call(base, 'POST', `${main.orgPath}/members/invite`, { token: castA.owner.session, body: { email: uniqueEmail('pending') } });
    foreign = {
      org_id: main.orgId,
      project_id: main.projects.p1,
      token_id: await main.freshToken(null),
      user_id: await main.targetMember(),
      invitation_id: invitation.body.id,
    };
    siblings = { project_id: main.projects.p2, token_id: await main.freshToken(main.projects.p2) };
  });

  it.each(reached.map((op) => [op.operationId, op] as const))('%s', async (_id, op) => {
    const problems: string[] = [];
    const callers: { label: string; spec: CredentialSpec }[] = [];
    if (op.credentials.includes('session')) callers.push({ label: 'other tenant’s owner session', spec: { kind: 'owner' } });
    if (op.credentials.includes('apiKey') && !isInfra(op)) callers.push({ label: 'other tenant’s * token', spec: { kind: 'token', scopes: ['*'] } });
    for (const { name, where } of idFieldsOf(op)) {
      for (const caller of callers) {
        // B's own valid request, with this one field naming A's object.
        const { answer } = await cell(op, caller.spec, other, (n, w) => (n === name && w === where ? foreign[name] : undefined));
        const p = envelopeProblem(answer, 404, 'NOT_FOUND') ?? leakProblem(answer, secrets, foreign[name]);
        if (p) problems.push(`${caller.label}, ${where} ${name} of another organization: ${p}`);
      }
      // Within one organization: a project token reaching into the sibling project.
      if ((name === 'project_id' || name === 'token_id') && op.credentials.includes('apiKey')) {
        const spec: CredentialSpec = { kind: 'token', scopes: ['*'], project: 'p1' };
        const { answer } = await cell(op, spec, main, (n, w) => (n === name && w === where ? siblings[name] : undefined));
        let p = envelopeProblem(answer, 404, 'NOT_FOUND');
        // Unless a project token may not call this operation at all (the object plays no part).
        if (p && levelRefusals.get(op.operationId)?.includes('project token (live)')) p = envelopeProblem(answer, 403, 'FORBIDDEN');
        p ??= leakProblem(answer, secrets, siblings[name]);
        if (p) problems.push(`project token, ${where} ${name} of the sibling project: ${p}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('left tenant A as it was', async () => {
    const org = await call(base, 'GET', main.orgPath, { token: castA.owner.session });
    expect(org.body.name).toBe(orgName);
    for (const p of ['p1', 'p2'] as const) expect((await call(base, 'GET', `${main.orgPath}/projects/${main.projects[p]}`, { token: castA.owner.session })).status).toBe(200);
    expect((await call(base, 'GET', main.orgPath, { token: standing })).status).toBe(200);
    const tokens = await call(base, 'GET', `${main.orgPath}/tokens`, { token: castA.owner.session, query: { limit: '100' } });
    expect(tokens.body.tokens.map((tok: { id: string }) => tok.id)).toEqual(expect.arrayContaining([foreign.token_id, siblings.token_id]));
    const members = await call(base, 'GET', `${main.orgPath}/members`, { token: castA.owner.session });
    expect(members.body.members.map((m: { user_id: string }) => m.user_id)).toContain(foreign.user_id);
  });

  describe('KV and channels never cross projects or modes', () => {
    interface Context {
      label: string;
      world: World;
      spec: CredentialSpec;
    }
    const contexts = (): Context[] => [
      { label: 'A p1 live', world: main, spec: { kind: 'token', scopes: ['*'], project: 'p1' } },
      { label: 'A p1 test', world: main, spec: { kind: 'token', scopes: ['*'], project: 'p1', mode: 'test' } },
      { label: 'A p2 live', world: main, spec: { kind: 'token', scopes: ['*'], project: 'p2' } },
      { label: 'B p1 live', world: other, spec: { kind: 'token', scopes: ['*'], project: 'p1' } },
      { label: 'B p1 test', world: other, spec: { kind: 'token', scopes: ['*'], project: 'p1', mode: 'test' } },
    ];
    const KEY = 'tenant:shared';
    const marker = (c: Context) => `secret of ${c.label} ${process.pid}`;
    const kvOps = ops.filter((op) => op.path.startsWith('/infra/kv'));
    const sameKey: Provider = (name) => (name === 'key' ? KEY : name === 'prefix' ? 'tenant:' : name === 'value' ? undefined : undefined);

    it('every KV operation in every other namespace sees none of a key’s value, and changes nothing of it', async () => {
      const [owner, ...others] = contexts();
      const ownerSecret = (await owner.world.secret(owner.spec))!;
      await call(base, 'PUT', `/infra/kv/${encodeURIComponent(KEY)}`, { token: ownerSecret, body: { value: { marker: marker(owner) } } });
      const problems: string[] = [];
      for (const c of others) {
        const secret = (await c.world.secret(c.spec))!;
        // Before it writes anything itself, the namespace is empty.
        const get = await call(base, 'GET', `/infra/kv/${encodeURIComponent(KEY)}`, { token: secret });
        if (get.status !== 404) problems.push(`${c.label} reads the key: ${describeAnswer(get)} ${JSON.stringify(get.body)}`);
        const scan = await call(base, 'GET', '/infra/kv', { token: secret, query: { prefix: 'tenant:' } });
        if (JSON.stringify(scan.body.keys) !== '[]') problems.push(`${c.label} scans ${JSON.stringify(scan.body)}`);
        for (const op of kvOps) {
          const { answer } = await cell(op, c.spec, c.world, (name, where, example) => (name === 'value' && where === 'body' ? { marker: marker(c) } : sameKey(name, where, example)));
          if (JSON.stringify(answer.body).includes(marker(owner))) problems.push(`${c.label} ${op.operationId} sees ${JSON.stringify(answer.body)}`);
          if (answer.status >= 500 || ![200, 404].includes(answer.status)) problems.push(`${c.label} ${op.operationId}: ${describeAnswer(answer)}`);
        }
      }
      const after = await call(base, 'GET', `/infra/kv/${encodeURIComponent(KEY)}`, { token: ownerSecret });
      expect(after.body).toEqual({ key: KEY, value: { marker: marker(owner) }, expires_at: null });
      expect(problems).toEqual([]);
    });

    it('an event reaches the subscribers of its own project and mode only', async () => {
      const all = contexts();
      const channel = `tenant-${process.pid}`;
      const received = new Map<string, string[]>(all.map((c) => [c.label, []]));
      const aborts: AbortController[] = [];
      const ready: Promise<void>[] = [];
      for (const c of all) {
        const secret = (await c.world.secret(c.spec))!;
        const abort = new AbortController();
        aborts.push(abort);
        const res = await fetch(`${base}/infra/channels/${channel}/subscribe`, { headers: { authorization: `Bearer ${secret}` }, signal: abort.signal });
        expect(res.status).toBe(200);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        ready.push(
          (async () => {
            try {
              for (;;) {
                const { value, done } = await reader.read();
                if (done) return;
                for (const line of value.split('\n')) if (line.startsWith('data:')) received.get(c.label)!.push(JSON.parse(line.slice(5)).data.from);
              }
            } catch {
              // Aborted at the end.
            }
          })(),
        );
      }
      try {
        for (const c of all) {
          const secret = (await c.world.secret(c.spec))!;
          const published = await call(base, 'POST', `/infra/channels/${channel}/publish`, { token: secret, body: { event: 'ping', data: { from: c.label } } });
          requests++;
          expect({ from: c.label, delivered: published.body.delivered }).toEqual({ from: c.label, delivered: 1 });
        }
        const until = Date.now() + 5000;
        while ([...received.values()].some((r) => r.length === 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      } finally {
        for (const a of aborts) a.abort();
        await Promise.all(ready);
      }
      expect(Object.fromEntries(received)).toEqual(Object.fromEntries(all.map((c) => [c.label, [c.label]])));
    });
  });
});
