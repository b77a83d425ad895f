/**
 * Checks shared by the consent and device pages: the scopes a client asks for (the `scope`
 * parameter), the authorization request of the code flow, and what the user chose to grant.
 *
 * @module server/oauth/request
 */
import { isPlatformScope, missingScopes, parseScopes } from '../auth/scopes.ts';
import type { Db } from '../db/index.ts';
import { ApiError } from '../errors.ts';
import { document } from '../spec.ts';
import { findClient, type OAuthClientInfo, redirectUriProblem } from './clients.ts';
import { CHALLENGE } from './secrets.ts';
import type { operations } from '../../generated/types.ts';

const KNOWN_SCOPES: ReadonlySet<string> = new Set(document.components.schemas.Scope.enum as string[]);

/**
 * The scopes of a space-separated `scope` parameter; an unknown one or none at all is refused. A
 * `+` separates too: the query is parsed as RFC 3986 (server/http/url-encoding.ts), where a form
 * encoder's `+` for a space stays a `+`, and no scope contains one.
 */
export function parseScopeParam(value: string | undefined): { scopes: string[] } | { problem: string } {
  const scopes = [...new Set((value ?? '').split(/[ +]/).filter(Boolean))];
  if (scopes.length === 0) return { problem: 'Ask for at least one scope (scope=kv:read kv:write …).' };
  const unknown = scopes.filter((s) => !KNOWN_SCOPES.has(s));
  if (unknown.length > 0) return { problem: `Unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}; see scopes_supported in the server metadata.` };
  return { scopes };
}

/** The authorization request's query, as the document declares it (spec/oauth.ts). */
export type AuthorizationQuery = operations['getOAuthAuthorization']['parameters']['query'];

export interface CheckedAuthorization {
  client: OAuthClientInfo;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string;
  state?: string;
}

const invalid = (message: string, path: string) => new ApiError('INVALID_REQUEST', message, { details: [{ path, message }] });

/** The authorization request, checked; a 400 says what is wrong (the page then redirects nowhere). */
export function checkAuthorization(q: AuthorizationQuery): CheckedAuthorization {
  const client = findClient(q.client_id);
  if (!client) throw invalid(`Unknown client_id "${q.client_id.slice(0, 64)}".`, '/query/client_id');
  const problem = redirectUriProblem(q.redirect_uri);
  if (problem) throw invalid(problem, '/query/redirect_uri');
  if (q.response_type !== 'code') throw invalid('response_type must be "code".', '/query/response_type');
  if (q.code_challenge_method !== 'S256') throw invalid('code_challenge_method must be "S256" (PKCE; plain is not accepted).', '/query/code_challenge_method');
  if (!CHALLENGE.test(q.code_challenge)) throw invalid('code_challenge must be the base64url SHA-256 of the verifier (43 characters).', '/query/code_challenge');
  const parsed = parseScopeParam(q.scope);
  if ('problem' in parsed) throw invalid(parsed.problem, '/query/scope');
  return { client, redirectUri: q.redirect_uri, scopes: parsed.scopes, codeChallenge: q.code_challenge, state: q.state };
}

export interface Choice {
  org_id?: string;
  project_id?: string | null;
  scopes?: string[];
}

export interface Granted {
  orgId: string;
  projectId: string | null;
  scopes: string[];
}

/**
 * What an approval grants: an organization the user is a member of, a project of it that they may
 * reach (or none), and scopes among those asked for and those the member holds.
 */
export async function resolveChoice(db: Db, userId: string, requested: readonly string[], choice: Choice): Promise<Granted> {
  if (!choice.org_id) throw invalid('Choose an organization (org_id) to approve.', '/body/org_id');
  const member = await db.kysely
    .selectFrom('member')
    .select(['role', 'scopes', 'project_id'])
    .where('org_id', '=', choice.org_id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!member) throw new ApiError('NOT_FOUND', 'No such organization.');
  const projectId = choice.project_id ?? null;
  const restricted = (member.project_id as string | null) ?? null;
  if (restricted !== null && projectId !== restricted) {
    throw new ApiError('FORBIDDEN', `You are a member of this organization for project ${restricted} only: choose that project.`);
  }
  if (projectId !== null) {
    const project = await db.kysely.selectFrom('project').select('id').where('id', '=', projectId).where('org_id', '=', choice.org_id).executeTakeFirst();
    if (!project) throw new ApiError('NOT_FOUND', 'No such project in this organization.');
  }
  const scopes = [...new Set(choice.scopes ?? requested)];
  if (scopes.length === 0) throw invalid('Grant at least one scope, or deny.', '/body/scopes');
  const notAsked = missingScopes(requested, scopes);
  if (notAsked.length > 0) throw invalid(`The client did not ask for ${notAsked.join(', ')}; grant only scopes it asked for.`, '/body/scopes');
  const held = member.role === 'owner' ? ['*'] : parseScopes(member.scopes as string);
  const missing = missingScopes(held, scopes);
  if (missing.length > 0) {
    throw new ApiError('INSUFFICIENT_SCOPE', `You cannot grant scopes you do not hold in this organization: ${missing.map((s) => `"${s}"`).join(', ')}.`);
  }
  if (projectId === null) {
    const notPlatform = scopes.filter((s) => !isPlatformScope(s));
    if (notPlatform.length > 0) {
      throw invalid(`Without a project the session carries platform scopes only; ${notPlatform.join(', ')} need a project.`, '/body/project_id');
    }
  }
  return { orgId: choice.org_id, projectId, scopes };
}
