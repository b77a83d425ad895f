/**
 * Auth: email accounts and sessions. Sign-up creates the user and a default organization.
 *
 * @module spec/auth
 */
import { baseHeaders, Email, errors, jsonBody, Name, ok, Timestamp, UserId } from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

const userExample = {
  id: 'usr_01JNXSB1C2D3E4F5G6H7J8K9MN',
  email: 'alice@acme.com',
  name: 'Alice Doe',
  email_verified: false,
  created_at: '2026-03-10T13:15:00.000Z',
};

export const User = registry.register(
  'User',
  z
    .object({
      id: UserId,
      email: Email,
      name: Name.openapi({ example: 'Alice Doe' }),
      email_verified: z.boolean().openapi({ example: false }),
      created_at: Timestamp,
    })
    .openapi({
      example: userExample,
    }),
);

/** The policy's length; the server also refuses common passwords (`WEAK_PASSWORD`). */
export const PASSWORD_MIN_LENGTH = 10;
const Password = z.string().min(PASSWORD_MIN_LENGTH).max(128).openapi({
  description: `At least ${PASSWORD_MIN_LENGTH} characters, and not one of the most common passwords (400 \`WEAK_PASSWORD\`).`,
  example: 'a-long-secure-passphrase',
});

export const SignUpRequest = registry.register(
  'SignUpRequest',
  z
    .strictObject({ email: Email, password: Password, name: Name.openapi({ description: 'Display name (no control characters).', example: 'Alice Doe' }) })
    .openapi({ example: { email: 'alice@acme.com', password: 'a-long-secure-passphrase', name: 'Alice Doe' } }),
);

export const SignInRequest = registry.register(
  'SignInRequest',
  z
    .strictObject({ email: Email, password: z.string().min(1).max(128).openapi({ example: 'a-long-secure-passphrase' }) })
    .openapi({ example: { email: 'alice@acme.com', password: 'a-long-secure-passphrase' } }),
);

// better-auth's session token (32 letters and digits today); the pattern is the Bearer token68 alphabet.
const SessionToken = z.string().max(256).regex(/^[A-Za-z0-9._~+\/-]+=*$/).openapi({
  description: 'The session token: send it as `Authorization: Bearer <token>`. The same value is set as a cookie.',
  example: 'st_9fJ2kQ8wXz4rT1bN6mV3cY7pL0aS5dE2',
});

export const AuthResult = registry.register(
  'AuthResult',
  z
    .object({
      token: SessionToken,
      user: User,
      // Inline rather than OrgId: a nullable use of a named schema would be an `anyOf`, for no gain.
      default_org_id: z.string().max(30).regex(/^org_[0-9A-HJKMNP-TV-Z]{26}$/).nullable().openapi({
        description: 'The organization sign-up created for the user (sign-in: the oldest organization the user owns).',
        example: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
      }),
    })
    .openapi({
      example: {
        token: 'st_9fJ2kQ8wXz4rT1bN6mV3cY7pL0aS5dE2',
        user: userExample,
        default_org_id: 'org_01JNXS8QZ3M2V7K4T9R5W6Y8AB',
      },
    }),
);

export const Session = registry.register(
  'Session',
  z
    .object({
      session: z.object({ id: z.string().max(30).regex(/^ses_[0-9A-HJKMNP-TV-Z]{26}$/).openapi({ example: 'ses_01JNXSE1F2G3H4J5K6M7N8P9QR' }), expires_at: Timestamp, created_at: Timestamp }),
      user: User,
    })
    .openapi({
      example: {
        session: {
          id: 'ses_01JNXSE1F2G3H4J5K6M7N8P9QR',
          expires_at: '2026-03-17T13:15:00.000Z',
          created_at: '2026-03-10T13:15:00.000Z',
        },
        user: userExample,
      },
    }),
);

export const SignUpPending = registry.register(
  'SignUpPending',
  z
    .object({
      email: Email,
      verification_required: z.literal(true),
    })
    .openapi({
      description:
        'The answer to every sign-up while the server requires verified emails: the same whether or not the email already had an account. ' +
        'A new account gets a verification link by email; an existing one a notice that someone tried to sign up with it.',
      example: { email: 'alice@acme.com', verification_required: true },
    }),
);

export const VerifyEmailResult = registry.register(
  'VerifyEmailResult',
  z.object({ status: z.literal(true), user: User }).openapi({
    example: { status: true, user: { ...userExample, email_verified: true } },
  }),
);

