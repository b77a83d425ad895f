/**
 * The server's own origin and the origins it trusts. `SAASIGNAL_BASE_URL` is where the server is
 * reached (its Dashboard, docs and API share that origin); `SAASIGNAL_TRUSTED_ORIGINS` lists other
 * origins (comma-separated) whose browser apps may use the session cookie: credentialed CORS
 * (server/http/cors.ts) and the CSRF origin check both read {@link trustedOrigins}.
 *
 * @module server/http/origins
 * @see https://html.spec.whatwg.org/multipage/browsers.html#origin
 */

type Env = Record<string, string | undefined>;

const DEFAULT_BASE_URL = 'http://localhost:3000';

/** The server's base URL without a trailing slash (`SAASIGNAL_BASE_URL`, default http://localhost:3000). */
export function baseUrl(env: Env = process.env): string {
  return (env.SAASIGNAL_BASE_URL?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/** `scheme://host[:port]` of a URL, or null when it is not an absolute http(s) URL. */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url.trim());
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/**
 * The server's own origin followed by each configured trusted origin, normalised as browsers
 * send `Origin` (lower-case scheme and host, default port dropped). Entries that are not http(s)
 * origins are ignored rather than trusted by accident.
 */
export function trustedOrigins(env: Env = process.env): string[] {
  const configured = (env.SAASIGNAL_TRUSTED_ORIGINS ?? '').split(',').filter((s) => s.trim() !== '');
  const origins = [originOf(baseUrl(env)), ...configured.map(originOf)].filter((o): o is string => o !== null);
  return [...new Set(origins)];
}
