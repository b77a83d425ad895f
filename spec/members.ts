/**
 * Members: who belongs to an organization, with which scopes; invitations and accepting them.
 *
 * @module spec/members
 */
import {
  Deleted, Email, errors, InvitationId, InvitationIdRef, jsonBody, Name, NextCursor, ok, OrgId, OrgIdRef, orNull, PAGE_MAX, PageQuery, ProjectId, ProjectIdRef, Scope, Scopes, Timestamp, UserId, UserIdRef,
} from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

const Role = registry.register(
  'Role',
  z.enum(['owner', 'member']).openapi({ description: 'The owner has every scope; it cannot be changed or removed.', example: 'member' }),
);

export const Member = registry.register(
  'Member',
  z
    .object({
      user_id: UserId,
      email: Email,
      name: Name.openapi({ example: 'Alice Doe' }),
      role: Role,
      scopes: Scopes,
      project_id: orNull(ProjectId).openapi({ description: 'When set, the scopes apply to this project only.' }),
      joined_at: Timestamp,
    })
    .openapi({
      example: {
        user_id: 'usr_01JNXSB1C2D3E4F5G6H7J8K9MN',
        email: 'alice@acme.com',
        name: 'Alice Doe',
        role: 'member',
        scopes: ['kv:read', 'kv:write'],
        project_id: null,
        joined_at: '2026-03-10T13:15:00.000Z',
      },
    }),
);

export const MemberList = registry.register(
  'MemberList',
  z.object({ members: z.array(Member).max(PAGE_MAX), next_cursor: NextCursor }).openapi({
    example: {
      members: [
        {
          user_id: 'usr_01JNXSB1C2D3E4F5G6H7J8K9MN',
          email: 'alice@acme.com',
          name: 'Alice Doe',
          role: 'owner',
          scopes: ['*'],
          project_id: null,
          joined_at: '2026-03-10T13:15:00.000Z',
        },
      ],
      next_cursor: null,
    },
  }),
);

export const InviteMemberRequest = registry.register(
  'InviteMemberRequest',
  z
    .strictObject({
      email: Email.openapi({ description: 'Email address to invite.' }),
      scopes: Scopes.optional().openapi({ description: 'Permission scopes to grant (e.g. `["kv:read", "kv:write"]`). Default none.' }),
      project_id: ProjectIdRef.optional().openapi({ description: 'Restrict the scopes to one project of the organization.' }),
    })
    .openapi({ example: { email: 'alice@acme.com', scopes: ['kv:read', 'kv:write', 'channels:publish'] } }),
);

export const Invitation = registry.register(
  'Invitation',
  z
    .object({
      id: InvitationId,
      org_id: OrgId,
      org_name: Name.openapi({ example: 'Acme Corp' }),
      email: Email,
      scopes: Scopes,
      project_id: orNull(ProjectId),
      status: z.enum(['pending', 'accepted']).openapi({ example: 'pending' }),
      invited_by: UserId,
      created_at: Timestamp,
      expires_at: Timestamp,
      accept_url: z.url({ protocol: /^https?$/ }).max(4096).optional().openapi({
        description:
          'Only in the answer to the invitation (`inviteMember`): the link emailed to the invited address, a page of the Dashboard ' +
          'carrying the invitation\'s one-time secret (`…/invitations/{id}?token=…`). Share it yourself if the email does not arrive; ' +
          'it is shown once (the server keeps only a hash of the secret), and inviting again makes a new one.',
        example: 'http://localhost:3000/invitations/inv_01JNXSC1D2E3F4G5H6J7K8M9NP?token=Xq7vK2pR9sT4wY6zA1bC3dE5fG8hJ0kL2mN4pQ6rS8t',
      }),
    })
    .openapi({
      example: {
        id: 'inv_01JNXSC1D2E3F4G5H6J7K8M9NP',
        org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
        org_name: 'Acme Corp',
        email: 'alice@acme.com',
        scopes: ['kv:read', 'kv:write', 'channels:publish'],
        project_id: null,
        status: 'pending',
        invited_by: 'usr_01JNXSB1C2D3E4F5G6H7J8K9MN',
        created_at: '2026-03-10T13:15:00.000Z',
        expires_at: '2026-03-17T13:15:00.000Z',
      },
    }),
);

export const AcceptInvitationRequest = registry.register(
  'AcceptInvitationRequest',
  z
    .strictObject({
      token: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .openapi({
          description:
            'The secret of the invitation link (the `token` query parameter of `accept_url`), which proves you received the email. ' +
            'Not needed when your account\'s email is verified.',
          example: 'Xq7vK2pR9sT4wY6zA1bC3dE5fG8hJ0kL2mN4pQ6rS8t',
        }),
    })
    .openapi({ example: { token: 'Xq7vK2pR9sT4wY6zA1bC3dE5fG8hJ0kL2mN4pQ6rS8t' } }),
);

export const InvitationList = registry.register(
  'InvitationList',
  z.object({ invitations: z.array(Invitation).max(PAGE_MAX), next_cursor: NextCursor }).openapi({
    example: { invitations: [], next_cursor: null },
  }),
);

