/**
 * The Dashboard's own addresses, shared by the app (which renders them) and the server (which
 * answers them with index.html; every other path keeps the API's JSON 404). Plain data and one
 * function, so the server imports it without React.
 *
 * @module dashboard/paths
 */

/** Pages for signed-out visitors. */
export const PUBLIC_PATHS = ['/auth/sign-up', '/auth/sign-in', '/auth/verify-email'] as const;

/** Pages behind sign-in, as `:param` patterns. */
export const APP_PATHS = [
  '/',
  '/invitations',
  '/invitations/:id',
  '/orgs/:org',
  '/orgs/:org/settings',
  '/orgs/:org/members',
  '/orgs/:org/usage',
  '/orgs/:org/projects',
  '/orgs/:org/projects/:project',
  '/orgs/:org/projects/:project/settings',
  '/orgs/:org/projects/:project/tokens',
  '/orgs/:org/projects/:project/kv',
  '/orgs/:org/projects/:project/channels',
  '/account/cli-sessions',
  // OAuth for the CLI: the consent page (the metadata's authorization_endpoint) and the device page.
  '/oauth/authorize',
  '/oauth/device',
] as const;

export type AppPath = (typeof APP_PATHS)[number];

/** The params of `pattern` (`/orgs/:org/projects`) in `path`, or null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('?')[0].split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (!got[i]) return null;
      try {
        params[want[i].slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return null;
      }
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}

/**
 * Where `?next=` may send the user after sign-in: a path with its query on this origin, or null.
 * Parsed as a URL against this origin rather than checked by prefix, so `//evil.example`,
 * `/\evil.example` and `https://evil.example` (an open redirect each) all come out as another origin.
 */
export function safeNext(next: string | null, origin: string): string | null {
  if (!next || !next.startsWith('/')) return null;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return null;
  }
  return url.origin === origin ? url.pathname + url.search + url.hash : null;
}

/** True for a path the Dashboard renders. */
export function isDashboardPath(path: string): boolean {
  return (PUBLIC_PATHS as readonly string[]).includes(path) || APP_PATHS.some((p) => match(p, path) !== null);
}
