/**
 * Members and invitations. Nobody grants scopes they do not hold; the owner's scopes can be
 * neither changed nor removed. An invitation is addressed to an email and emailed there as a
 * link with a one-time secret (invitation-links.ts): the user signed in with that email lists it
 * under `GET /core/invitations` and accepts it with the link's secret, or with a verified email.
 *
 * @module server/platform/members
 */
import type { Response } from 'express';
import { assertMayActOn } from '../auth/peers.ts';
import { missingScopes, parseScopes } from '../auth/scopes.ts';
import type { AuthContext, Handlers, Locals } from '../context.ts';
import type { Db } from '../db/index.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../ids.ts';
import { finishPage, pageOf } from '../http/pagination.ts';
import { input, reply } from '../http/respond.ts';
import type { PlatformDeps } from './deps.ts';
import { invitationMail } from '../mail/messages.ts';
import { invitationLink, newInvitationSecret, secretMatches } from './invitation-links.ts';
import { creatorOf, offboardMember } from './offboarding.ts';
import { type InvitationRow, invitationOut, isUniqueViolation, type MemberRow, memberOut, nowIso } from './rows.ts';

/** How long an invitation stays acceptable. */
const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

const MEMBER_COLUMNS = ['m.user_id', 'u.email', 'u.name', 'm.role', 'm.scopes', 'm.project_id', 'm.joined_at'] as const;
export const INVITATION_COLUMNS = [
  'i.id', 'i.org_id', 'o.name as org_name', 'i.email', 'i.scopes', 'i.project_id', 'i.status', 'i.invited_by', 'i.created_at', 'i.expires_at',
] as const;

/** Refuses to grant scopes the caller does not hold (403). */
export function assertCanGrant(auth: AuthContext, requested: readonly string[]): void {
  const missing = missingScopes(auth.scopes, requested);
  if (missing.length > 0) {
    throw new ApiError('INSUFFICIENT_SCOPE', `You cannot grant scopes you do not hold: ${missing.map((s) => `"${s}"`).join(', ')}.`);
  }
}

const memberNotFound = () => new ApiError('NOT_FOUND', 'No such member in this organization.');

async function memberRow(db: Db, orgId: string, userId: string): Promise<MemberRow | undefined> {
  return (await db.kysely
    .selectFrom('member as m')
    .innerJoin('user as u', 'u.id', 'm.user_id')
    .select(MEMBER_COLUMNS)
    .where('m.org_id', '=', orgId)
    .where('m.user_id', '=', userId)
    .executeTakeFirst()) as MemberRow | undefined;
}

async function userEmail(db: Db, userId: string): Promise<string> {
  return (await userAddress(db, userId)).email;
}

async function userAddress(db: Db, userId: string): Promise<{ email: string; verified: boolean }> {
  const row = await db.kysely.selectFrom('user').select(['email', 'emailVerified']).where('id', '=', userId).executeTakeFirstOrThrow();
  // SQLite stores booleans as 0/1.
  return { email: (row.email as string).toLowerCase(), verified: Boolean(Number(row.emailVerified)) || row.emailVerified === true };
}

