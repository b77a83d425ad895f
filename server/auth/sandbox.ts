/**
 * The sandbox boundary on platform operations: a test-mode credential (`sk_test_…`, and the
 * browser tokens made from one) changes no live platform state. Its KV and channel data live in
 * a separate namespace already; here, the platform operations that would change what live
 * credentials see or can do are refused with 403 `FORBIDDEN`:
 *
 * - inviting a member (the member would accept with an always-live session and mint live tokens),
 * - renaming the organization or changing its slug,
 * - changing a member's scopes or removing a member,
 * - creating, and deleting, a project; deleting the organization,
 * - minting a live token or revoking one (checked in server/platform/tokens.ts, which knows the target).
 *
 * Reads stay open, and so does managing test tokens: the sandbox can still run its own tests.
 *
 * @module server/auth/sandbox
 */
import type { AuthContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { OperationId } from '../spec.ts';

/** Operations that change live platform state, whatever their body. */
export const LIVE_PLATFORM_WRITES: ReadonlySet<OperationId> = new Set<OperationId>([
  'inviteMember',
  'updateOrganization',
  'updateMemberScopes',
  'removeMember',
  'createProject',
  'deleteProject',
  'deleteOrganization',
]);

export const sandboxRefusal = (what: string) =>
  new ApiError('FORBIDDEN', `A test-mode credential changes no live platform state: it cannot ${what}. Use a live token or a session.`);

/** Refuses a live-state operation to a test-mode credential (403 FORBIDDEN). */
export function assertSandboxAllows(operationId: OperationId, auth: AuthContext): void {
  if (auth.mode === 'test' && LIVE_PLATFORM_WRITES.has(operationId)) throw sandboxRefusal(`call ${operationId}`);
}