export const MyScopes = registry.register(
  'MyScopes',
  z
    .object({ org_id: OrgId, user_id: orNull(UserId), role: orNull(Role), scopes: Scopes, project_id: orNull(ProjectId) })
    .openapi({
      description: 'The resolved scopes of the caller here; for a token, its own scopes (`user_id` and `role` null).',
      example: { org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB', user_id: 'usr_01JNXSB1C2D3E4F5G6H7J8K9MN', role: 'owner', scopes: ['*'], project_id: null },
    }),
);

export const UpdateMemberScopesRequest = registry.register(
  'UpdateMemberScopesRequest',
  z
    .strictObject({ scopes: Scopes.openapi({ description: 'New scopes (replace the existing ones).' }) })
    .openapi({ example: { scopes: ['kv:read', 'channels:subscribe'] } }),
);

const orgPath = z.object({ org_id: OrgIdRef });
const memberPath = z.object({ org_id: OrgIdRef, user_id: UserIdRef });
const tags = ['Members'];

defineOperation({
  method: 'get',
  path: '/core/organizations/{org_id}/members',
  operationId: 'listMembers',
  tags,
  summary: 'List members',
  description: 'List the members of an organization with their scopes.',
  credentials: ['session', 'apiKey'],
  scope: 'orgs:read',
  request: { params: orgPath, query: PageQuery },
  responses: { 200: ok(MemberList, 'A page of members.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.listMembers', args: ['path:org_id', 'query'], cli: { command: 'members list' } },
});

defineOperation({
  method: 'post',
  path: '/core/organizations/{org_id}/members/invite',
  operationId: 'inviteMember',
  tags,
  summary: 'Invite a member',
  description:
    'Invite someone by email with the given scopes (at most the scopes you hold). The server emails the address a link with a ' +
    'one-time secret (`accept_url`, also in this answer, shown once); the invited user opens it, signs in or signs up with that ' +
    'email, and accepts. Inviting again replaces a pending invitation, and its link.',
  credentials: ['session', 'apiKey'],
  scope: 'orgs:write',
  request: { params: orgPath, body: jsonBody(InviteMemberRequest) },
  responses: { 202: ok(Invitation, 'The invitation, pending.'), ...errors(401, 403, 404, 409, 413, 415, 429) },
  sdk: { method: 'core.orgs.invite', args: ['path:org_id', 'body'], cli: { command: 'members invite', args: ['email'] } },
});

defineOperation({
  method: 'get',
  path: '/core/organizations/{org_id}/my-scopes',
  operationId: 'getMyScopes',
  tags,
  summary: 'Get my scopes',
  description: 'Return the resolved scopes of the authenticated caller in this organization.',
  credentials: ['session', 'apiKey'],
  scope: 'orgs:read',
  request: { params: orgPath },
  responses: { 200: ok(MyScopes, 'Your scopes here.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.myScopes', args: ['path:org_id'], cli: { command: 'members my-scopes' } },
});

defineOperation({
  method: 'put',
  path: '/core/organizations/{org_id}/members/{user_id}/scopes',
  operationId: 'updateMemberScopes',
  tags,
  summary: 'Update member scopes',
  description: "Replace a member's scopes (at most the scopes you hold). The owner's scopes cannot be changed (403).",
  credentials: ['session', 'apiKey'],
  scope: 'orgs:write',
  request: { params: memberPath, body: jsonBody(UpdateMemberScopesRequest) },
  responses: { 200: ok(Member, 'The member with the new scopes.'), ...errors(401, 403, 404, 413, 415, 429) },
  sdk: { method: 'core.orgs.updateMemberScopes', args: ['path:org_id', 'path:user_id', 'body'], cli: { command: 'members set-scopes' } },
});

defineOperation({
  method: 'delete',
  path: '/core/organizations/{org_id}/members/{user_id}',
  operationId: 'removeMember',
  tags,
  summary: 'Remove a member',
  description: 'Remove a member from the organization. The owner cannot be removed (403).',
  credentials: ['session', 'apiKey'],
  scope: 'orgs:write',
  request: { params: memberPath },
  responses: { 200: ok(Deleted, 'The member is removed.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.removeMember', args: ['path:org_id', 'path:user_id'], cli: { command: 'members remove' } },
});

defineOperation({
  method: 'get',
  path: '/core/invitations',
  operationId: 'listInvitations',
  tags,
  summary: 'List my invitations',
  description: "List the pending invitations addressed to the signed-in user's email.",
  credentials: ['session'],
  scope: null,
  request: { query: PageQuery },
  responses: { 200: ok(InvitationList, 'A page of pending invitations.'), ...errors(401, 429) },
  sdk: { method: 'core.invitations.list', args: ['query'], cli: { command: 'invitations list' } },
});

defineOperation({
  method: 'post',
  path: '/core/invitations/{invitation_id}/accept',
  operationId: 'acceptInvitation',
  tags,
  summary: 'Accept an invitation',
  description:
    "Join the organization with the invitation's scopes. Only the invited email can accept (404 for anyone else), and only with proof " +
    'that you control it: the `token` of the emailed link, or an account whose email is verified; without either, 403 ' +
    '`INVITATION_PROOF_REQUIRED`. 409 when already a member.',
  credentials: ['session'],
  scope: null,
  request: { params: z.object({ invitation_id: InvitationIdRef }), body: jsonBody(AcceptInvitationRequest, false) },
  responses: { 200: ok(Member, 'You are now a member.'), ...errors(401, 403, 404, 409, 413, 415, 429) },
  sdk: { method: 'core.invitations.accept', args: ['path:invitation_id', 'body'], cli: { command: 'invitations accept' } },
});
