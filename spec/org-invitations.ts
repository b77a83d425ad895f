/**
 * An organization's pending invitations, as its admins see them: listed, and revoked before they
 * are accepted. (The invited user's side, list mine and accept, is in members.ts.)
 *
 * @module spec/org-invitations
 */
import { Deleted, errors, InvitationId, ok, OrgId, PageQuery } from './common.ts';
import { InvitationList } from './members.ts';
import { defineOperation, z } from './registry.ts';

const tags = ['Members'];

defineOperation({
  method: 'get',
  path: '/core/organizations/{org_id}/invitations',
  operationId: 'listOrgInvitations',
  tags,
  summary: 'List pending invitations',
  description: 'List the invitations of an organization that are still pending: not accepted, revoked or expired.',
  credentials: ['session', 'apiKey'],
  scope: 'orgs:read',
  request: { params: z.object({ org_id: OrgId }), query: PageQuery },
  responses: { 200: ok(InvitationList, 'A page of pending invitations.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.listInvitations', args: ['path:org_id', 'query'], cli: { command: 'invitations pending' } },
});

defineOperation({
  method: 'delete',
  path: '/core/organizations/{org_id}/invitations/{invitation_id}',
  operationId: 'revokeInvitation',
  tags,
  summary: 'Revoke an invitation',
  description: 'Withdraw a pending invitation: it can no longer be accepted. An invitation already accepted is a member now (remove the member instead): 404.',
  credentials: ['session', 'apiKey'],
  scope: 'orgs:write',
  request: { params: z.object({ org_id: OrgId, invitation_id: InvitationId }) },
  responses: { 200: ok(Deleted, 'The invitation is revoked.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.revokeInvitation', args: ['path:org_id', 'path:invitation_id'], cli: { command: 'invitations revoke' } },
});
