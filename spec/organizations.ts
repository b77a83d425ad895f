/**
 * Organizations: the top-level container for projects, billing and members.
 *
 * @module spec/organizations
 */
import {
  Deleted, errors, jsonBody, Name, NextCursor, ok, OrgId, OrgIdRef, PAGE_MAX, PageQuery, Slug, Timestamp, UserId,
} from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

const organizationExample = {
  id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
  name: 'Acme Corp',
  slug: 'acme-corp',
  owner_id: 'usr_01JNXSB1C2D3E4F5G6H7J8K9MN',
  created_at: '2026-03-10T13:15:00.000Z',
  updated_at: '2026-03-10T13:15:00.000Z',
};

export const Organization = registry.register(
  'Organization',
  z
    .object({
      id: OrgId,
      name: Name.openapi({ example: 'Acme Corp' }),
      slug: Slug,
      owner_id: UserId,
      created_at: Timestamp,
      updated_at: Timestamp,
    })
    .openapi({
      example: organizationExample,
    }),
);

export const OrganizationList = registry.register(
  'OrganizationList',
  z.object({ organizations: z.array(Organization).max(PAGE_MAX), next_cursor: NextCursor }).openapi({
    example: {
      organizations: [
        organizationExample,
      ],
      next_cursor: null,
    },
  }),
);

export const CreateOrganizationRequest = registry.register(
  'CreateOrganizationRequest',
  z
    .strictObject({
      name: Name.openapi({ description: 'Organization name (1–100 characters, no control characters).', example: 'Acme Corp' }),
      slug: Slug.optional().openapi({ description: 'URL-friendly slug. Auto-generated from the name if omitted; unique.' }),
    })
    .openapi({ example: { name: 'Acme Corp', slug: 'acme-corp' } }),
);

export const UpdateOrganizationRequest = registry.register(
  'UpdateOrganizationRequest',
  z
    .strictObject({
      name: Name.optional().openapi({ description: 'Updated organization name (1–100 characters, no control characters).', example: 'Acme Inc' }),
      slug: Slug.optional().openapi({ description: 'Updated URL slug; unique.' }),
    })
    .openapi({ example: { name: 'Acme Inc' } }),
);

export const DeleteOrganizationRequest = registry.register(
  'DeleteOrganizationRequest',
  z
    .strictObject({
      // A name with control characters names no organization: refused like any other malformed field.
      confirm_name: Name.openapi({ description: "The organization's name, typed to confirm deletion.", example: 'Acme Corp' }),
    })
    .openapi({ example: { confirm_name: 'Acme Corp' } }),
);

const orgPath = z.object({ org_id: OrgIdRef });
const tags = ['Organizations'];

defineOperation({
  method: 'get',
  path: '/core/organizations',
  operationId: 'listOrganizations',
  tags,
  summary: 'List organizations',
  description: 'List the organizations the current user is a member of (for an organization token: its organization).',
  credentials: ['session', 'apiKey'],
  scope: 'orgs:read',
  request: { query: PageQuery },
  responses: { 200: ok(OrganizationList, 'A page of organizations.'), ...errors(401, 403, 429) },
  sdk: { method: 'core.orgs.list', args: ['query'], cli: { command: 'orgs list' } },
});

defineOperation({
  method: 'post',
  path: '/core/organizations',
  operationId: 'createOrganization',
  tags,
  summary: 'Create an organization',
  description: 'Create a new organization and add the authenticated user as its owner, with every scope.',
  credentials: ['session'],
  scope: 'orgs:write',
  request: { body: jsonBody(CreateOrganizationRequest) },
  responses: { 201: ok(Organization, 'The new organization.'), ...errors(401, 403, 409, 413, 415, 429) },
  sdk: { method: 'core.orgs.create', args: ['body'], cli: { command: 'orgs create', args: ['name'] } },
});

defineOperation({
  method: 'get',
  path: '/core/organizations/{org_id}',
  operationId: 'getOrganization',
  tags,
  summary: 'Get an organization',
  description: 'Retrieve a single organization by ID.',
  credentials: ['session', 'apiKey'],
  scope: 'orgs:read',
  request: { params: orgPath },
  responses: { 200: ok(Organization, 'The organization.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.get', args: ['path:org_id'], cli: { command: 'orgs get', args: ['org_id'] } },
});

defineOperation({
  method: 'patch',
  path: '/core/organizations/{org_id}',
  operationId: 'updateOrganization',
  tags,
  summary: 'Update an organization',
  description: "Update an organization's name and/or slug. A slug another organization has is a 409.",
  credentials: ['session', 'apiKey'],
  scope: 'orgs:write',
  request: { params: orgPath, body: jsonBody(UpdateOrganizationRequest) },
  responses: { 200: ok(Organization, 'The updated organization.'), ...errors(401, 403, 404, 409, 413, 415, 429) },
  sdk: { method: 'core.orgs.update', args: ['path:org_id', 'body'], cli: { command: 'orgs update', args: ['org_id'] } },
});

defineOperation({
  method: 'delete',
  path: '/core/organizations/{org_id}',
  operationId: 'deleteOrganization',
  tags,
  summary: 'Delete an organization',
  description:
    'Permanently delete an organization with its projects, tokens, members and data. The body is required: ' +
    "`confirm_name` must equal the organization's name (another name is a 400 `CONFIRMATION_MISMATCH`, no body a 400 " +
    "`INVALID_REQUEST`), so a deletion is always deliberate. The SDK takes it as a second argument that the compiler " +
    "requires: `ss.core.orgs.delete(orgId, { confirm_name: 'Acme Corp' })`. A test-mode token cannot (403). " +
    "Its unspent top-ups go with it; the included allowance is the owner's account's, and what the organization spent of " +
    'it is not given back.',
  credentials: ['session', 'apiKey'],
  scope: '*',
  request: { params: orgPath, body: jsonBody(DeleteOrganizationRequest) },
  responses: { 200: ok(Deleted, 'The organization is gone.'), ...errors(401, 403, 404, 413, 415, 429) },
  sdk: { method: 'core.orgs.delete', args: ['path:org_id', 'body'], cli: { command: 'orgs delete', args: ['org_id'] } },
});
