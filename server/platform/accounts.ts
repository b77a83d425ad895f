/**
 * The Auth operations: sign-up (user + default organization), sign-in, sign-out, get-session,
 * verify-email. Each calls better-auth's server API and reshapes its answer into the spec's
 * `AuthResult` / `Session`; better-auth's session cookie is passed through as `Set-Cookie`.
 *
 * With `SAASIGNAL_REQUIRE_EMAIL_VERIFICATION` (server/auth/email-verification.ts), sign-up answers
 * 202 alike for a new and a taken email (better-auth hashes the password either way and calls
 * `onExistingUserSignUp` for the taken one), and sign-in needs a verified email.
 *
 * @module server/platform/accounts
 */
import type { Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { requestSessionHeaders } from '../auth/identify.ts';
import { assertStrongPassword } from '../auth/password-policy.ts';
import type { Handlers, Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import { input, reply } from '../http/respond.ts';
import { operationsById, type Schemas } from '../spec.ts';
import type { PlatformDeps } from './deps.ts';
import { createOrganization } from './organizations.ts';

interface BetterAuthUser {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  createdAt: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();

export const userOut = (u: BetterAuthUser): Schemas['User'] => ({
  id: u.id,
  email: u.email,
  name: u.name,
  email_verified: Boolean(u.emailVerified),
  created_at: iso(u.createdAt),
});

/** better-auth's APIError, recognised by shape (its class lives in a transitive package). */
function authStatus(err: unknown): { status: number; code: string; message: string } | null {
  if (!err || typeof err !== 'object' || !('statusCode' in err)) return null;
  const { statusCode, body } = err as { statusCode: number; body?: { code?: string; message?: string } };
  return { status: statusCode, code: body?.code ?? '', message: body?.message ?? '' };
}

/** Only what better-auth records about a client; never the caller's cookies or authorization. */
function clientHeaders(req: Request): Headers {
  const headers = new Headers();
  const userAgent = req.get('user-agent');
  if (userAgent) headers.set('user-agent', userAgent);
  return headers;
}

function passCookies(res: Response, headers: Headers): void {
  for (const cookie of headers.getSetCookie()) res.append('Set-Cookie', cookie);
}

export function accountHandlers(deps: PlatformDeps): Handlers {
  const { db } = deps;

  async function emailTaken(email: string): Promise<boolean> {
    // better-auth stores emails lower-cased.
    const row = await db.kysely.selectFrom('user').select('id').where('email', '=', email.toLowerCase()).executeTakeFirst();
    return row !== undefined;
  }

  /** The organization sign-in reports: the oldest one the user owns. */
  async function defaultOrgId(userId: string): Promise<string | null> {
    const row = await db.kysely.selectFrom('organization').select('id').where('owner_id', '=', userId).orderBy('id').limit(1).executeTakeFirst();
    return (row?.id as string | undefined) ?? null;
  }

  /** The new user's default organization; no account without one (the sign-up is undone). */
  async function organizationFor(user: BetterAuthUser) {
    try {
      return await createOrganization(deps, { name: `${user.name.slice(0, 80)}'s organization`, ownerId: user.id });
    } catch (err) {
      // Sessions and accounts cascade.
      await db.kysely.deleteFrom('user').where('id', '=', user.id).execute();
      throw err;
    }
  }

  return {
    async signUpEmail(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'signUpEmail');
      await assertStrongPassword(body.password);
      let result;
      try {
        const auth = await deps.auth();
        result = await deps.hashing(() =>
          auth.api.signUpEmail({ body: { email: body.email, password: body.password, name: body.name }, headers: clientHeaders(req), returnHeaders: true }),
        );
      } catch (err) {
        const failure = authStatus(err);
        // Two sign-ups with one email at once, verification on: the loser's answer must not differ either.
        if (deps.requireEmailVerification && !(failure && failure.status === 400) && (await emailTaken(body.email))) {
          reply(res, 'signUpEmail', 202, { email: body.email, verification_required: true });
          return;
        }
        if (failure?.code.startsWith('USER_ALREADY_EXISTS')) throw new ApiError('EMAIL_TAKEN', 'An account with this email already exists; sign in instead.');
        if (failure && failure.status === 400) throw new ApiError('INVALID_REQUEST', failure.message || 'The sign-up request is invalid.');
        // Two sign-ups with one email at once: the loser fails on the unique index, inside better-auth.
        if (await emailTaken(body.email)) throw new ApiError('EMAIL_TAKEN', 'An account with this email already exists; sign in instead.');
        throw err;
      }
      const { user, token } = result.response;
      if (deps.requireEmailVerification) {
        // better-auth answers a taken email with a made-up user: only a real new one gets an organization.
        const created = await db.kysely.selectFrom('user').select('id').where('id', '=', user.id).executeTakeFirst();
        if (created) await organizationFor(user);
        reply(res, 'signUpEmail', 202, { email: body.email, verification_required: true });
        return;
      }
      if (!token) throw new Error('better-auth signed the new user up without a session');
      const org = await organizationFor(user);
      passCookies(res, result.headers);
      reply(res, 'signUpEmail', 200, { token, user: userOut(user), default_org_id: org.id });
    },

    async verifyEmail(req, res: Response<unknown, Locals>) {
      const { query } = input(req, 'verifyEmail');
      const invalid = () => new ApiError('VERIFICATION_TOKEN_INVALID', 'This verification link is invalid or expired; sign in to get a new one.');
      try {
        // Checks the signature and expiry, and marks the email verified (again is fine); answers no user.
        await (await deps.auth()).api.verifyEmail({ query: { token: query.token } });
      } catch (err) {
        if (authStatus(err)) throw invalid();
        throw err;
      }
      // The token is genuine by now: its payload names the account.
      const { email } = decodeJwt(query.token) as { email?: string };
      const user = email ? await db.kysely.selectFrom('user').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst() : undefined;
      if (!user) throw invalid();
      reply(res, 'verifyEmail', 200, { status: true, user: userOut({ ...(user as unknown as BetterAuthUser), emailVerified: true }) });
    },

    async signInEmail(req, res: Response<unknown, Locals>) {
      const { body } = input(req, 'signInEmail');
      // A locked account is refused before any hashing: the lock costs the server nothing.
      await deps.signInThrottle.assertOpen(body.email);
      let result;
      try {
        const auth = await deps.auth();
        result = await deps.hashing(() =>
          auth.api.signInEmail({ body: { email: body.email, password: body.password }, headers: clientHeaders(req), returnHeaders: true }),
        );
      } catch (err) {
        const failure = authStatus(err);
        // Only after the right password (better-auth checks it first), so it tells nothing to a guesser.
        if (failure?.status === 403 && failure.code === 'EMAIL_NOT_VERIFIED') {
          await deps.signInThrottle.recordSuccess(body.email);
          throw new ApiError('EMAIL_NOT_VERIFIED', 'Verify your email first: a new verification link has been sent to it.');
        }
        // Unknown email, wrong password, or an email better-auth would never have registered: one answer.
        if (failure && (failure.status === 401 || failure.status === 400)) {
          await deps.signInThrottle.recordFailure(body.email);
          throw new ApiError('INVALID_CREDENTIALS', 'Invalid email or password.');
        }
        throw err;
      }
      await deps.signInThrottle.recordSuccess(body.email);
      const { user, token } = result.response;
      passCookies(res, result.headers);
      reply(res, 'signInEmail', 200, { token, user: userOut(user), default_org_id: await defaultOrgId(user.id) });
    },

    async signOut(req, res: Response<unknown, Locals>) {
      const result = await (await deps.auth()).api.signOut({ headers: requestSessionHeaders(req, operationsById.get('signOut')!), returnHeaders: true });
      passCookies(res, result.headers);
      reply(res, 'signOut', 200, { success: true });
    },

    async getSession(req, res: Response<unknown, Locals>) {
      const session = await (await deps.auth()).api.getSession({
        headers: requestSessionHeaders(req, operationsById.get('getSession')!),
        query: { disableCookieCache: true },
      });
      if (!session) throw new ApiError('UNAUTHORIZED', 'The session is invalid or has ended; sign in again.');
      reply(res, 'getSession', 200, {
        session: { id: session.session.id, expires_at: iso(session.session.expiresAt), created_at: iso(session.session.createdAt) },
        user: userOut(session.user),
      });
    },
  };
}
