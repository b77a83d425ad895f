/**
 * The session cookie better-auth sets (its default `better-auth` prefix), named by the spec's
 * `sessionCookie` security scheme. Its own module so that reading it does not load better-auth.
 *
 * @module server/auth/session-cookie
 */
export const SESSION_COOKIE = 'better-auth.session_token';

/**
 * The names it may carry: better-auth adds the `__Secure-` prefix (and the `Secure` attribute)
 * when its base URL (`SAASIGNAL_BASE_URL`) is https, as behind a TLS-terminating load balancer.
 */
export const SESSION_COOKIE_NAMES = [`__Secure-${SESSION_COOKIE}`, SESSION_COOKIE] as const;