export function memberHandlers(deps: PlatformDeps): Handlers {
  const { db } = deps;

  /** The member, if the caller may act on it (server/auth/peers.ts): not the owner, no scope the caller lacks. */
  async function changeableMember(auth: AuthContext, userId: string, what: string): Promise<MemberRow> {
    const member = await memberRow(db, auth.orgId!, userId);
    if (!member) throw memberNotFound();
    assertMayActOn(auth, { role: member.role, scopes: parseScopes(member.scopes) }, what);
    return member;
  }

  return {
    async listMembers(req, res: Response<unknown, Locals>) {
      const page = pageOf(input(req, 'listMembers').query);
      let query = db.kysely
        .selectFrom('member as m')
        .innerJoin('user as u', 'u.id', 'm.user_id')
        .select(MEMBER_COLUMNS)
        .where('m.org_id', '=', res.locals.auth.orgId);
      if (page.after) query = query.where('m.user_id', '>', page.after);
      const rows = (await query.orderBy('m.user_id').limit(page.limit + 1).execute()) as MemberRow[];
      const { items, next_cursor } = finishPage(rows, page, (r) => r.user_id);
      reply(res, 'listMembers', 200, { members: items.map(memberOut), next_cursor });
    },

    async inviteMember(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'inviteMember');
      const auth = res.locals.auth;
      const orgId = auth.orgId!;
      const scopes = body.scopes ?? [];
      assertCanGrant(auth, scopes);
      if (body.project_id !== undefined) {
        const project = await db.kysely.selectFrom('project').select('id').where('id', '=', body.project_id).where('org_id', '=', orgId).executeTakeFirst();
        if (!project) throw new ApiError('NOT_FOUND', 'No such project in this organization.');
      }
      const email = body.email.toLowerCase();
      const existing = await db.kysely
        .selectFrom('member as m')
        .innerJoin('user as u', 'u.id', 'm.user_id')
        .select('m.user_id')
        .where('m.org_id', '=', orgId)
        .where('u.email', '=', email)
        .executeTakeFirst();
      if (existing) throw new ApiError('ALREADY_MEMBER', `${email} is already a member of this organization.`);

      const now = new Date();
      const link = newInvitationSecret();
      const row = {
        id: newId('inv'),
        org_id: orgId,
        email,
        scopes: JSON.stringify(scopes),
        project_id: body.project_id ?? null,
        status: 'pending',
        // Through a token: the user who created it (their invitations go when they leave); a token
        // made before lineage was recorded names the organization's owner.
        invited_by:
          creatorOf(auth) ?? (await db.kysely.selectFrom('organization').select('owner_id').where('id', '=', orgId).executeTakeFirstOrThrow()).owner_id,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + INVITATION_TTL_MS).toISOString(),
      };
      await db.kysely.transaction().execute(async (trx) => {
        // Inviting again replaces the pending invitation (new scopes, new expiry, new link).
        await trx.deleteFrom('invitation').where('org_id', '=', orgId).where('email', '=', email).where('status', '=', 'pending').execute();
        await trx.insertInto('invitation').values({ ...row, token_hash: link.hash }).execute();
      });
      const org = await db.kysely.selectFrom('organization').select('name').where('id', '=', orgId).executeTakeFirstOrThrow();
      const acceptUrl = invitationLink(row.id, link.secret);
      // In the background: the inviter has the link in this answer whatever SMTP does.
      void deps.mailer.send(invitationMail(email, { orgName: org.name as string, link: acceptUrl, expiresAt: row.expires_at }));
      reply(res, 'inviteMember', 202, { ...invitationOut({ ...row, org_name: org.name as string } as InvitationRow), accept_url: acceptUrl });
    },

    async getMyScopes(_req, res: Response<unknown, Locals>) {
      const auth = res.locals.auth;
      let role: 'owner' | 'member' | null = null;
      if (auth.type === 'session') {
        const member = await memberRow(db, auth.orgId!, auth.userId!);
        role = (member?.role as 'owner' | 'member' | undefined) ?? null;
      }
      reply(res, 'getMyScopes', 200, {
        org_id: auth.orgId!,
        user_id: auth.userId,
        role,
        scopes: auth.scopes as never,
        project_id: auth.projectId,
      });
    },

    async updateMemberScopes(req, res: Response<unknown, Locals>) {
      const { body, params } = input(req, 'updateMemberScopes');
      const auth = res.locals.auth;
      const member = await changeableMember(auth, params.user_id, 'given other scopes');
      assertCanGrant(auth, body.scopes);
      await db.kysely
        .updateTable('member')
        .set({ scopes: JSON.stringify(body.scopes) })
        .where('org_id', '=', auth.orgId)
        .where('user_id', '=', member.user_id)
        .execute();
      reply(res, 'updateMemberScopes', 200, memberOut({ ...member, scopes: JSON.stringify(body.scopes) }));
    },

    async removeMember(req, res: Response<unknown, Locals>) {
      const { params } = input(req, 'removeMember');
      const orgId = res.locals.auth.orgId!;
      const member = await changeableMember(res.locals.auth, params.user_id, 'removed');
      await db.kysely.transaction().execute(async (trx) => {
        await trx.deleteFrom('member').where('org_id', '=', orgId).where('user_id', '=', member.user_id).execute();
        // Offboarding: their tokens stop working and their pending invitations go with them.
        await offboardMember(trx, orgId, member.user_id);
      });
      reply(res, 'removeMember', 200, { id: member.user_id, deleted: true });
    },

    async listInvitations(req, res: Response<unknown, Locals>) {
      const page = pageOf(input(req, 'listInvitations').query);
      const email = await userEmail(db, res.locals.auth.userId!);
      let query = db.kysely
        .selectFrom('invitation as i')
        .innerJoin('organization as o', 'o.id', 'i.org_id')
        .select(INVITATION_COLUMNS)
        .where('i.email', '=', email)
        .where('i.status', '=', 'pending')
        .where('i.expires_at', '>', nowIso());
      if (page.after) query = query.where('i.id', '>', page.after);
      const rows = (await query.orderBy('i.id').limit(page.limit + 1).execute()) as InvitationRow[];
      const { items, next_cursor } = finishPage(rows, page, (r) => r.id);
      reply(res, 'listInvitations', 200, { invitations: items.map(invitationOut), next_cursor });
    },

    async acceptInvitation(req, res: Response<unknown, Locals>) {
      const { params, body } = input(req, 'acceptInvitation');
      const userId = res.locals.auth.userId!;
      const { email, verified } = await userAddress(db, userId);
      const invitation = (await db.kysely
        .selectFrom('invitation as i')
        .innerJoin('organization as o', 'o.id', 'i.org_id')
        .select([...INVITATION_COLUMNS, 'i.token_hash'])
        .where('i.id', '=', params.invitation_id)
        .executeTakeFirst()) as (InvitationRow & { token_hash: string | null }) | undefined;
      // Someone else's invitation is as invisible as a missing one.
      if (!invitation || invitation.email !== email || invitation.status !== 'pending' || invitation.expires_at <= nowIso()) {
        throw new ApiError('NOT_FOUND', 'No such pending invitation for your email.');
      }
      // Signing up with the invited address proves nothing: the link's secret, or a verified
      // email, shows that the caller reads that inbox.
      const token = body?.token;
      if (token !== undefined ? !secretMatches(invitation.token_hash, token) : !verified) {
        throw new ApiError(
          'INVITATION_PROOF_REQUIRED',
          token !== undefined
            ? "This is not the invitation's link (inviting again makes a new one): open the most recent invitation email."
            : 'Accept with the token of the invitation link sent to your email (or verify your email first).',
        );
      }
      if (await memberRow(db, invitation.org_id, userId)) {
        throw new ApiError('ALREADY_MEMBER', 'You are already a member of this organization.');
      }
      const joinedAt = nowIso();
      try {
        await db.kysely.transaction().execute(async (trx) => {
          await trx
            .insertInto('member')
            .values({ org_id: invitation.org_id, user_id: userId, role: 'member', scopes: invitation.scopes, project_id: invitation.project_id, joined_at: joinedAt })
            .execute();
          await trx.updateTable('invitation').set({ status: 'accepted' }).where('id', '=', invitation.id).execute();
        });
      } catch (err) {
        // Two accepts at once: the second finds the membership the first created.
        if (isUniqueViolation(err)) throw new ApiError('ALREADY_MEMBER', 'You are already a member of this organization.');
        throw err;
      }
      reply(res, 'acceptInvitation', 200, memberOut((await memberRow(db, invitation.org_id, userId))!));
    },
  };
}
