/**
 * Projects: live inside organizations and isolate KV namespaces and channels.
 *
 * @module spec/projects
 */
import {
  Deleted, errors, jsonBody, Name, NextCursor, ok, OrgId, OrgIdRef, PAGE_MAX, PageQuery, ProjectId, ProjectIdRef, Region, REGIONS, Timestamp,
} from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

/**
 * Free text over lines: tabs and line breaks, but no other control character (PostgreSQL refuses
 * NUL in text, and terminals act on the rest).
 */
const ProjectDescription = z.string().max(1000).regex(/^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/);

const projectExample = {
  id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN',
  org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
  name: 'Production',
  description: null,
  region: 'enam',
  created_at: '2026-03-10T13:15:00.000Z',
};

export const Project = registry.register(
  'Project',
  z
    .object({
      id: ProjectId,
      org_id: OrgId,
      name: Name.openapi({ example: 'Production' }),
      description: ProjectDescription.nullable().openapi({ example: 'Customer-facing app' }),
      region: Region,
      created_at: Timestamp,
    })
    .openapi({
      example: projectExample,
    }),
);

export const ProjectList = registry.register(
  'ProjectList',
  z.object({ projects: z.array(Project).max(PAGE_MAX), next_cursor: NextCursor }).openapi({
    example: {
      projects: [
        projectExample,
      ],
      next_cursor: null,
    },
  }),
);

export const CreateProjectRequest = registry.register(
  'CreateProjectRequest',
  z
    .strictObject({
      name: Name.openapi({ description: 'Project name (1–100 characters, no control characters).', example: 'Production' }),
      description: ProjectDescription.optional().openapi({ description: 'Project description.', example: 'Customer-facing app' }),
      // Inlined rather than the Region component: a default on a registered enum is lost (TOOLCHAIN.md).
      region: z.enum(REGIONS).default('enam').openapi({ description: 'Region (see `Region`). Default `enam`.', example: 'weur' }),
    })
    .openapi({ example: { name: 'Production', region: 'enam' } }),
);

const orgPath = z.object({ org_id: OrgIdRef });
const projectPath = z.object({ org_id: OrgIdRef, project_id: ProjectIdRef });
const tags = ['Projects'];

defineOperation({
  method: 'get',
  path: '/core/organizations/{org_id}/projects',
  operationId: 'listProjects',
  tags,
  summary: 'List projects',
  description: 'List the projects of an organization (for a project token: its own project).',
  credentials: ['session', 'apiKey'],
  scope: 'projects:read',
  request: { params: orgPath, query: PageQuery },
  responses: { 200: ok(ProjectList, 'A page of projects.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.listProjects', args: ['path:org_id', 'query'], cli: { command: 'projects list' } },
});

defineOperation({
  method: 'post',
  path: '/core/organizations/{org_id}/projects',
  operationId: 'createProject',
  tags,
  summary: 'Create a project',
  description: 'Create a new project within an organization.',
  credentials: ['session', 'apiKey'],
  scope: 'projects:write',
  request: { params: orgPath, body: jsonBody(CreateProjectRequest) },
  responses: { 201: ok(Project, 'The new project.'), ...errors(401, 403, 404, 413, 415, 429) },
  sdk: { method: 'core.orgs.createProject', args: ['path:org_id', 'body'], cli: { command: 'projects create', args: ['name'] } },
});

defineOperation({
  method: 'get',
  path: '/core/organizations/{org_id}/projects/{project_id}',
  operationId: 'getProject',
  tags,
  summary: 'Get a project',
  description: 'Retrieve a single project by ID.',
  credentials: ['session', 'apiKey'],
  scope: 'projects:read',
  request: { params: projectPath },
  responses: { 200: ok(Project, 'The project.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.getProject', args: ['path:org_id', 'path:project_id'], cli: { command: 'projects get' } },
});

defineOperation({
  method: 'delete',
  path: '/core/organizations/{org_id}/projects/{project_id}',
  operationId: 'deleteProject',
  tags,
  summary: 'Delete a project',
  description: 'Permanently delete a project and all its data: KV keys (live and test), tokens bound to it, channels. A test-mode token cannot (403).',
  credentials: ['session', 'apiKey'],
  scope: 'projects:write',
  request: { params: projectPath },
  responses: { 200: ok(Deleted, 'The project is gone.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.deleteProject', args: ['path:org_id', 'path:project_id'], cli: { command: 'projects delete' } },
});
