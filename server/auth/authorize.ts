/**
 * Authorization: places a proven credential in its organization and project, then checks the
 * scope the document requires (`x-scope`, or `x-scope-by-op` for each op of a batch).
 *
 * - A session acts with the member's scopes in the organization of the path or query `org_id`
 *   (the owner: `*`); on routes without an organization it is trusted.
 * - A token acts on its own organization only, a project token (and a project-restricted member)
 *   on its own project only. KV and channels need a project.
 * - An organization the caller is not in, or a project it cannot see, is a 404 with no data;
 *   a valid caller without the scope is a 403.
 *
 * @module server/auth/authorize
 */
import type { NextFunction, Request, Response } from 'express';
import type { AuthContext, Locals } from '../context.ts';
import type { Db } from '../db/index.ts';
import { ApiError } from '../errors.ts';
import type { OperationId, OperationInfo } from '../spec.ts';
import { assertSandboxAllows } from './sandbox.ts';
import { missingScopes, parseScopes } from './scopes.ts';

/**
 * Operations on the organization as a whole. A caller bound to one project (a project token, a
 * member invited for one project) cannot use them, whatever its scopes: it acts on its project only.
 */
const ORGANIZATION_WIDE: ReadonlySet<OperationId> = new Set<OperationId>([
  'updateOrganization',
  'deleteOrganization',
  'listMembers',
  'inviteMember',
  'updateMemberScopes',
  'removeMember',
  'listOrgInvitations',
  'revokeInvitation',
  'createProject',
]);

export const notFoundOrg = () => new ApiError('NOT_FOUND', 'No such organization.');
export const notFoundProject = () => new ApiError('NOT_FOUND', 'No such project in this organization.');

/** The scopes a request needs: the operation's, or one per op of a batch body. */
export function requiredScopes(op: OperationInfo, body: unknown): string[] {
  if (op.scopeByOp) {
    const ops = (body as { ops?: { op: string }[] } | undefined)?.ops ?? [];
    // An empty batch does nothing, but still needs the operation's first (least) scope: a
    // credential without any KV scope learns nothing about the store, not even that it answers.
    if (ops.length === 0) return Object.values(op.scopeByOp).slice(0, 1);
    return [...new Set(ops.map((o) => op.scopeByOp![o.op]).filter(Boolean))];
  }
  return op.scope ? [op.scope] : [];
}

function param(req: Request, name: string): string | undefined {
  const fromPath = (req.params as Record<string, string | undefined>)[name];
  if (fromPath !== undefined) return fromPath;
  const fromQuery = req.query[name];
  return typeof fromQuery === 'string' ? fromQuery : undefined;
}

async function placeSession(db: Db, ctx: AuthContext, orgId: string): Promise<void> {
  const member = await db.kysely
    .selectFrom('member')
    .select(['role', 'scopes', 'project_id'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', ctx.userId)
    .executeTakeFirst();
  if (!member) throw notFoundOrg();
  ctx.orgId = orgId;
  ctx.scopes = member.role === 'owner' ? ['*'] : parseScopes(member.scopes as string);
  ctx.projectId = (member.project_id as string | null) ?? null;
}

export function authorize(op: OperationInfo, db: Db) {
  const infra = op.path.startsWith('/infra/');
  return async (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
    const ctx = res.locals.auth;
    if (!ctx) return next();
    const orgId = param(req, 'org_id');
    if (ctx.type === 'session') {
      // No organization on the route (list/create organizations, invitations): the user acts for itself.
      if (orgId === undefined) return next();
      await placeSession(db, ctx, orgId);
    } else if (orgId !== undefined && orgId !== ctx.orgId) {
      throw notFoundOrg();
    }

    if (infra && !ctx.projectId) {
      throw new ApiError('FORBIDDEN', 'KV and channels act on a project: use a project token (or a browser token made from one).');
    }
    if (ctx.projectId && !infra) {
      if (ORGANIZATION_WIDE.has(op.operationId)) {
        throw new ApiError('FORBIDDEN', `This credential is bound to project ${ctx.projectId}; ${op.operationId} acts on the whole organization.`);
      }
      const projectId = param(req, 'project_id');
      if (projectId !== undefined && projectId !== ctx.projectId) throw notFoundProject();
    }

    assertSandboxAllows(op.operationId, ctx);
    const missing = missingScopes(ctx.scopes, requiredScopes(op, req.body));
    if (missing.length > 0) {
      throw new ApiError('INSUFFICIENT_SCOPE', `This credential lacks the scope ${missing.map((s) => `"${s}"`).join(', ')}.`);
    }
    next();
  };
}
