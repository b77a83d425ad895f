/**
 * Projects: create, list, get, delete. Deleting a project deletes all its data (through the
 * infra layer, both modes), the tokens bound to it and pending invitations to it.
 * A caller bound to one project sees that project only (authorize.ts enforces the path).
 *
 * @module server/platform/projects
 */
import type { Response } from 'express';
import type { Handlers, Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../ids.ts';
import { finishPage, pageOf } from '../http/pagination.ts';
import { input, reply } from '../http/respond.ts';
import type { PlatformDeps } from './deps.ts';
import { nowIso, type ProjectRow, projectOut } from './rows.ts';

const PROJECT_COLUMNS = ['id', 'org_id', 'name', 'description', 'region', 'created_at'] as const;

export function projectHandlers(deps: PlatformDeps): Handlers {
  const { db } = deps;

  async function projectRow(orgId: string, projectId: string): Promise<ProjectRow> {
    const row = await db.kysely
      .selectFrom('project')
      .select(PROJECT_COLUMNS)
      .where('org_id', '=', orgId)
      .where('id', '=', projectId)
      .executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', 'No such project in this organization.');
    return row as ProjectRow;
  }

  return {
    async listProjects(req, res: Response<unknown, Locals>) {
      const page = pageOf(input(req, 'listProjects').query);
      const auth = res.locals.auth;
      let query = db.kysely.selectFrom('project').select(PROJECT_COLUMNS).where('org_id', '=', auth.orgId);
      if (auth.projectId) query = query.where('id', '=', auth.projectId);
      if (page.after) query = query.where('id', '>', page.after);
      const rows = (await query.orderBy('id').limit(page.limit + 1).execute()) as ProjectRow[];
      const { items, next_cursor } = finishPage(rows, page, (r) => r.id);
      reply(res, 'listProjects', 200, { projects: items.map(projectOut), next_cursor });
    },

    async createProject(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'createProject');
      const row: ProjectRow = {
        id: newId('proj'),
        org_id: res.locals.auth.orgId!,
        name: body.name,
        description: body.description ?? null,
        region: body.region ?? 'enam',
        created_at: nowIso(),
      };
      await db.kysely.insertInto('project').values(row).execute();
      reply(res, 'createProject', 201, projectOut(row));
    },

    async getProject(req, res: Response<unknown, Locals>) {
      const { params } = input(req, 'getProject');
      reply(res, 'getProject', 200, projectOut(await projectRow(res.locals.auth.orgId!, params.project_id)));
    },

    async deleteProject(req, res: Response<unknown, Locals>) {
      const { params } = input(req, 'deleteProject');
      const project = await projectRow(res.locals.auth.orgId!, params.project_id);
      // Data first: if this fails, the project still exists and the delete can be retried.
      await deps.deleteProjectData(project.id);
      await db.kysely.transaction().execute(async (trx) => {
        await trx.deleteFrom('api_token').where('project_id', '=', project.id).execute();
        await trx.deleteFrom('invitation').where('project_id', '=', project.id).where('status', '=', 'pending').execute();
        await trx.deleteFrom('project').where('id', '=', project.id).execute();
      });
      reply(res, 'deleteProject', 200, { id: project.id, deleted: true });
    },
  };
}
