/**
 * The Dashboard's way to a project's KV store and channels. Those operations take project
 * credentials, never a session (a session is not bound to one project); so the signed-in member
 * gets a short-lived project token carrying the KV and channel scopes they hold there.
 *
 * @module spec/dashboard-token
 */
import { errors, OrgId, ok, ProjectId, Scopes, Timestamp } from './common.ts';
import { ApiTokenSecret } from './tokens.ts';
import { DASHBOARD_TOKEN_TTL } from './limits.ts';
import { defineOperation, registry, z } from './registry.ts';

// Defined in limits.ts (the server imports it without loading the schemas).
export { DASHBOARD_TOKEN_TTL };

export const DashboardToken = registry.register(
  'DashboardToken',
  z
    .object({
      secret: ApiTokenSecret.openapi({ description: 'A live API token (`sk_live_…`) for this project. Shown only in this answer.', example: 'sk_live_4f9aQ2xZ7kR1mN8pL3vB6cY0' }),
      project_id: ProjectId,
      scopes: Scopes.openapi({ description: 'The KV and channel scopes you hold in this project.' }),
      expires_at: Timestamp.openapi({ description: `When it stops working: ${DASHBOARD_TOKEN_TTL / 60} minutes after it was made.` }),
    })
    .openapi({
      example: {
        secret: 'sk_live_4f9aQ2xZ7kR1mN8pL3vB6cY0',
        project_id: 'proj_01JNXS9B2C3D4E5F6G7H8J9KMN',
        scopes: ['kv:read', 'kv:write', 'channels:publish', 'channels:subscribe'],
        expires_at: '2026-03-10T13:30:00.000Z',
      },
    }),
);

defineOperation({
  method: 'post',
  path: '/core/organizations/{org_id}/projects/{project_id}/dashboard-token',
  operationId: 'createDashboardToken',
  tags: ['Tokens'],
  summary: 'Create a Dashboard token',
  description:
    "For the Dashboard's KV browser and channel monitor: a live API token for the signed-in member on this project, " +
    `valid for ${DASHBOARD_TOKEN_TTL / 60} minutes, with the KV and channel scopes the member holds (403 when none). ` +
    "It is not listed among the organization's tokens, is metered like any live token, and is revoked with the project; " +
    'the Dashboard keeps it in memory only.',
  credentials: ['session'],
  scope: null,
  request: { params: z.object({ org_id: OrgId, project_id: ProjectId }) },
  responses: { 201: ok(DashboardToken, 'The token.'), ...errors(401, 403, 404, 429) },
  sdk: { method: 'core.orgs.createDashboardToken', args: ['path:org_id', 'path:project_id'], cli: { command: 'projects dashboard-token' } },
});
