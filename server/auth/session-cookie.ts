/**
 * The session cookie better-auth sets (its default `better-auth` prefix), named by the spec's
 * `sessionCookie` security scheme. Its own module so that reading it does not load better-auth.
 *
 * @module server/auth/session-cookie
 */
export const SESSION_COOKIE = 'better-auth.session_token';
