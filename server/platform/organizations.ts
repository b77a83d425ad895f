/**
 * Organizations: create (the caller becomes the owner with `*`), list, get, update, and delete
 * with everything in them (projects and their data, tokens, members, invitations, top-ups). The
 * monthly included allowance is not theirs but their owner's account's (server/billing/balance.ts):
 * creating one does not add to it, deleting one gives nothing back.
 *
 * @module server/platform/organizations
 */
import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { Handlers, Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../ids.ts';
import { finishPage, pageOf } from '../http/pagination.ts';
import { input, reply } from '../http/respond.ts';
import { currentPeriod, openAccount } from '../billing/balance.ts';
import type { PlatformDeps } from './deps.ts';
import { isUniqueViolation, nowIso, ORGANIZATION_COLUMNS, type OrganizationRow, organizationOut } from './rows.ts';

const MAX_SLUG = 64;

/** `Acme Corp!` -> `acme-corp`; a name with no usable character gives `org`. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG - 5)
    .replace(/-+$/, '');
  return slug || 'org';
}

const slugTaken = (slug: string) => new ApiError('SLUG_TAKEN', `The slug "${slug}" is taken by another organization.`);

/**
 * Inserts an organization and its owner. An explicit slug that is taken is a 409; a slug derived
 * from the name gets a short random suffix instead, since the caller never chose it.
 */
export async function createOrganization(
  deps: PlatformDeps,
  input: { name: string; slug?: string; ownerId: string },
): Promise<OrganizationRow> {
  const base = input.slug ?? slugify(input.name);
  for (let attempt = 0; ; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${randomBytes(3).toString('hex').slice(0, 4)}`;
    const now = nowIso();
    const row: OrganizationRow = { id: newId('org'), name: input.name, slug, owner_id: input.ownerId, created_at: now, updated_at: now };
    try {
      await deps.db.kysely.transaction().execute(async (trx) => {
        // The allowance is the owner's, one per account (server/billing/balance.ts): a new
        // organization opens the account's row if it has none, and never refills it. The
        // organization's own allowance columns are no longer read.
        await openAccount(trx, input.ownerId, deps.allowance());
        await trx
          .insertInto('organization')
          .values({ ...row, included_remaining: 0, included_period: currentPeriod(), topup_balance: 0 })
          .execute();
        await trx
          .insertInto('member')
          .values({ org_id: row.id, user_id: input.ownerId, role: 'owner', scopes: JSON.stringify(['*']), project_id: null, joined_at: now })
          .execute();
      });
      return row;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (input.slug !== undefined) throw slugTaken(slug);
      if (attempt >= 5) throw err;
    }
  }
}

export async function getOrganizationRow(deps: PlatformDeps, orgId: string): Promise<OrganizationRow> {
  const row = await deps.db.kysely.selectFrom('organization').select(ORGANIZATION_COLUMNS).where('id', '=', orgId).executeTakeFirst();
  if (!row) throw new ApiError('NOT_FOUND', 'No such organization.');
  return row as OrganizationRow;
}

/** Removes an organization and everything it holds; project data first, through the infra layer. */
async function deleteOrganizationCascade(deps: PlatformDeps, orgId: string): Promise<void> {
  const projects = await deps.db.kysely.selectFrom('project').select('id').where('org_id', '=', orgId).execute();
  for (const p of projects) await deps.deleteProjectData(p.id as string);
  await deps.db.kysely.transaction().execute(async (trx) => {
    for (const table of ['api_token', 'invitation', 'member', 'project']) await trx.deleteFrom(table).where('org_id', '=', orgId).execute();
    await trx.deleteFrom('organization').where('id', '=', orgId).execute();
  });
}

export function organizationHandlers(deps: PlatformDeps): Handlers {
  const { db } = deps;
  return {
    async listOrganizations(req, res: Response<unknown, Locals>) {
      const page = pageOf(input(req, 'listOrganizations').query);
      const auth = res.locals.auth;
      let query = db.kysely.selectFrom('organization as o').select(ORGANIZATION_COLUMNS.map((c) => `o.${c}` as const));
      query =
        auth.type === 'session'
          ? query.innerJoin('member as m', 'm.org_id', 'o.id').where('m.user_id', '=', auth.userId)
          : query.where('o.id', '=', auth.orgId);
      if (page.after) query = query.where('o.id', '>', page.after);
      const rows = (await query.orderBy('o.id').limit(page.limit + 1).execute()) as OrganizationRow[];
      const { items, next_cursor } = finishPage(rows, page, (r) => r.id);
      reply(res, 'listOrganizations', 200, { organizations: items.map(organizationOut), next_cursor });
    },

    async createOrganization(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'createOrganization');
      const row = await createOrganization(deps, { name: body.name, slug: body.slug, ownerId: res.locals.auth.userId! });
      reply(res, 'createOrganization', 201, organizationOut(row));
    },

    async getOrganization(_req, res: Response<unknown, Locals>) {
      reply(res, 'getOrganization', 200, organizationOut(await getOrganizationRow(deps, res.locals.auth.orgId!)));
    },

    async updateOrganization(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'updateOrganization');
      const orgId = res.locals.auth.orgId!;
      const changes: Partial<OrganizationRow> = {};
      if (body.name !== undefined) changes.name = body.name;
      if (body.slug !== undefined) changes.slug = body.slug;
      if (Object.keys(changes).length > 0) {
        try {
          await db.kysely.updateTable('organization').set({ ...changes, updated_at: nowIso() }).where('id', '=', orgId).execute();
        } catch (err) {
          if (isUniqueViolation(err)) throw slugTaken(body.slug!);
          throw err;
        }
      }
      reply(res, 'updateOrganization', 200, organizationOut(await getOrganizationRow(deps, orgId)));
    },

    async deleteOrganization(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'deleteOrganization');
      const org = await getOrganizationRow(deps, res.locals.auth.orgId!);
      if (body.confirm_name !== org.name) {
        throw new ApiError('CONFIRMATION_MISMATCH', `To delete this organization, send confirm_name equal to its name ("${org.name}").`, {
          details: [{ path: '/body/confirm_name', message: 'must equal the organization name' }],
        });
      }
      await deleteOrganizationCascade(deps, org.id);
      reply(res, 'deleteOrganization', 200, { id: org.id, deleted: true });
    },
  };
}
