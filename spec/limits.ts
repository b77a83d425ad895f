/**
 * The spec's limits and fixed identifiers that the server also enforces, in a module without zod:
 * the server imports them from here, so that it does not load zod and evaluate the schemas of
 * spec/common.ts, spec/oauth.ts and spec/dashboard-token.ts at start (~0.25 s of CPU before the
 * first answer; BENCHMARKS.md, profiling notes). Those modules re-export them.
 *
 * @module spec/limits
 */

/** The error handler cuts a longer message, detail path or detail message to this many characters (an ellipsis last). */
export const ERROR_TEXT_MAX = 2048;
/** The error handler keeps the first this many validation details. */
export const ERROR_DETAILS_MAX = 100;
/** The longest origin the server trusts (and so echoes in `Access-Control-Allow-Origin`); longer entries of `SAASIGNAL_TRUSTED_ORIGINS` are ignored. */
export const ORIGIN_MAX = 2048;
/** How long a Dashboard token lives, in seconds. */
export const DASHBOARD_TOKEN_TTL = 900;
/** The one registered OAuth client: the CLI, a public client (no secret) with loopback redirects. */
export const CLI_CLIENT_ID = 'saasignal-cli';
/** OAuth lifetimes, in seconds. */
export const OAUTH_TTL = { code: 60, access: 3600, refresh: 30 * 24 * 3600, device: 600, deviceInterval: 5 } as const;
/** Prefixes of the OAuth secrets, so a leaked one is recognisable (secret scanners, logs). */
export const OAUTH_PREFIX = { access: 'oat_', refresh: 'ort_' } as const;
