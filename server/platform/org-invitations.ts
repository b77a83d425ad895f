/**
 * An organization's pending invitations (spec/org-invitations.ts): listed and revoked by members
 * with `orgs:read` / `orgs:write`. Both act on the whole organization (see authorize.ts).
 *
 * @module server/platform/org-invitations
 */
import type { Response } from 'express';
import type { Handlers, Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import { finishPage, pageOf } from '../http/pagination.ts';
import { input, reply } from '../http/respond.ts';
import type { PlatformDeps } from './deps.ts';
import { INVITATION_COLUMNS } from './members.ts';
import { type InvitationRow, invitationOut, nowIso } from './rows.ts';

export function orgInvitationHandlers({ db }: PlatformDeps): Handlers {
  return {
    async listOrgInvitations(req, res: Response<unknown, Locals>) {
      const page = pageOf(input(req, 'listOrgInvitations').query);
      let query = db.kysely
        .selectFrom('invitation as i')
        .innerJoin('organization as o', 'o.id', 'i.org_id')
        .select(INVITATION_COLUMNS)
        .where('i.org_id', '=', res.locals.auth.orgId!)
        .where('i.status', '=', 'pending')
        .where('i.expires_at', '>', nowIso());
      if (page.after) query = query.where('i.id', '>', page.after);
      const rows = (await query.orderBy('i.id').limit(page.limit + 1).execute()) as InvitationRow[];
      const { items, next_cursor } = finishPage(rows, page, (r) => r.id);
      reply(res, 'listOrgInvitations', 200, { invitations: items.map(invitationOut), next_cursor });
    },

    async revokeInvitation(req, res: Response<unknown, Locals>) {
      const { params } = input(req, 'revokeInvitation');
      const deleted = await db.kysely
        .deleteFrom('invitation')
        .where('id', '=', params.invitation_id)
        .where('org_id', '=', res.locals.auth.orgId!)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw new ApiError('NOT_FOUND', 'No pending invitation with this id in this organization.');
      reply(res, 'revokeInvitation', 200, { id: params.invitation_id, deleted: true });
    },
  };
}