const cookieHeader = {
  'Set-Cookie': {
    description: 'The session cookie `better-auth.session_token` (HttpOnly, SameSite=Lax).',
    schema: { type: 'string' as const, maxLength: 4096, pattern: '^(__Secure-)?better-auth\\.session_token=', example: 'better-auth.session_token=st_9fJ2kQ8wXz4rT1bN6mV3cY7pL0aS5dE2; Path=/; HttpOnly; SameSite=Lax' },
  },
  ...baseHeaders,
};

defineOperation({
  method: 'post',
  path: '/api/auth/sign-up/email',
  operationId: 'signUpEmail',
  tags: ['Auth'],
  summary: 'Sign up with email',
  description:
    'Create an account with email and password. This also creates a default organization owned by the new user and signs the user in ' +
    '(200); an email that already has an account is 409 `EMAIL_TAKEN`. When the server requires verified emails ' +
    '(`SAASIGNAL_REQUIRE_EMAIL_VERIFICATION`), the answer is 202 whether or not the email is taken, so it does not tell who has an ' +
    'account: the new account receives a verification link, and signs in once it is verified; an existing one receives a notice.',
  request: { body: jsonBody(SignUpRequest) },
  responses: {
    200: { ...ok(AuthResult, 'The new user, signed in.'), headers: cookieHeader },
    202: ok(SignUpPending, 'The server requires verified emails: check the inbox of this address.'),
    ...errors(409, 429),
  },
  sdk: { method: 'auth.signUp', args: ['body'] },
});

defineOperation({
  method: 'post',
  path: '/api/auth/sign-in/email',
  operationId: 'signInEmail',
  tags: ['Auth'],
  summary: 'Sign in with email',
  description:
    'Exchange email and password for a session token (and the session cookie). A wrong password and an unknown email get the same 401. ' +
    'After 10 failed sign-ins for one email within 15 minutes (server settings), every sign-in to it is refused with 429 `SIGN_IN_LOCKED` ' +
    'and `Retry-After` until the window ends, the right password included. When the server is hashing as many passwords as it allows, ' +
    'the answer is 503 `AUTH_BUSY`. When the server requires verified emails, the right password for an unverified account is 403 ' +
    '`EMAIL_NOT_VERIFIED`, and a new verification link is emailed.',
  request: { body: jsonBody(SignInRequest) },
  responses: {
    200: { ...ok(AuthResult, 'Signed in.'), headers: cookieHeader },
    ...errors(401, 403, 429),
  },
  sdk: { method: 'auth.signIn', args: ['body'] },
});

defineOperation({
  method: 'get',
  path: '/api/auth/verify-email',
  operationId: 'verifyEmail',
  tags: ['Auth'],
  summary: 'Verify an email address',
  description:
    'Mark the account\'s email as verified with the token of the emailed link (the Dashboard\'s `/auth/verify-email?token=…` page ' +
    'calls this). The token is valid for one hour; an invalid or expired one is 400 `VERIFICATION_TOKEN_INVALID` (signing in again ' +
    'sends a new link). It does not sign in.',
  request: {
    query: z.object({
      token: z.string().min(1).max(2048).openapi({ description: 'The `token` of the verification link.', example: 'eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlQGFjbWUuY29tIn0.c2lnbmF0dXJl' }),
    }),
  },
  responses: { 200: ok(VerifyEmailResult, 'The email is verified.'), ...errors(429) },
  sdk: { method: 'auth.verifyEmail', args: ['query'] },
});

defineOperation({
  method: 'post',
  path: '/api/auth/sign-out',
  operationId: 'signOut',
  tags: ['Auth'],
  summary: 'Sign out',
  description: 'End the current session: its token and cookie stop working at once.',
  credentials: ['session'],
  scope: null,
  responses: {
    200: ok(z.object({ success: z.literal(true) }).openapi('SignOutResult', { example: { success: true } }), 'Signed out.'),
    ...errors(401),
  },
  sdk: { method: 'auth.signOut', args: [] },
});

defineOperation({
  method: 'get',
  path: '/api/auth/get-session',
  operationId: 'getSession',
  tags: ['Auth'],
  summary: 'Get the current session',
  description: 'Return the session and user behind the session token or cookie.',
  credentials: ['session'],
  scope: null,
  responses: { 200: ok(Session, 'The current session.'), ...errors(401) },
  sdk: { method: 'auth.getSession', args: [] },
});
